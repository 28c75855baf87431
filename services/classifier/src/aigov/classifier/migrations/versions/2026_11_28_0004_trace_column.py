"""The reasoning trace gets its own column: it is most of a result's bytes (20 of 24-41 KB) and
only a single system's read returns it, while bulk reads pick fields out of ``result`` (the
database parses the whole JSON document for each field it picks).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("classification") as batch:
        batch.add_column(
            sa.Column("trace", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE classification SET trace = COALESCE(result -> 'trace', '[]'::json), "
            "result = (result::jsonb - 'trace')::json"
        )
    else:
        op.execute(
            "UPDATE classification SET trace = COALESCE(json_extract(result, '$.trace'), '[]'), "
            "result = json_remove(result, '$.trace')"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "UPDATE classification SET result = (result::jsonb || "
            "jsonb_build_object('trace', trace::jsonb))::json"
        )
    else:
        op.execute("UPDATE classification SET result = json_set(result, '$.trace', json(trace))")
    with op.batch_alter_table("classification") as batch:
        batch.drop_column("trace")
