from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class Classification(Base):
    """One stored, explained classification of a system; versions grow per system."""

    __tablename__ = "classification"
    __table_args__ = (UniqueConstraint("system_id", "version", name="uq_classification_version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    system_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    version: Mapped[int] = mapped_column(Integer)
    risk_tier: Mapped[str] = mapped_column(String(40))
    needs_review: Mapped[bool] = mapped_column(Boolean)
    as_of: Mapped[date] = mapped_column(Date)
    rulebook_version: Mapped[str] = mapped_column(String(60))
    rulebook_hash: Mapped[str] = mapped_column(String(64), index=True)
    facts_hash: Mapped[str] = mapped_column(String(64))
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The result without its reasoning trace, which is most of its bytes and kept apart so that
    # bulk reads picking fields out of ``result`` stay cheap; see ``full_result``.
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    trace: Mapped[list[Any]] = mapped_column(JSON, default=list)
    trigger: Mapped[str] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def full_result(self) -> dict[str, Any]:
        # A row written by a pre-0004 pod during a rolling upgrade still has its trace inside
        # ``result`` (and the column's default, ``[]``).
        rest = dict(self.result)
        inline = rest.pop("trace", [])
        return {**rest, "trace": self.trace or inline}

    @staticmethod
    def split_result(result: dict[str, Any]) -> dict[str, Any]:
        """``result`` and ``trace`` column values of a dumped classification result."""
        rest = dict(result)
        return {"result": rest, "trace": rest.pop("trace", [])}


class RulebookState(Base):
    """The rulebook the service last reclassified against (one row)."""

    __tablename__ = "rulebook_state"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[str] = mapped_column(String(60))
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
