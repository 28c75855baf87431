from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class AISystem(Base):
    """The current state of one AI system; ``record`` holds every fact (see SystemRecord)."""

    __tablename__ = "ai_system"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    intended_purpose: Mapped[str] = mapped_column(Text)
    # The business owner (column kept from revision 0001).
    owner: Mapped[str] = mapped_column(String(200), index=True)
    lifecycle_stage: Mapped[str] = mapped_column(String(40), default="inception")
    status: Mapped[str] = mapped_column(String(20), default="active")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(200), default="")
    updated_by: Mapped[str] = mapped_column(String(200), default="")
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("ix_ai_system_org_created", "organisation_id", "created_at", "id"),)


class SystemAttribute(Base):
    """Multi-valued facts flattened for filtering (role, country, owner, tag, model), portable
    across SQLite and PostgreSQL without JSON operators."""

    __tablename__ = "system_attribute"

    system_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("ai_system.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(400), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(100))

    __table_args__ = (Index("ix_system_attribute_lookup", "organisation_id", "kind", "value"),)


class SystemRevision(Base):
    __tablename__ = "system_revision"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    system_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("ai_system.id", ondelete="CASCADE"), index=True
    )
    organisation_id: Mapped[str] = mapped_column(String(100))
    revision: Mapped[int] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    # [{"field": ..., "before": ..., "after": ...}]
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (Index("uq_system_revision_number", "system_id", "revision", unique=True),)


class SystemClassification(Base):
    """Projection of the latest ``aigov.classifier.system.classified`` per system."""

    __tablename__ = "system_classification"

    system_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(100))
    classification_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    risk_tier: Mapped[str] = mapped_column(String(40), index=True)
    rulebook_version: Mapped[str] = mapped_column(String(100))
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IdempotencyRecord(Base):
    """A POST answered under an ``Idempotency-Key``, replayed on retry (per organisation)."""

    __tablename__ = "idempotency_record"

    organisation_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    route: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer, default=0)
    response_body: Mapped[Any] = mapped_column(JSON, default=dict)
    response_headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
