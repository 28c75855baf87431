"""Events of the monitoring service.

Inbound on ``aigov.monitoring.observations``: :class:`ObservationBatchV1` (production telemetry,
published by the gateway or any integration). Outbound on ``aigov.monitoring.events``: drift,
performance and bias results, alerts, incidents and their reporting clock, and post-market
monitoring plan records, so the evidence ledger keeps every one of them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aigov.shared.events import EventPayload

ObservedValue = float | int | str | bool | None
Window = Literal["reference", "current"]
Severity = Literal["low", "medium", "high", "critical"]
IncidentStatus = Literal["open", "investigating", "mitigated", "reported", "closed"]
# Art. 3(49) points: (a) death or serious harm to health; (b) serious and irreversible disruption
# of critical infrastructure; (c) infringement of fundamental-rights obligations; (d) serious harm
# to property or the environment.
SeriousCriterion = Literal["a", "b", "c", "d"]


class ObservationRecord(BaseModel):
    """One prediction as it happened in production."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timestamp: datetime | None = None
    features: dict[str, ObservedValue] = Field(default_factory=dict)
    prediction: ObservedValue = None
    score: float | None = None  # the model's score or probability for the positive class
    label: ObservedValue = None  # ground truth, when it is known
    protected: dict[str, str | None] = Field(default_factory=dict)  # attribute -> group


class ObservationBatchV1(EventPayload):
    event_type = "aigov.monitoring.observations.batch"

    system_id: uuid.UUID
    model_version: str = Field(default="default", min_length=1, max_length=100)
    window: Window = "current"
    records: list[ObservationRecord] = Field(min_length=1)


class FeatureDriftSummaryV1(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    feature: str
    kind: Literal["numeric", "categorical"]
    status: Literal["ok", "insufficient_data"]
    method: str | None
    threshold: float | None
    score: float | None
    drifted: bool | None
    psi: float | None = None
    psi_band: str | None = None
    reference_size: int
    current_size: int
    bin_edges: list[float] | None = None
    reason: str | None = None


class DriftEvaluatedV1(EventPayload):
    event_type = "aigov.monitoring.drift.evaluated"

    system_id: uuid.UUID
    run_id: uuid.UUID
    model_version: str
    status: Literal["ok", "insufficient_data"]
    dataset_drift: bool | None
    drifted_share: float | None
    drift_share_threshold: float
    features_evaluated: int
    features_drifted: int
    reference_size: int
    current_size: int
    features: list[FeatureDriftSummaryV1]
    trigger: Literal["api", "automatic"] = "api"


class PerformanceEvaluatedV1(EventPayload):
    event_type = "aigov.monitoring.performance.evaluated"

    system_id: uuid.UUID
    run_id: uuid.UUID
    model_version: str
    status: Literal["ok", "insufficient_data"]
    task: Literal["classification", "regression"]
    sample_size: int
    metrics: dict[str, float | None]
    reference_metrics: dict[str, float | None] = Field(default_factory=dict)
    degradation: dict[str, float] = Field(default_factory=dict)


class BiasEvaluatedV1(EventPayload):
    event_type = "aigov.monitoring.bias.evaluated"

    system_id: uuid.UUID
    run_id: uuid.UUID
    model_version: str
    status: Literal["ok", "insufficient_data"]
    attribute: str
    min_group_size: int
    demographic_parity_difference: float | None
    disparate_impact_ratio: float | None
    four_fifths_rule_passed: bool | None
    equal_opportunity_difference: float | None
    equalised_odds_difference: float | None


class AlertFiredV1(EventPayload):
    event_type = "aigov.monitoring.alert.fired"

    system_id: uuid.UUID
    alert_id: uuid.UUID
    rule: str
    metric: str
    value: float
    threshold: float
    severity: Severity
    run_id: uuid.UUID | None = None
    incident_id: uuid.UUID | None = None


class IncidentOpenedV1(EventPayload):
    event_type = "aigov.monitoring.incident.opened"

    incident_id: uuid.UUID
    system_id: uuid.UUID
    title: str
    severity: Severity
    source: str
    opened_at: datetime


class IncidentUpdatedV1(EventPayload):
    event_type = "aigov.monitoring.incident.updated"

    incident_id: uuid.UUID
    system_id: uuid.UUID
    status: IncidentStatus
    previous_status: IncidentStatus | None = None
    change: str  # "status", "alert_grouped", "details"
    note: str | None = None


class IncidentSeriousV1(EventPayload):
    """Assessed as a serious incident (Art. 3(49)): the Art. 73 reporting clock runs."""

    event_type = "aigov.monitoring.incident.serious"

    incident_id: uuid.UUID
    system_id: uuid.UUID
    criteria: list[SeriousCriterion]
    deadline_case: str
    legal_basis: list[str]
    aware_at: datetime
    deadline_at: datetime


class IncidentDeadlineApproachingV1(EventPayload):
    event_type = "aigov.monitoring.incident.deadline_approaching"

    incident_id: uuid.UUID
    system_id: uuid.UUID
    deadline_case: str
    deadline_at: datetime
    seconds_left: float


class IncidentDeadlineMissedV1(EventPayload):
    event_type = "aigov.monitoring.incident.deadline_missed"

    incident_id: uuid.UUID
    system_id: uuid.UUID
    deadline_case: str
    deadline_at: datetime


class MonitoringPlanRecordedV1(EventPayload):
    """A post-market monitoring plan (Art. 72(3)) was created or changed."""

    event_type = "aigov.monitoring.plan.recorded"

    plan_id: uuid.UUID
    system_id: uuid.UUID
    version: int
    review_cadence_days: int
    responsible: str


class MonitoringPlanReviewedV1(EventPayload):
    event_type = "aigov.monitoring.plan.reviewed"

    plan_id: uuid.UUID
    system_id: uuid.UUID
    reviewed_at: datetime
    reviewer: str
    on_time: bool
