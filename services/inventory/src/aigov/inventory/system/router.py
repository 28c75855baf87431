from __future__ import annotations

import json
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import JSONResponse

from aigov.inventory import idempotency
from aigov.inventory.deps import SettingsDep
from aigov.inventory.system import importer, service
from aigov.inventory.system.schemas import (
    ImportReport,
    RetireRequest,
    RevisionList,
    RevisionRead,
    SystemBriefPage,
    SystemCreate,
    SystemPage,
    SystemPatch,
    SystemRead,
    SystemSummary,
)
from aigov.shared.contracts.classifier import RiskTier
from aigov.shared.contracts.inventory import LifecycleStage, Role
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES, Unprocessable
from aigov.shared.tenancy import CallerContext, requires
from aigov.shared.web import ModelResponse

router = APIRouter(prefix="/v1/systems", tags=["systems"], responses=PROBLEM_RESPONSES)

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
FULL_PAGE_MAX = 200


def _canonical(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SystemRead)
async def register_system(
    body: SystemCreate,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("systems:write")],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    claim = None
    if idempotency_key is not None:
        claim = await idempotency.claim(
            session,
            organisation_id=caller.organisation_id,
            key=idempotency_key,
            route="POST /v1/systems",
            fingerprint=idempotency.fingerprint(_canonical(body.model_dump(mode="json"))),
        )
        if claim.replay:
            return _replay(claim)
    system = await service.register_system(
        session, organisation_id=caller.organisation_id, data=body, actor=caller.subject
    )
    read = service.to_read(system, None).model_dump(mode="json")
    headers = {"Location": f"/v1/systems/{system.id}", "ETag": service.etag_of(system)}
    if claim is not None:
        idempotency.complete(claim, status_code=201, body=read, headers=headers)
    return JSONResponse(read, status_code=201, headers=headers)


def _replay(claim: idempotency.Claim) -> Response:
    headers = {**claim.record.response_headers, "Idempotent-Replayed": "true"}
    return JSONResponse(
        claim.record.response_body, status_code=claim.record.status_code, headers=headers
    )


@router.post("/import", response_model=ImportReport)
async def import_systems(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[CallerContext, requires("systems:write")],
    mode: Literal["all_or_nothing", "best_effort"] = "all_or_nothing",
    file_format: Annotated[Literal["csv", "json", "yaml"] | None, Query(alias="format")] = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Register many systems from one CSV, JSON or YAML file, validated row by row."""
    content = await request.body()
    if len(content) > settings.import_max_body_bytes:
        raise importer.PayloadTooLarge(
            f"import files are limited to {settings.import_max_body_bytes} bytes"
        )
    fmt = importer.detect_format(request.headers.get("content-type"), file_format)
    claim = None
    if idempotency_key is not None:
        claim = await idempotency.claim(
            session,
            organisation_id=caller.organisation_id,
            key=idempotency_key,
            route="POST /v1/systems/import",
            fingerprint=idempotency.fingerprint(mode.encode(), fmt.encode(), content),
        )
        if claim.replay:
            return _replay(claim)
    rows = importer.parse(content, fmt, max_rows=settings.import_max_rows)
    report = await service.import_systems(
        session,
        organisation_id=caller.organisation_id,
        rows=rows,
        all_or_nothing=mode == "all_or_nothing",
        actor=caller.subject,
    )
    body = report.model_dump(mode="json")
    if claim is not None:
        idempotency.complete(claim, status_code=200, body=body)
    return JSONResponse(body, status_code=200)


@router.get("", response_model=SystemPage | SystemBriefPage)
async def list_systems(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("systems:read")],
    role: Annotated[list[Role] | None, Query()] = None,
    stage: Annotated[list[LifecycleStage] | None, Query()] = None,
    country: Annotated[list[str] | None, Query()] = None,
    owner: str | None = None,
    tag: Annotated[list[str] | None, Query()] = None,
    risk_tier: Annotated[list[RiskTier | Literal["unclassified"]] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    status_: Annotated[Literal["active", "retired"] | None, Query(alias="status")] = None,
    model: Annotated[str | None, Query(description="<registry>:<model name>")] = None,
    view: Annotated[
        Literal["full", "brief"],
        Query(description="`brief`: id, name, status, stage and risk tier only, up to 1000 a page"),
    ] = "full",
    limit: Annotated[int, Query(ge=1, le=1000, description="at most 200 for full records")] = 50,
    page_token: str | None = None,
) -> ModelResponse:
    if view == "full" and limit > FULL_PAGE_MAX:
        raise Unprocessable(f"limit is at most {FULL_PAGE_MAX} for full records; use view=brief")
    filters = service.SystemFilters(
        roles=role or (),
        stages=stage or (),
        countries=country or (),
        owner=owner,
        tags=tag or (),
        risk_tiers=risk_tier or (),
        text=q,
        status=status_,
        model=model,
    )
    items, next_token = await service.list_systems(
        session,
        organisation_id=caller.organisation_id,
        filters=filters,
        limit=limit,
        page_token=page_token,
        brief=view == "brief",
    )
    page_type = SystemBriefPage if view == "brief" else SystemPage
    return ModelResponse(page_type.model_validate({"items": items, "next_page_token": next_token}))


@router.get("/summary", response_model=SystemSummary)
async def summarise_systems(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("systems:read")],
    status_: Annotated[Literal["active", "retired"], Query(alias="status")] = "active",
) -> SystemSummary:
    """Counts by risk tier, role and lifecycle stage: what a dashboard shows, without paging
    through the register."""
    return await service.summarise(session, organisation_id=caller.organisation_id, status=status_)


@router.get("/{system_id}", response_model=SystemRead)
async def get_system(
    system_id: uuid.UUID,
    session: SessionDep,
    response: Response,
    caller: Annotated[CallerContext, requires("systems:read")],
) -> SystemRead:
    system = await service.get_system(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )
    response.headers["ETag"] = service.etag_of(system)
    return service.to_read(system, await service.risk_tier_of(session, system.id))


@router.patch("/{system_id}", response_model=SystemRead)
async def update_system(
    system_id: uuid.UUID,
    body: SystemPatch,
    session: SessionDep,
    response: Response,
    caller: Annotated[CallerContext, requires("systems:write")],
    if_match: IfMatch = None,
) -> SystemRead:
    """Change some facts; needs ``If-Match`` with the ETag of the revision you read."""
    system = await service.update_system(
        session,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        patch=body.model_dump(mode="json", exclude_unset=True),
        if_match=if_match,
        actor=caller.subject,
    )
    response.headers["ETag"] = service.etag_of(system)
    return service.to_read(system, await service.risk_tier_of(session, system.id))


@router.post("/{system_id}/retire", response_model=SystemRead)
async def retire_system(
    system_id: uuid.UUID,
    session: SessionDep,
    response: Response,
    caller: Annotated[CallerContext, requires("systems:write")],
    body: RetireRequest | None = None,
    if_match: IfMatch = None,
) -> SystemRead:
    """Systems are retired, never deleted: the record and its revisions stay."""
    system = await service.retire_system(
        session,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        if_match=if_match,
        actor=caller.subject,
        reason=body.reason if body else None,
    )
    response.headers["ETag"] = service.etag_of(system)
    return service.to_read(system, await service.risk_tier_of(session, system.id))


@router.get("/{system_id}/revisions", response_model=RevisionList)
async def list_revisions(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("systems:read")],
) -> RevisionList:
    revisions = await service.list_revisions(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )
    return RevisionList(items=[RevisionRead.model_validate(r) for r in revisions])
