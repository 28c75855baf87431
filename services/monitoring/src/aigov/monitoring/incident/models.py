from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class Alert(Base):
    __tablename__ = "alert"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    system_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    rule: Mapped[str] = mapped_column(String(100))
    metric: Mapped[str] = mapped_column(String(100))
    value: Mapped[float] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    severity: Mapped[str] = mapped_column(String(20))
    run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    incident_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_dedupe", "organisation_id", "dedupe_key", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    system_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(40))  # alert | manual | complaint | user_report
    severity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="open")
    # Alerts of the same system and rule group into one open incident.
    dedupe_key: Mapped[str | None] = mapped_column(String(300))
    alert_count: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    member_states: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Serious-incident assessment (Art. 3(49)) and the Art. 73 clock.
    serious: Mapped[bool | None] = mapped_column(Boolean)
    criteria: Mapped[list[str]] = mapped_column(JSON, default=list)
    death_involved: Mapped[bool] = mapped_column(Boolean, default=False)
    widespread_infringement: Mapped[bool] = mapped_column(Boolean, default=False)
    aware_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reporting_time_zone: Mapped[str] = mapped_column(String(60), default="UTC")
    deadline_case: Mapped[str | None] = mapped_column(String(60))
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    period_end_local: Mapped[str | None] = mapped_column(String(40))
    approaching_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    missed_notified: Mapped[bool] = mapped_column(Boolean, default=False)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    causal_link: Mapped[str | None] = mapped_column(Text)
    corrective_action: Mapped[str | None] = mapped_column(Text)
    provider_contact: Mapped[str | None] = mapped_column(String(300))


class IncidentEvent(Base):
    """The incident's timeline: every change, in order."""

    __tablename__ = "incident_event"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    incident_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("incident.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
