from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from aigov.monitoring.incident.service import effective_rules
from aigov.monitoring.observation.service import get_system
from aigov.monitoring.system import service
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/monitoring", tags=["monitoring"], responses=PROBLEM_RESPONSES)


class MonitoredSystemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    system_id: uuid.UUID
    name: str
    risk_tier: str | None
    roles: list[str]
    retired: bool
    monitoring_since: datetime
    last_observation_at: datetime | None
    last_drifted_share: float | None
    last_dataset_drift: bool | None


class AlertRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Field(min_length=1, max_length=100)
    metric: Literal[
        "drifted_share",
        "max_psi",
        "performance_degradation",
        "disparate_impact_ratio",
        "demographic_parity_difference",
    ]
    comparison: Literal[">=", "<="]
    threshold: float
    severity: Literal["low", "medium", "high", "critical"]


class AlertRules(BaseModel):
    source: Literal["default", "custom"]
    risk_tier: str | None
    rules: list[AlertRule]


class AlertRulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # None restores the defaults of the system's risk tier.
    rules: list[AlertRule] | None = Field(default=None, max_length=50)


@router.get("/systems", response_model=list[MonitoredSystemRead])
async def list_monitored_systems(
    session: SessionDep, caller: Annotated[CallerContext, requires("monitoring:read")]
) -> object:
    """The systems under monitoring, learnt from the inventory's and classifier's events."""
    return await service.list_monitored_systems(session, organisation_id=caller.organisation_id)


@router.get("/systems/{system_id}", response_model=MonitoredSystemRead)
async def get_monitored_system(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
) -> object:
    return await get_system(session, organisation_id=caller.organisation_id, system_id=system_id)


@router.get("/systems/{system_id}/alert-rules", response_model=AlertRules)
async def get_alert_rules(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
) -> AlertRules:
    """The rules in force: custom ones, or the defaults of the risk tier (stricter if high-risk)."""
    system = await get_system(session, organisation_id=caller.organisation_id, system_id=system_id)
    return AlertRules(
        source="custom" if system.alert_rules is not None else "default",
        risk_tier=system.risk_tier,
        rules=[AlertRule.model_validate(r) for r in effective_rules(system)],
    )


@router.put("/systems/{system_id}/alert-rules", response_model=AlertRules)
async def put_alert_rules(
    system_id: uuid.UUID,
    body: AlertRulesIn,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> AlertRules:
    system = await get_system(session, organisation_id=caller.organisation_id, system_id=system_id)
    rules = None if body.rules is None else [r.model_dump() for r in body.rules]
    await service.set_alert_rules(session, system=system, rules=rules)
    return AlertRules(
        source="custom" if rules is not None else "default",
        risk_tier=system.risk_tier,
        rules=[AlertRule.model_validate(r) for r in effective_rules(system)],
    )
