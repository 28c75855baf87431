from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aigov.classifier.rulebook.conditions import FactValue
from aigov.classifier.rulebook.engine import ClassificationResult


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facts: dict[str, FactValue] = Field(
        default_factory=dict,
        description="Fact overrides (rulebook fact ids), on top of stored facts",
    )
    as_of: date | None = Field(None, description="Date for obligation applicability; default today")
    save: bool = Field(True, description="false: what-if evaluation, nothing stored or emitted")


class ClassificationOut(BaseModel):
    id: uuid.UUID | None
    system_id: uuid.UUID
    version: int | None
    trigger: str
    created_by: str | None
    created_at: datetime | None
    facts: dict[str, Any]
    result: ClassificationResult


class ClassificationSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    version: int
    risk_tier: str
    needs_review: bool
    as_of: date
    rulebook_version: str
    rulebook_hash: str
    trigger: str
    created_by: str
    created_at: datetime


class ReclassifyOut(BaseModel):
    reclassified: int
    rulebook_version: str
    rulebook_hash: str


class LatestClassification(BaseModel):
    """A system's latest classification without its facts and reasoning trace."""

    system_id: uuid.UUID
    version: int
    risk_tier: str
    result: dict[str, Any]


class LatestPage(BaseModel):
    items: list[LatestClassification]
