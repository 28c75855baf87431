from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class FriaAssessment(Base):
    """One version of a system's fundamental rights impact assessment (Art. 27)."""

    __tablename__ = "fria_assessment"
    __table_args__ = (UniqueConstraint("system_id", "version", name="uq_fria_assessment_version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    system_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))  # draft | completed
    contents: Mapped[dict[str, Any]] = mapped_column(JSON)
    required: Mapped[bool] = mapped_column(Boolean)
    classification_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    facts_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    needs_update: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    notified_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
