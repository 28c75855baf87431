"""A system's ledger entries in ledger order from one index, ``(subject, seq)``: with only
``subject`` and ``organisation_id`` indexed, SQLite walked the organisation's index over every
entry and sorted (40 ms at 20,000 entries; 3 ms with this index).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ledger_entry_subject_seq", "ledger_entry", ["subject", "seq"])
    op.drop_index("ix_ledger_entry_subject", table_name="ledger_entry")


def downgrade() -> None:
    op.create_index("ix_ledger_entry_subject", "ledger_entry", ["subject"])
    op.drop_index("ix_ledger_entry_subject_seq", table_name="ledger_entry")
