"""Observations, evaluation runs, alerts, incidents with their timeline, monitoring plans.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:11:39.209032
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(length=100), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("rule", sa.String(length=100), nullable=False),
        sa.Column("metric", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_alert_system_id"), ["system_id"], unique=False)

    op.create_table(
        "evaluation_run",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(length=100), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("trigger", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference_size", sa.Integer(), nullable=False),
        sa.Column("current_size", sa.Integer(), nullable=False),
        sa.Column("windows", sa.JSON(), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation_run")),
    )
    with op.batch_alter_table("evaluation_run", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_evaluation_run_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_evaluation_run_system", ["system_id", "kind", "created_at"], unique=False
        )

    op.create_table(
        "incident",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(length=100), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("dedupe_key", sa.String(length=300), nullable=True),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("member_states", sa.JSON(), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=True),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("death_involved", sa.Boolean(), nullable=False),
        sa.Column("widespread_infringement", sa.Boolean(), nullable=False),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reporting_time_zone", sa.String(length=60), nullable=False),
        sa.Column("deadline_case", sa.String(length=60), nullable=True),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("period_end_local", sa.String(length=40), nullable=True),
        sa.Column("approaching_notified", sa.Boolean(), nullable=False),
        sa.Column("missed_notified", sa.Boolean(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("causal_link", sa.Text(), nullable=True),
        sa.Column("corrective_action", sa.Text(), nullable=True),
        sa.Column("provider_contact", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_deadline_at"), ["deadline_at"], unique=False)
        batch_op.create_index(
            "ix_incident_dedupe", ["organisation_id", "dedupe_key", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_incident_system_id"), ["system_id"], unique=False)

    op.create_table(
        "monitoring_plan",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(length=100), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("monitored", sa.JSON(), nullable=False),
        sa.Column("thresholds", sa.JSON(), nullable=False),
        sa.Column("data_sources", sa.JSON(), nullable=False),
        sa.Column("review_cadence_days", sa.Integer(), nullable=False),
        sa.Column("max_observation_gap_hours", sa.Integer(), nullable=False),
        sa.Column("responsible", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_plan")),
        sa.UniqueConstraint("organisation_id", "system_id", name="uq_monitoring_plan"),
    )
    with op.batch_alter_table("monitoring_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_plan_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "observation_chunk",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("organisation_id", sa.String(length=100), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("model_version", sa.String(length=100), nullable=False),
        sa.Column("window", sa.String(length=20), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_observation_chunk")),
    )
    with op.batch_alter_table("observation_chunk", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_observation_chunk_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_observation_chunk_window",
            ["system_id", "model_version", "window", "seq"],
            unique=False,
        )

    op.create_table(
        "incident_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_event_incident_id_incident"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_event")),
    )
    with op.batch_alter_table("incident_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_event_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "monitoring_plan_review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("plan_id", sa.Uuid(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("on_time", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["monitoring_plan.id"],
            name=op.f("fk_monitoring_plan_review_plan_id_monitoring_plan"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_plan_review")),
    )
    with op.batch_alter_table("monitoring_plan_review", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitoring_plan_review_plan_id"), ["plan_id"], unique=False
        )

    with op.batch_alter_table("monitored_system", schema=None) as batch_op:
        batch_op.add_column(sa.Column("roles", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("business_owner", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("intended_purpose", sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column("countries", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(
            sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("last_observation_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("rows_since_drift", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("last_drifted_share", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("last_dataset_drift", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("alert_rules", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("monitored_system", schema=None) as batch_op:
        batch_op.drop_column("alert_rules")
        batch_op.drop_column("last_dataset_drift")
        batch_op.drop_column("last_drifted_share")
        batch_op.drop_column("rows_since_drift")
        batch_op.drop_column("last_observation_at")
        batch_op.drop_column("retired")
        batch_op.drop_column("countries")
        batch_op.drop_column("intended_purpose")
        batch_op.drop_column("business_owner")
        batch_op.drop_column("roles")

    with op.batch_alter_table("monitoring_plan_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_plan_review_plan_id"))

    op.drop_table("monitoring_plan_review")
    with op.batch_alter_table("incident_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_event_incident_id"))

    op.drop_table("incident_event")
    with op.batch_alter_table("observation_chunk", schema=None) as batch_op:
        batch_op.drop_index("ix_observation_chunk_window")
        batch_op.drop_index(batch_op.f("ix_observation_chunk_organisation_id"))

    op.drop_table("observation_chunk")
    with op.batch_alter_table("monitoring_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitoring_plan_organisation_id"))

    op.drop_table("monitoring_plan")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_system_id"))
        batch_op.drop_index(batch_op.f("ix_incident_organisation_id"))
        batch_op.drop_index("ix_incident_dedupe")
        batch_op.drop_index(batch_op.f("ix_incident_deadline_at"))

    op.drop_table("incident")
    with op.batch_alter_table("evaluation_run", schema=None) as batch_op:
        batch_op.drop_index("ix_evaluation_run_system")
        batch_op.drop_index(batch_op.f("ix_evaluation_run_organisation_id"))

    op.drop_table("evaluation_run")
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_system_id"))
        batch_op.drop_index(batch_op.f("ix_alert_organisation_id"))

    op.drop_table("alert")
