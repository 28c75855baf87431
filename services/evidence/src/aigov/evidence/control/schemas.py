from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ImplementationStatus = Literal["not_started", "planned", "in_progress", "implemented"]


class ControlRecordWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    applicable: bool = True
    justification: str | None = Field(default=None, max_length=2000)
    status: ImplementationStatus = "not_started"
    owner: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=4000)


class LinkedEvidence(BaseModel):
    id: str
    title: str
    kind: str
    version: int
    sha256: str
    ledger_seq: int | None


class ControlView(BaseModel):
    id: str
    kind: Literal["clause", "annex_a"]
    title: str
    group: str | None
    group_title: str | None
    applicable: bool
    justification: str | None
    status: str
    owner: str | None
    notes: str | None
    updated_at: datetime | None
    evidence: list[LinkedEvidence]
    covered: bool


class SoASummary(BaseModel):
    controls: int
    applicable: int
    not_applicable: int
    implemented: int
    with_evidence: int
    undecided: int  # no record yet: applicable by default, justification pending


class StatementOfApplicability(BaseModel):
    organisation_id: str
    generated_at: datetime
    standard: str
    rulebook: str
    summary: SoASummary
    controls: list[ControlView]
