from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from aigov.monitoring.observation.service import get_system
from aigov.monitoring.plan import service
from aigov.shared.db import utcnow
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(
    prefix="/v1/monitoring", tags=["post-market monitoring"], responses=PROBLEM_RESPONSES
)


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    monitored: list[str] = Field(min_length=1, max_length=100)
    thresholds: dict[str, float] = Field(default_factory=dict)
    data_sources: list[str] = Field(default_factory=list, max_length=50)
    review_cadence_days: int = Field(ge=1, le=730)
    max_observation_gap_hours: int = Field(default=24, ge=1, le=24 * 365)
    responsible: str = Field(min_length=1, max_length=200)
    notes: str = Field(default="", max_length=20000)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviewer: str = Field(min_length=1, max_length=200)
    outcome: Literal["satisfactory", "actions_required"]
    notes: str = Field(default="", max_length=20000)
    reviewed_at: AwareDatetime | None = None


class PlanRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    system_id: uuid.UUID
    version: int
    monitored: list[str]
    thresholds: dict[str, Any]
    data_sources: list[str]
    review_cadence_days: int
    max_observation_gap_hours: int
    responsible: str
    notes: str
    created_at: datetime
    updated_at: datetime
    execution: dict[str, Any] | None = None


class ReviewRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    reviewed_at: datetime
    reviewer: str
    outcome: str
    notes: str
    on_time: bool


@router.put("/systems/{system_id}/monitoring-plan", response_model=PlanRead)
async def put_plan(
    system_id: uuid.UUID,
    body: PlanIn,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> PlanRead:
    """Create or replace the system's post-market monitoring plan (Art. 72(3))."""
    plan = await service.upsert_plan(
        session, organisation_id=caller.organisation_id, system_id=system_id, **body.model_dump()
    )
    return await _read(session, caller, plan)


async def _read(session: SessionDep, caller: CallerContext, plan: Any) -> PlanRead:
    system = await get_system(
        session, organisation_id=caller.organisation_id, system_id=plan.system_id
    )
    out = PlanRead.model_validate(plan)
    out.execution = await service.execution(session, system=system, plan=plan, now=utcnow())
    return out


@router.get("/systems/{system_id}/monitoring-plan", response_model=PlanRead)
async def get_plan(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
) -> PlanRead:
    """The plan and whether it is executed: observations arriving, reviews on time."""
    plan = await service.get_plan(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )
    return await _read(session, caller, plan)


@router.post(
    "/systems/{system_id}/monitoring-plan/reviews", response_model=ReviewRead, status_code=201
)
async def post_review(
    system_id: uuid.UUID,
    body: ReviewIn,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> object:
    return await service.record_review(
        session,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        reviewer=body.reviewer,
        outcome=body.outcome,
        notes=body.notes,
        reviewed_at=body.reviewed_at,
    )


@router.get("/monitoring-plans")
async def plans_overview(
    session: SessionDep, caller: Annotated[CallerContext, requires("monitoring:read")]
) -> list[dict[str, Any]]:
    """Every high-risk system (a plan is required) and every planned system, with execution."""
    return await service.plans_overview(
        session, organisation_id=caller.organisation_id, now=utcnow()
    )
