from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from aigov.monitoring.incident import service
from aigov.monitoring.incident.deadlines import UnknownTimeZone, zone
from aigov.shared.db import utcnow
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES, Unprocessable
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/monitoring", tags=["incidents"], responses=PROBLEM_RESPONSES)

SeverityIn = Literal["low", "medium", "high", "critical"]
StatusIn = Literal["open", "investigating", "mitigated", "reported", "closed"]


class IncidentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system_id: uuid.UUID
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=20000)
    severity: SeverityIn = "medium"
    source: Literal["manual", "complaint", "user_report", "api"] = "manual"
    occurred_at: AwareDatetime | None = None
    member_states: list[str] = Field(default_factory=list, max_length=30)


class IncidentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = Field(default=None, max_length=20000)
    causal_link: str | None = Field(default=None, max_length=20000)
    corrective_action: str | None = Field(default=None, max_length=20000)
    occurred_at: AwareDatetime | None = None
    member_states: list[str] | None = Field(default=None, max_length=30)
    provider_contact: str | None = Field(default=None, max_length=300)


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: StatusIn
    note: str | None = Field(default=None, max_length=5000)


class AssessmentIn(BaseModel):
    """Art. 3(49) points that apply; death or widespread infringement shorten the clock."""

    model_config = ConfigDict(extra="forbid")

    criteria: list[Literal["a", "b", "c", "d"]] = Field(default_factory=list)
    death_involved: bool = False
    widespread_infringement: bool = False
    aware_at: AwareDatetime | None = None
    reporting_time_zone: str = Field(default="UTC", max_length=60)
    note: str | None = Field(default=None, max_length=5000)


class TimelineEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    kind: str
    actor: str
    from_status: str | None
    to_status: str | None
    note: str | None
    data: dict[str, Any]


class IncidentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    system_id: uuid.UUID
    title: str
    description: str
    source: str
    severity: str
    status: str
    alert_count: int
    opened_at: datetime
    updated_at: datetime
    occurred_at: datetime | None
    member_states: list[str]
    serious: bool | None
    criteria: list[str]
    death_involved: bool
    widespread_infringement: bool
    aware_at: datetime | None
    reporting_time_zone: str
    reported_at: datetime | None
    causal_link: str | None
    corrective_action: str | None
    provider_contact: str | None
    reporting_clock: dict[str, Any] | None = None
    timeline: list[TimelineEntry] | None = None


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    system_id: uuid.UUID
    rule: str
    metric: str
    value: float
    threshold: float
    severity: str
    run_id: uuid.UUID | None
    incident_id: uuid.UUID | None
    fired_at: datetime


async def _read(session: SessionDep, incident: Any, *, with_timeline: bool) -> IncidentRead:
    out = IncidentRead.model_validate(incident)
    out.reporting_clock = service.clock(incident, utcnow())
    if with_timeline:
        out.timeline = [
            TimelineEntry.model_validate(e)
            for e in await service.timeline(session, incident_id=incident.id)
        ]
    return out


@router.post("/incidents", response_model=IncidentRead, status_code=201)
async def open_incident(
    body: IncidentIn,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> IncidentRead:
    """Open an incident by hand or by API (a complaint, a user report)."""
    incident = await service.open_incident(
        session,
        organisation_id=caller.organisation_id,
        system_id=body.system_id,
        title=body.title,
        description=body.description,
        severity=body.severity,
        source=body.source,
        actor=caller.subject,
        occurred_at=body.occurred_at,
        member_states=body.member_states,
    )
    return await _read(session, incident, with_timeline=True)


@router.get("/incidents", response_model=list[IncidentRead])
async def list_incidents(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
    system_id: uuid.UUID | None = None,
    status: StatusIn | None = None,
    serious: bool | None = None,
) -> list[IncidentRead]:
    found = await service.list_incidents(
        session,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        status=status,
        serious=serious,
    )
    return [await _read(session, i, with_timeline=False) for i in found]


@router.get("/incidents/{incident_id}", response_model=IncidentRead)
async def get_incident(
    incident_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
) -> IncidentRead:
    incident = await service.get_incident(
        session, organisation_id=caller.organisation_id, incident_id=incident_id
    )
    return await _read(session, incident, with_timeline=True)


@router.patch("/incidents/{incident_id}", response_model=IncidentRead)
async def patch_incident(
    incident_id: uuid.UUID,
    body: IncidentPatch,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> IncidentRead:
    incident = await service.update_details(
        session,
        organisation_id=caller.organisation_id,
        incident_id=incident_id,
        actor=caller.subject,
        changes=body.model_dump(exclude_unset=True),
    )
    return await _read(session, incident, with_timeline=True)


@router.post("/incidents/{incident_id}/transitions", response_model=IncidentRead)
async def transition_incident(
    incident_id: uuid.UUID,
    body: TransitionIn,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> IncidentRead:
    """Move the incident along open -> investigating -> mitigated -> reported -> closed."""
    incident = await service.transition(
        session,
        organisation_id=caller.organisation_id,
        incident_id=incident_id,
        to=body.to,
        actor=caller.subject,
        note=body.note,
    )
    return await _read(session, incident, with_timeline=True)


@router.post("/incidents/{incident_id}/assessment", response_model=IncidentRead)
async def assess_incident(
    incident_id: uuid.UUID,
    body: AssessmentIn,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
) -> IncidentRead:
    """Serious-incident assessment (Art. 3(49)); a serious incident starts the Art. 73 clock."""
    try:
        zone(body.reporting_time_zone)
    except UnknownTimeZone as exc:
        raise Unprocessable(str(exc), field="reporting_time_zone") from exc
    incident = await service.assess(
        session,
        organisation_id=caller.organisation_id,
        incident_id=incident_id,
        criteria=body.criteria,
        death_involved=body.death_involved,
        widespread_infringement=body.widespread_infringement,
        aware_at=body.aware_at,
        time_zone=body.reporting_time_zone,
        actor=caller.subject,
        note=body.note,
    )
    return await _read(session, incident, with_timeline=True)


@router.get("/incidents/{incident_id}/authority-report")
async def authority_report(
    incident_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
) -> dict[str, Any]:
    """Draft serious-incident report for the market surveillance authority (Art. 73)."""
    return await service.authority_report(
        session, organisation_id=caller.organisation_id, incident_id=incident_id
    )


@router.get("/incidents/{incident_id}/provider-notice")
async def provider_notice(
    incident_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
) -> dict[str, Any]:
    """The deployer's notice to the provider (Art. 26(5))."""
    return await service.provider_notice(
        session, organisation_id=caller.organisation_id, incident_id=incident_id
    )


@router.get("/alerts", response_model=list[AlertRead])
async def list_alerts(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("monitoring:read")],
    system_id: uuid.UUID | None = None,
) -> object:
    return await service.list_alerts(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )
