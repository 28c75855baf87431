from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, String, Uuid
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
    # The organisation's roles for the system (provider, deployer...): Art. 73 vs Art. 26(5).
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    business_owner: Mapped[str | None] = mapped_column(String(200))
    intended_purpose: Mapped[str | None] = mapped_column(String(2000))
    countries: Mapped[list[str]] = mapped_column(JSON, default=list)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    last_observation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Rows in the current window since the last automatic drift run.
    rows_since_drift: Mapped[int] = mapped_column(default=0)
    last_drifted_share: Mapped[float | None] = mapped_column(Float)
    last_dataset_drift: Mapped[bool | None] = mapped_column(Boolean)
    # Custom alert rules; None means the defaults of the risk tier (data/alert_rules.json).
    alert_rules: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
