from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class ControlRecord(Base):
    """The organisation's record for one ISO/IEC 42001 clause requirement or Annex A control."""

    __tablename__ = "control_record"
    __table_args__ = (UniqueConstraint("organisation_id", "control_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    control_id: Mapped[str] = mapped_column(String(20))
    applicable: Mapped[bool] = mapped_column(default=True)
    justification: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(30), default="not_started")
    owner: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(String(4000))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))
