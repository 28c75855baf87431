"""``GET /v1/me``: who the credentials belong to, so portals can show roles and hide what the
caller may not do (the services refuse it anyway)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from aigov.gateway.auth import authenticate

router = APIRouter(tags=["identity"])


class Me(BaseModel):
    organisation_id: str
    subject: str
    role: str | None
    scopes: list[str]


@router.get("/v1/me", response_model=Me)
async def who_am_i(request: Request) -> Me:
    caller = authenticate(request, request.app.state.settings)
    return Me(
        organisation_id=caller.organisation_id,
        subject=caller.subject,
        role=caller.role,
        scopes=sorted(caller.scopes),
    )
