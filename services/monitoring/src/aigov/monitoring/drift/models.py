from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class EvaluationRun(Base):
    """One drift, performance or bias evaluation, with everything needed to reproduce it."""

    __tablename__ = "evaluation_run"
    __table_args__ = (Index("ix_evaluation_run_system", "system_id", "kind", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    system_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    model_version: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # drift | performance | bias
    trigger: Mapped[str] = mapped_column(String(20), default="api")
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reference_size: Mapped[int] = mapped_column(Integer)
    current_size: Mapped[int] = mapped_column(Integer)
    # The windows compared: chunk ranges and time bounds.
    windows: Mapped[dict[str, Any]] = mapped_column(JSON)
    options: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Per feature (drift), per metric (performance) or per group (bias).
    details: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
