from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from aigov.classifier.system import service
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/classifier", tags=["classifier"], responses=PROBLEM_RESPONSES)


class KnownSystem(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    system_id: uuid.UUID
    name: str
    intended_purpose: str
    owner: str
    revision: int
    retired: bool
    updated_at: datetime


@router.get("/systems", response_model=list[KnownSystem])
async def list_known_systems(
    session: SessionDep, caller: Annotated[CallerContext, requires("classification:read")]
) -> object:
    """The systems the classifier has learnt of from the inventory's events."""
    return await service.list_known_systems(session, organisation_id=caller.organisation_id)
