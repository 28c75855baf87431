from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Confidentiality = Literal["public", "internal", "confidential", "restricted"]


class EvidenceMeta(BaseModel):
    """Metadata of an upload, sent as query parameters beside the raw body (which streams)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=4000)
    system_id: uuid.UUID | None = None
    provisions: list[str] = Field(default_factory=list, max_length=100)
    iso_refs: list[str] = Field(default_factory=list, max_length=100)
    author: str | None = Field(default=None, max_length=200)
    confidentiality: Confidentiality = "internal"
    valid_from: date | None = None
    valid_until: date | None = None
    next_review: date | None = None
    placed_on_market: date | None = None
    retention_until: date | None = None
    filename: str | None = Field(default=None, max_length=300)


class EvidenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lineage_id: uuid.UUID
    version: int
    supersedes_id: uuid.UUID | None
    status: str
    kind: str
    title: str
    description: str | None
    system_id: uuid.UUID | None
    provisions: list[str]
    iso_refs: list[str]
    author: str | None
    confidentiality: str
    valid_from: date | None
    valid_until: date | None
    next_review: date | None
    placed_on_market: date | None
    retention_until: date | None
    retention_basis: str | None
    sha256: str
    size: int
    media_type: str
    filename: str | None
    created_at: datetime
    created_by: str
    superseded_at: datetime | None
    tombstoned_at: datetime | None
    ledger_seq: int | None


class ScrubReport(BaseModel):
    checked: int
    corrupt: list[str]
    missing: list[str]
    healed: list[str]
