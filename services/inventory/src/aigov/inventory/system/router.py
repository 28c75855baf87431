from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from aigov.inventory.system import service
from aigov.inventory.system.schemas import SystemCreate, SystemRead
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/systems", tags=["systems"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SystemRead)
async def register_system(
    body: SystemCreate,
    session: SessionDep,
    response: Response,
    caller: Annotated[CallerContext, requires("systems:write")],
) -> object:
    system = await service.register_system(
        session, organisation_id=caller.organisation_id, data=body
    )
    response.headers["Location"] = f"/v1/systems/{system.id}"
    return system


@router.get("", response_model=list[SystemRead])
async def list_systems(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("systems:read")],
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> object:
    return await service.list_systems(session, organisation_id=caller.organisation_id, limit=limit)


@router.get("/{system_id}", response_model=SystemRead)
async def get_system(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("systems:read")],
) -> object:
    return await service.get_system(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )
