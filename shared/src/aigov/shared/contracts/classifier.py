"""Events the classifier publishes on ``aigov.classifier.events``."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from aigov.shared.events import EventPayload

# The outcome at the top of the stack; transparency duties and GPAI status stack on top of it.
RiskTier = Literal["out_of_scope", "prohibited", "high_risk", "limited_risk", "minimal_risk"]


class SystemClassifiedV1(EventPayload):
    event_type = "aigov.classifier.system.classified"

    system_id: uuid.UUID
    classification_id: uuid.UUID
    risk_tier: RiskTier
    high_risk_route: Literal["annex_i", "annex_iii"] | None = None
    transparency_duties: list[str] = []  # Art. 50 duty ids that apply, e.g. "art50_1"
    gpai: bool = False
    systemic_risk: bool = False
    legal_basis: list[str] = []  # e.g. "Art. 6(2)", "Annex III point 4(a)"
    obligation_ids: list[str] = []
    rulebook_version: str
    # Optional additions (backward compatible): the classification's version for the system, the
    # rulebook content hash, the date it was evaluated for, whether facts are missing (and which),
    # the Art. 5 points, the Annex III points, the effective roles after Art. 25 and the trigger.
    version: int | None = None
    rulebook_hash: str | None = None
    as_of: date | None = None
    needs_review: bool = False
    missing_facts: list[str] = []
    prohibitions: list[str] = []
    annex_iii_points: list[str] = []
    annex_i_section: Literal["A", "B"] | None = None
    effective_roles: list[str] = []
    trigger: str | None = None


class FundamentalRightsImpactAssessedV1(EventPayload):
    """A completed (or notified) Art. 27 assessment; the evidence service records it."""

    event_type = "aigov.classifier.fria.completed"

    system_id: uuid.UUID
    assessment_id: uuid.UUID
    version: int
    required: bool
    status: Literal["completed", "notified"]
    contents: dict[str, str]
    references: list[str] = []  # Art. 27(1)(a)-(f) items covered
    iso_controls: list[str] = []  # ISO/IEC 42001 impact-assessment elements it also serves
