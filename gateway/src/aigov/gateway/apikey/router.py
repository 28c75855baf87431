from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Request, Response, status

from aigov.gateway.apikey import service
from aigov.gateway.apikey.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyRead
from aigov.gateway.auth import get_authenticator, requires
from aigov.gateway.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext

router = APIRouter(prefix="/v1/admin/api-keys", tags=["admin"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_api_key(
    body: ApiKeyCreate,
    session: SessionDep,
    response: Response,
    caller: Annotated[CallerContext, requires("admin")],
) -> ApiKeyCreated:
    """Create a key for the caller's organisation. The secret is in this answer only."""
    key, secret = await service.create_key(
        session,
        organisation_id=caller.organisation_id,
        name=body.name,
        role=body.role,
        created_by=caller.subject,
        expires_at=body.expires_at,
        rate_limit_per_minute=body.rate_limit_per_minute,
    )
    response.headers["Location"] = f"/v1/admin/api-keys/{key.id}"
    response.headers["Cache-Control"] = "no-store"
    return ApiKeyCreated(**ApiKeyRead.model_validate(key).model_dump(), key=secret)


@router.get("", response_model=ApiKeyList)
async def list_api_keys(
    session: SessionDep, caller: Annotated[CallerContext, requires("admin")]
) -> ApiKeyList:
    items = await service.list_keys(session, organisation_id=caller.organisation_id)
    return ApiKeyList(items=[ApiKeyRead.model_validate(k) for k in items])


@router.get("/{key_id}", response_model=ApiKeyRead)
async def get_api_key(
    key_id: uuid.UUID, session: SessionDep, caller: Annotated[CallerContext, requires("admin")]
) -> object:
    return await service.get_key(session, organisation_id=caller.organisation_id, key_id=key_id)


@router.delete("/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(
    key_id: uuid.UUID,
    session: SessionDep,
    request: Request,
    caller: Annotated[CallerContext, requires("admin")],
) -> Response:
    """Revoke a key: it stops working at once on this gateway (within the key cache TTL on
    other replicas). Revoking twice is not an error."""
    await service.revoke_key(session, organisation_id=caller.organisation_id, key_id=key_id)
    get_authenticator(request).forget(key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
