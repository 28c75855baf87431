from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from aigov.monitoring.system import service
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/monitoring", tags=["monitoring"], responses=PROBLEM_RESPONSES)


class MonitoredSystemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    system_id: uuid.UUID
    name: str
    risk_tier: str | None
    monitoring_since: datetime


@router.get("/systems", response_model=list[MonitoredSystemRead])
async def list_monitored_systems(
    session: SessionDep, caller: Annotated[CallerContext, requires("monitoring:read")]
) -> object:
    """The systems under monitoring, learnt from the inventory's events."""
    return await service.list_monitored_systems(session, organisation_id=caller.organisation_id)
