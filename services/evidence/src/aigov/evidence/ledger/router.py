from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from aigov.evidence.ledger import service
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/ledger", tags=["ledger"], responses=PROBLEM_RESPONSES)


class LedgerEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    event_id: str
    topic: str
    event_type: str
    source: str
    subject: str | None
    event_time: datetime
    recorded_at: datetime
    envelope: dict[str, Any]
    prev_hash: str
    entry_hash: str


class LedgerPage(BaseModel):
    items: list[LedgerEntryRead]
    next_after: int | None


class ChainVerification(BaseModel):
    valid: bool
    entries: int
    head_hash: str
    first_invalid_seq: int | None
    reason: str | None


@router.get("", response_model=LedgerPage)
async def list_ledger_entries(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
    system_id: Annotated[str | None, Query(max_length=200)] = None,
    after: Annotated[int, Query(ge=0, description="Return entries after this position")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> object:
    """Ledger entries in append order, optionally for one AI system, with their hashes."""
    items = await service.list_entries(
        session,
        organisation_id=caller.organisation_id,
        subject=system_id,
        after=after,
        limit=limit,
    )
    next_after = items[-1].seq if len(items) == limit else None
    return {"items": items, "next_after": next_after}


@router.get("/verify", response_model=ChainVerification)
async def verify_ledger(
    session: SessionDep, caller: Annotated[CallerContext, requires("evidence:read")]
) -> object:
    """Recompute the whole hash chain and report the first entry that does not verify."""
    return await service.verify_chain(session)
