"""Classifications, questionnaire sessions and answers, rulebook state; full fact snapshots.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("system_facts") as batch:
        batch.add_column(sa.Column("snapshot", sa.JSON(), nullable=False, server_default="{}"))
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "classification",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("risk_tier", sa.String(40), nullable=False),
        sa.Column("needs_review", sa.Boolean(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("rulebook_version", sa.String(60), nullable=False),
        sa.Column("rulebook_hash", sa.String(64), nullable=False),
        sa.Column("facts_hash", sa.String(64), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("trigger", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_classification"),
        sa.UniqueConstraint("system_id", "version", name="uq_classification_version"),
    )
    op.create_index("ix_classification_organisation_id", "classification", ["organisation_id"])
    op.create_index("ix_classification_system_id", "classification", ["system_id"])
    op.create_index("ix_classification_rulebook_hash", "classification", ["rulebook_hash"])
    op.create_table(
        "rulebook_state",
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("version", sa.String(60), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rulebook_state"),
    )
    op.create_table(
        "questionnaire_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("classification_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_questionnaire_session"),
    )
    op.create_index(
        "ix_questionnaire_session_organisation_id", "questionnaire_session", ["organisation_id"]
    )
    op.create_index("ix_questionnaire_session_system_id", "questionnaire_session", ["system_id"])
    op.create_table(
        "questionnaire_answer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.String(120), nullable=False),
        sa.Column("fact", sa.String(120), nullable=False),
        sa.Column("value", sa.JSON(), nullable=True),
        sa.Column("answered_by", sa.String(200), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["questionnaire_session.id"],
            name="fk_questionnaire_answer_session_id_questionnaire_session",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_questionnaire_answer"),
    )
    op.create_index("ix_questionnaire_answer_session_id", "questionnaire_answer", ["session_id"])
    op.create_index(
        "ix_questionnaire_answer_organisation_id", "questionnaire_answer", ["organisation_id"]
    )
    op.create_index("ix_questionnaire_answer_system_id", "questionnaire_answer", ["system_id"])


def downgrade() -> None:
    op.drop_table("questionnaire_answer")
    op.drop_table("questionnaire_session")
    op.drop_table("rulebook_state")
    op.drop_table("classification")
    with op.batch_alter_table("system_facts") as batch:
        batch.drop_column("retired")
        batch.drop_column("revision")
        batch.drop_column("snapshot")
