"""``GET /v1/me``: who the credentials belong to, so portals can show roles and hide what the
caller may not do (the services refuse it anyway)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from aigov.gateway.auth import authenticated
from aigov.shared.tenancy import CallerContext

router = APIRouter(tags=["identity"])


class Me(BaseModel):
    organisation_id: str
    subject: str
    role: str | None
    scopes: list[str]


@router.get("/v1/me", response_model=Me)
async def who_am_i(caller: Annotated[CallerContext, Depends(authenticated)]) -> Me:
    """Any valid credentials may ask who they are; no scope is needed."""
    return Me(
        organisation_id=caller.organisation_id,
        subject=caller.subject,
        role=caller.role,
        scopes=sorted(caller.scopes),
    )
