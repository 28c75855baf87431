"""The scheduled work: checkpoints only when the tree grew; the loop survives a failing pass."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.evidence.ledger import service as ledger
from aigov.evidence.ledger.models import LedgerCheckpoint
from aigov.evidence.tasks import checkpoint_once, every, scrub_once
from aigov.shared.db import transaction
from tests.unit.evidence.helpers import registered_event, runtime


async def count_checkpoints(db: async_sessionmaker[AsyncSession]) -> int:
    async with db() as session:
        return int(await session.scalar(select(func.count()).select_from(LedgerCheckpoint)) or 0)


async def test_scheduled_checkpoints_follow_growth(
    evidence_db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    rt = runtime(tmp_path)
    await checkpoint_once(evidence_db, rt)
    assert await count_checkpoints(evidence_db) == 0  # empty tree: nothing to sign
    async with transaction(evidence_db) as session:
        await ledger.append_event(session, registered_event(uuid.uuid4()), topic="t")
    await checkpoint_once(evidence_db, rt)
    await checkpoint_once(evidence_db, rt)
    assert await count_checkpoints(evidence_db) == 1
    assert rt.last_verification is None
    await scrub_once(evidence_db, rt)  # no blob stored: a clean pass; the ledger is re-hashed
    assert rt.last_verification is not None
    assert rt.last_verification.valid
    assert rt.last_verification.entries == 1
    assert rt.recent_verification(60) is rt.last_verification


async def test_every_runs_again_after_a_failure() -> None:
    calls: list[int] = []

    async def job() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise RuntimeError("first pass fails")

    task = asyncio.create_task(every(0.01, job, "test"))
    for _ in range(100):
        if len(calls) >= 3:
            break
        await asyncio.sleep(0.01)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert len(calls) >= 3
