from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from starlette.responses import HTMLResponse

from aigov.evidence.control import service
from aigov.evidence.control.schemas import (
    ControlRecordWrite,
    ControlView,
    StatementOfApplicability,
)
from aigov.evidence.export.html import render_soa
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/controls", tags=["controls"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=list[ControlView])
async def list_controls(
    session: SessionDep, caller: Annotated[CallerContext, requires("evidence:read")]
) -> object:
    """Clauses 4-10 and the 38 Annex A controls with the organisation's records and evidence."""
    return await service.control_views(session, organisation_id=caller.organisation_id)


@router.get(
    "/statement-of-applicability",
    response_model=StatementOfApplicability,
    responses={200: {"content": {"text/html": {}}}},
)
async def get_statement_of_applicability(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
    format: Annotated[Literal["json", "html"], Query()] = "json",
) -> object:
    soa = await service.statement_of_applicability(session, organisation_id=caller.organisation_id)
    if format == "html":
        return HTMLResponse(render_soa(soa))
    return soa


@router.get("/{control_id}", response_model=ControlView)
async def get_control(
    control_id: str,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
) -> object:
    views = await service.control_views(
        session, organisation_id=caller.organisation_id, only=control_id
    )
    return views[0]


@router.put("/{control_id}", response_model=ControlView)
async def put_control_record(
    control_id: str,
    data: ControlRecordWrite,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:write")],
) -> object:
    """Record applicability (an Annex A exclusion needs a justification), status and owner."""
    await service.upsert_record(
        session,
        organisation_id=caller.organisation_id,
        actor=caller.subject,
        control_id=control_id,
        data=data,
    )
    views = await service.control_views(
        session, organisation_id=caller.organisation_id, only=control_id
    )
    return views[0]
