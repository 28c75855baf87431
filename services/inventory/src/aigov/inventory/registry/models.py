from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class WebhookSecret(Base):
    """The shared secret a registry signs (MLflow) or presents (the others) its deliveries with."""

    __tablename__ = "webhook_secret"

    organisation_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    provider: Mapped[str] = mapped_column(String(40), primary_key=True)
    secret: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IngestDelivery(Base):
    """An authenticated delivery, kept raw: accepted (normalised and published) or rejected."""

    __tablename__ = "ingest_delivery"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100))
    provider: Mapped[str] = mapped_column(String(40))
    delivery_id: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))  # accepted | rejected
    error: Mapped[str | None] = mapped_column(Text)
    raw_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("uq_ingest_delivery_once", "organisation_id", "provider", "delivery_id", unique=True),
    )


class DiscoveredModel(Base):
    """A registry model that matches no system: awaiting triage, never dropped."""

    __tablename__ = "discovered_model"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100))
    # "registry" is taken on declarative classes; the column keeps the plain name.
    registry_name: Mapped[str] = mapped_column("registry", String(40))
    name: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="awaiting_triage")
    versions: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    tags: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    last_action: Mapped[str] = mapped_column(String(40))
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    assigned_system_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("uq_discovered_model_name", "organisation_id", "registry", "name", unique=True),
    )
