"""Initial: bus tables and the hash-chained ledger.

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
        "ledger_entry",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(200), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("subject", sa.String(200), nullable=True),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("envelope", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_ledger_entry"),
        sa.UniqueConstraint("event_id", name="uq_ledger_entry_event_id"),
    )
    op.create_index("ix_ledger_entry_subject", "ledger_entry", ["subject"])
    op.create_index("ix_ledger_entry_organisation_id", "ledger_entry", ["organisation_id"])


def downgrade() -> None:
    op.drop_table("ledger_entry")
    drop_bus_tables()
