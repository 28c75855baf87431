from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class EvidenceItem(Base):
    """One version of a piece of evidence. Versions are never overwritten: a new version is a new
    row in the same lineage, and the previous one is marked superseded."""

    __tablename__ = "evidence_item"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    lineage_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    version: Mapped[int] = mapped_column(default=1)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    status: Mapped[str] = mapped_column(String(20), default="current")
    kind: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(String(4000))
    system_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    provisions: Mapped[list[str]] = mapped_column(JSON, default=list)
    iso_refs: Mapped[list[str]] = mapped_column(JSON, default=list)
    author: Mapped[str | None] = mapped_column(String(200))
    confidentiality: Mapped[str] = mapped_column(String(30), default="internal")
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    next_review: Mapped[date | None] = mapped_column(Date)
    placed_on_market: Mapped[date | None] = mapped_column(Date)
    retention_until: Mapped[date | None] = mapped_column(Date)
    retention_basis: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tombstoned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ledger_seq: Mapped[int | None] = mapped_column(BigInteger)


class Blob(Base):
    """A stored content (by SHA-256), shared by every item holding the same bytes."""

    __tablename__ = "evidence_blob"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="ok")  # ok, corrupt, missing, deleted
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
