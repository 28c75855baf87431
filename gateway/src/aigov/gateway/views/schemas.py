"""Response models of the aggregated views (the contract the console is built against)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel

ObligationStatus = Literal[
    "evidence_current", "evidence_missing", "review_overdue", "not_yet_applicable"
]


class ClassificationPart(BaseModel):
    risk_tier: str | None
    legal_basis: list[str]
    needs_review: bool
    missing_facts: list[str]
    version: int | None
    rulebook_version: str | None
    transparency: list[dict[str, Any]]
    high_risk: dict[str, Any]


class EvidenceRef(BaseModel):
    id: str
    title: str | None
    kind: str | None
    next_review: date | None = None


class ObligationView(BaseModel):
    id: str | None
    article: str | None
    title: str | None
    roles: list[str]
    applies_from: date | None
    applicable: bool
    status: ObligationStatus
    evidence: list[EvidenceRef]
    iso_coverage: str | None
    iso_not_covered: str | None


class IncidentView(BaseModel):
    id: str
    title: str | None
    severity: str | None
    status: str | None
    serious: bool
    deadline: datetime | None = None
    seconds_left: float | None = None


class DriftView(BaseModel):
    status: Literal["ok", "drifted", "no_data"]
    share_drifted: float | None = None
    last_run_at: datetime | None = None


class DateView(BaseModel):
    date: date
    what: str
    ref: str


class ComplianceView(BaseModel):
    system: dict[str, Any]
    classification: ClassificationPart | None
    obligations: list[ObligationView]
    incidents: list[IncidentView]
    drift: DriftView | None
    next_dates: list[DateView]
    missing_parts: list[str]


class Criterion(BaseModel):
    name: str
    met: bool
    value: Any = None
    target: Any = None
    ref: str | None = None


class RoadmapStep(BaseModel):
    id: str
    title: str
    progress: float
    criteria: list[Criterion]
    remaining: list[str]


class Roadmap(BaseModel):
    steps: list[RoadmapStep]
    missing_parts: list[str]


class NotCovered(BaseModel):
    obligation_id: str | None
    article: str | None
    title: str | None
    why: str


class SystemGaps(BaseModel):
    system_id: str
    name: str | None
    risk_tier: str | None
    obligations: int
    iso_full: int
    iso_partial: int
    iso_none: int
    not_covered: list[NotCovered]


class GapTotals(BaseModel):
    obligations: int
    iso_full: int
    iso_partial: int
    iso_none: int


class Gaps(BaseModel):
    systems: list[SystemGaps]
    totals: GapTotals
    missing_parts: list[str]


class Finding(BaseModel):
    system_id: str
    name: str | None
    finding: str
    article: str
    max_fine_eur: float


class Exposure(BaseModel):
    turnover_eur: float
    size: Literal["large", "sme"]
    findings: list[Finding]
    max_exposure_eur: float
    basis: str
    missing_parts: list[str]
