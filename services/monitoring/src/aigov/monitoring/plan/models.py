from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class MonitoringPlan(Base):
    """A post-market monitoring plan (Art. 72(3)): what is watched, how often it is reviewed."""

    __tablename__ = "monitoring_plan"
    __table_args__ = (UniqueConstraint("organisation_id", "system_id", name="uq_monitoring_plan"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    system_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    version: Mapped[int] = mapped_column(Integer, default=1)
    monitored: Mapped[list[str]] = mapped_column(JSON, default=list)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    data_sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    review_cadence_days: Mapped[int] = mapped_column(Integer)
    max_observation_gap_hours: Mapped[int] = mapped_column(Integer, default=24)
    responsible: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlanReview(Base):
    __tablename__ = "monitoring_plan_review"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    plan_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("monitoring_plan.id", ondelete="CASCADE"), index=True
    )
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewer: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(40))  # satisfactory | actions_required
    notes: Mapped[str] = mapped_column(Text, default="")
    on_time: Mapped[bool] = mapped_column(default=True)
