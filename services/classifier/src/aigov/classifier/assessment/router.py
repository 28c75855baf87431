from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from aigov.classifier.assessment import service
from aigov.classifier.deps import RulebookDep
from aigov.shared.deps import SessionDep
from aigov.shared.params import PositiveIntId
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/assessments/fria", tags=["assessments"], responses=PROBLEM_RESPONSES)

Reader = Annotated[CallerContext, requires("classification:read")]
Writer = Annotated[CallerContext, requires("classification:write")]


class FriaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["draft", "completed"] = "draft"
    contents: dict[str, str] = Field(
        default_factory=dict, description="Art. 27(1)(a)-(f) items by id (see /template)"
    )


class FriaOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    system_id: uuid.UUID
    version: int
    status: str
    required: bool
    contents: dict[str, str]
    classification_id: uuid.UUID | None
    needs_update: bool
    created_by: str
    created_at: datetime
    notified_at: datetime | None
    notified_by: str | None


@router.get("/template")
async def get_fria_template(rulebook: RulebookDep, caller: Reader) -> dict[str, Any]:
    """The Art. 27 contents and procedure, with the ISO/IEC 42001 elements they share."""
    fria: dict[str, Any] = rulebook.files["fria"]
    return fria


@router.get("/{system_id}/requirement")
async def get_fria_requirement(
    system_id: uuid.UUID, session: SessionDep, caller: Reader
) -> dict[str, Any]:
    return await service.requirement(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )


@router.post("/{system_id}", response_model=FriaOut, status_code=201)
async def save_fria(
    system_id: uuid.UUID, body: FriaIn, session: SessionDep, rulebook: RulebookDep, caller: Writer
) -> object:
    """A new version (draft or completed); a completed one is emitted for the evidence ledger."""
    return await service.save(
        session,
        rulebook=rulebook,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        contents=body.contents,
        status=body.status,
        actor=caller.subject,
    )


@router.get("/{system_id}", response_model=list[FriaOut])
async def list_fria_versions(system_id: uuid.UUID, session: SessionDep, caller: Reader) -> object:
    return await service.history(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )


@router.post("/{system_id}/versions/{version}/notify", response_model=FriaOut)
async def notify_fria(
    system_id: uuid.UUID,
    version: PositiveIntId,
    session: SessionDep,
    rulebook: RulebookDep,
    caller: Writer,
) -> object:
    """Record the notification of the results to the market surveillance authority."""
    return await service.notify(
        session,
        rulebook=rulebook,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        version=version,
        actor=caller.subject,
    )
