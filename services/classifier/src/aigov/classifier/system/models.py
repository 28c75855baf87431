from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class SystemFacts(Base):
    """The classifier's own copy of what the inventory knows about a system (its input)."""

    __tablename__ = "system_facts"

    system_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    intended_purpose: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The full SystemFactsV1 snapshot of the latest inventory revision.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
