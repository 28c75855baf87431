from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class MonitoredSystem(Base):
    """A system monitoring knows of; its risk tier sets how strict the default alert rules are."""

    __tablename__ = "monitored_system"

    system_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(200))
    risk_tier: Mapped[str | None] = mapped_column(String(40))
    monitoring_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
