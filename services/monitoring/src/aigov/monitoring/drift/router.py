from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from aigov.monitoring.deps import SettingsDep
from aigov.monitoring.drift import engine, service
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES, Unprocessable
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/monitoring", tags=["evaluations"], responses=PROBLEM_RESPONSES)

MethodName = Literal["ks", "chisquare", "z", "jensenshannon", "wasserstein", "psi"]


class CurrentWindowIn(BaseModel):
    """The current window: the last ``last_n`` rows, or the rows timed in [since, until)."""

    model_config = ConfigDict(extra="forbid")

    last_n: int | None = Field(default=None, ge=1)
    since: AwareDatetime | None = None
    until: AwareDatetime | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> CurrentWindowIn:
        if self.last_n is not None and (self.since or self.until):
            raise ValueError("choose a count (last_n) or a time range (since/until), not both")
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        return self

    def spec(self) -> service.CurrentWindow:
        return service.CurrentWindow(last_n=self.last_n, since=self.since, until=self.until)


class DriftRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_version: str = Field(default="default", min_length=1, max_length=100)
    current: CurrentWindowIn = Field(default_factory=CurrentWindowIn)
    features: list[str] | None = Field(default=None, min_length=1)
    method: MethodName | None = None
    per_feature_method: dict[str, MethodName] = Field(default_factory=dict)
    threshold: float | None = Field(default=None, ge=0)
    per_feature_threshold: dict[str, float] = Field(default_factory=dict)
    drift_share: float = Field(default=engine.DEFAULT_DRIFT_SHARE, gt=0, le=1)
    min_samples: int | None = Field(default=None, ge=1)


class PerformanceRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_version: str = Field(default="default", min_length=1, max_length=100)
    current: CurrentWindowIn = Field(default_factory=CurrentWindowIn)
    task: Literal["classification", "regression"] = "classification"
    positive_label: str = "1"
    min_samples: int = Field(default=30, ge=1)


class BiasRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_version: str = Field(default="default", min_length=1, max_length=100)
    current: CurrentWindowIn = Field(default_factory=CurrentWindowIn)
    attribute: str = Field(min_length=1, max_length=100)
    positive_label: str = "1"
    min_group_size: int = Field(default=30, ge=1)


class RunRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    system_id: uuid.UUID
    model_version: str
    kind: str
    trigger: str
    status: str
    created_at: datetime
    reference_size: int
    current_size: int
    windows: dict[str, Any]
    options: dict[str, Any]
    summary: dict[str, Any]
    details: list[dict[str, Any]]


@router.post("/systems/{system_id}/drift-runs", response_model=RunRead, status_code=201)
async def create_drift_run(
    system_id: uuid.UUID,
    body: DriftRunIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> object:
    """Compare the current window with the reference, feature by feature."""
    try:
        options = engine.DriftOptions(
            method=body.method,
            per_feature_method=dict(body.per_feature_method),
            threshold=body.threshold,
            per_feature_threshold=dict(body.per_feature_threshold),
            drift_share=body.drift_share,
            min_samples=body.min_samples or settings.min_samples,
        )
    except engine.DriftInputError as exc:
        raise Unprocessable(str(exc)) from exc
    return await service.run_drift(
        session,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        model_version=body.model_version,
        current=body.current.spec(),
        options=options,
        features=body.features,
        max_rows=settings.max_window_rows,
    )


@router.post("/systems/{system_id}/performance-runs", response_model=RunRead, status_code=201)
async def create_performance_run(
    system_id: uuid.UUID,
    body: PerformanceRunIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> object:
    """Performance on labelled observations, and its degradation against the reference."""
    return await service.run_performance(
        session,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        model_version=body.model_version,
        current=body.current.spec(),
        task=body.task,
        positive_label=body.positive_label,
        min_samples=body.min_samples,
        max_rows=settings.max_window_rows,
    )


@router.post("/systems/{system_id}/bias-runs", response_model=RunRead, status_code=201)
async def create_bias_run(
    system_id: uuid.UUID,
    body: BiasRunIn,
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> object:
    """Fairness across the groups of one protected attribute in the current window."""
    return await service.run_bias(
        session,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        model_version=body.model_version,
        current=body.current.spec(),
        attribute=body.attribute,
        positive_label=body.positive_label,
        min_group_size=body.min_group_size,
        max_rows=settings.max_window_rows,
    )


@router.get("/systems/{system_id}/runs", response_model=list[RunRead])
async def list_runs(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
    kind: Literal["drift", "performance", "bias"] | None = None,
) -> object:
    return await service.list_runs(
        session, organisation_id=caller.organisation_id, system_id=system_id, kind=kind
    )


@router.get("/runs/{run_id}", response_model=RunRead)
async def get_run(
    run_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
) -> object:
    return await service.get_run(session, organisation_id=caller.organisation_id, run_id=run_id)
