"""The full register: facts record, revisions, filter attributes, classification projection,
idempotency keys, registry ingest (secrets, raw deliveries, discovered models).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("ai_system") as batch:
        batch.add_column(
            sa.Column("lifecycle_stage", sa.String(40), nullable=False, server_default="inception")
        )
        batch.add_column(
            sa.Column("status", sa.String(20), nullable=False, server_default="active")
        )
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(
            sa.Column("record", sa.JSON(), nullable=False, server_default=sa.text("'{}'"))
        )
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("created_by", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("updated_by", sa.String(200), nullable=False, server_default=""))
        batch.add_column(sa.Column("retired_at", TZ, nullable=True))
        batch.add_column(sa.Column("retired_reason", sa.Text(), nullable=True))
    op.create_index(
        "ix_ai_system_org_created", "ai_system", ["organisation_id", "created_at", "id"]
    )

    op.create_table(
        "system_attribute",
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("value", sa.String(400), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["ai_system.id"],
            name="fk_system_attribute_system_id_ai_system",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("system_id", "kind", "value", name="pk_system_attribute"),
    )
    op.create_index(
        "ix_system_attribute_lookup", "system_attribute", ["organisation_id", "kind", "value"]
    )

    op.create_table(
        "system_revision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["system_id"],
            ["ai_system.id"],
            name="fk_system_revision_system_id_ai_system",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_system_revision"),
    )
    op.create_index("ix_system_revision_system_id", "system_revision", ["system_id"])
    op.create_index(
        "uq_system_revision_number", "system_revision", ["system_id", "revision"], unique=True
    )

    op.create_table(
        "system_classification",
        sa.Column("system_id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("classification_id", sa.Uuid(), nullable=False),
        sa.Column("risk_tier", sa.String(40), nullable=False),
        sa.Column("rulebook_version", sa.String(100), nullable=False),
        sa.Column("classified_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("system_id", name="pk_system_classification"),
    )
    op.create_index("ix_system_classification_risk_tier", "system_classification", ["risk_tier"])

    op.create_table(
        "idempotency_record",
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("route", sa.String(200), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.JSON(), nullable=False),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "key", name="pk_idempotency_record"),
    )

    op.create_table(
        "webhook_secret",
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("secret", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("organisation_id", "provider", name="pk_webhook_secret"),
    )

    op.create_table(
        "ingest_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("provider", sa.String(40), nullable=False),
        sa.Column("delivery_id", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("raw_body", sa.Text(), nullable=False),
        sa.Column("headers", sa.JSON(), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ingest_delivery"),
    )
    op.create_index(
        "uq_ingest_delivery_once",
        "ingest_delivery",
        ["organisation_id", "provider", "delivery_id"],
        unique=True,
    )

    op.create_table(
        "discovered_model",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("registry", sa.String(40), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("last_action", sa.String(40), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("assigned_system_id", sa.Uuid(), nullable=True),
        sa.Column("first_seen_at", TZ, nullable=False),
        sa.Column("last_seen_at", TZ, nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_discovered_model"),
    )
    op.create_index(
        "uq_discovered_model_name",
        "discovered_model",
        ["organisation_id", "registry", "name"],
        unique=True,
    )
    _backfill()


def _record(name: str, purpose: str, owner: str) -> dict[str, Any]:
    # The SystemRecord defaults as of this revision (a migration must not import app code).
    return {
        "name": name,
        "description": "",
        "intended_purpose": purpose,
        "roles": [],
        "lifecycle_stage": "inception",
        "business_owner": owner,
        "technical_owner": None,
        "countries": [],
        "affects_natural_persons": False,
        "affects_employees": False,
        "affects_public": False,
        "affects_vulnerable_groups": False,
        "processes_personal_data": False,
        "processes_special_category_data": False,
        "processes_biometric_data": False,
        "human_oversight": "human_in_the_loop",
        "autonomy": "assistive",
        "safety_component_of_product": False,
        "models": [],
        "gpai_models": [],
        "suppliers": [],
        "deployments": [],
        "tags": [],
        "external_ids": {},
        "extra_facts": {},
    }


def _backfill() -> None:
    """Systems registered under revision 0001 get a full record, a filter row and revision 1."""
    systems = sa.table(
        "ai_system",
        sa.column("id", sa.Uuid()),
        sa.column("organisation_id", sa.String()),
        sa.column("name", sa.String()),
        sa.column("intended_purpose", sa.Text()),
        sa.column("owner", sa.String()),
        sa.column("record", sa.JSON()),
        sa.column("search_text", sa.Text()),
        sa.column("created_at", TZ),
    )
    attributes = sa.table(
        "system_attribute",
        sa.column("system_id", sa.Uuid()),
        sa.column("kind", sa.String()),
        sa.column("value", sa.String()),
        sa.column("organisation_id", sa.String()),
    )
    revisions = sa.table(
        "system_revision",
        sa.column("id", sa.Uuid()),
        sa.column("system_id", sa.Uuid()),
        sa.column("organisation_id", sa.String()),
        sa.column("revision", sa.Integer()),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("changes", sa.JSON()),
        sa.column("snapshot", sa.JSON()),
        sa.column("created_at", TZ),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            systems.c.id,
            systems.c.organisation_id,
            systems.c.name,
            systems.c.intended_purpose,
            systems.c.owner,
            systems.c.created_at,
        )
    ).all()
    for row in rows:
        record = _record(row.name, row.intended_purpose, row.owner)
        bind.execute(
            systems.update()
            .where(systems.c.id == row.id)
            .values(
                record=record,
                search_text=" ".join([row.name, row.intended_purpose, row.owner]).lower(),
            )
        )
        bind.execute(
            attributes.insert().values(
                system_id=row.id, kind="owner", value=row.owner, organisation_id=row.organisation_id
            )
        )
        bind.execute(
            revisions.insert().values(
                id=uuid.uuid4(),
                system_id=row.id,
                organisation_id=row.organisation_id,
                revision=1,
                actor="migration",
                action="registered",
                changes=[],
                snapshot=record,
                created_at=row.created_at or datetime.now(UTC),
            )
        )


def downgrade() -> None:
    for table in (
        "discovered_model",
        "ingest_delivery",
        "webhook_secret",
        "idempotency_record",
        "system_classification",
        "system_revision",
        "system_attribute",
    ):
        op.drop_table(table)
    op.drop_index("ix_ai_system_org_created", table_name="ai_system")
    with op.batch_alter_table("ai_system") as batch:
        for column in (
            "retired_reason",
            "retired_at",
            "updated_by",
            "created_by",
            "search_text",
            "record",
            "revision",
            "status",
            "lifecycle_stage",
        ):
            batch.drop_column(column)
