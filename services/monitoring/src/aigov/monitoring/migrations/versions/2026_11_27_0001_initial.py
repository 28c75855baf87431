"""Initial: bus tables and the monitored systems.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from aigov.shared.migrations import create_bus_tables, drop_bus_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_bus_tables()
    op.create_table(
        "monitored_system",
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("risk_tier", sa.String(40), nullable=True),
        sa.Column("monitoring_since", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("system_id", name="pk_monitored_system"),
    )
    op.create_index("ix_monitored_system_organisation_id", "monitored_system", ["organisation_id"])


def downgrade() -> None:
    op.drop_table("monitored_system")
    drop_bus_tables()
