"""Fundamental rights impact assessments (Art. 27), versioned per system.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fria_assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("contents", sa.JSON(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("classification_id", sa.Uuid(), nullable=True),
        sa.Column("facts_hash", sa.String(64), nullable=True),
        sa.Column("needs_update", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_by", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_fria_assessment"),
        sa.UniqueConstraint("system_id", "version", name="uq_fria_assessment_version"),
    )
    op.create_index("ix_fria_assessment_organisation_id", "fria_assessment", ["organisation_id"])
    op.create_index("ix_fria_assessment_system_id", "fria_assessment", ["system_id"])


def downgrade() -> None:
    op.drop_table("fria_assessment")
