"""Scheduled work: signed checkpoints when the tree grew, and the scrub (every blob and every
ledger entry re-hashed)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.evidence.deps import EvidenceRuntime
from aigov.evidence.item.service import scrub
from aigov.evidence.ledger.service import publish_checkpoint, verify_ledger
from aigov.shared.db import transaction

logger = logging.getLogger(__name__)


async def checkpoint_once(
    factory: async_sessionmaker[AsyncSession], evidence: EvidenceRuntime
) -> None:
    async with transaction(factory) as session:
        await publish_checkpoint(session, evidence.signer, only_if_grown=True)


async def scrub_once(factory: async_sessionmaker[AsyncSession], evidence: EvidenceRuntime) -> None:
    async with transaction(factory) as session:
        report = await scrub(session, store=evidence.store)
    if report.corrupt or report.missing:
        logger.error(
            "blob scrub found damage",
            extra={"corrupt": report.corrupt, "missing": report.missing},
        )
    async with factory() as session:
        ledger = await verify_ledger(session, evidence.signer)
    evidence.last_verification = ledger
    if not ledger.valid:
        logger.error(
            "ledger verification failed",
            extra={"first_invalid_seq": ledger.first_invalid_seq, "reason": ledger.reason},
        )


async def every(
    interval_s: float, job: Callable[[], Awaitable[None]], name: str, *, run_first: bool = True
) -> None:
    """Run ``job`` (now, if ``run_first``) and every ``interval_s``; a failure is logged and the
    loop goes on."""
    if not run_first:
        await asyncio.sleep(interval_s)
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("scheduled %s failed; will retry", name, exc_info=True)
        await asyncio.sleep(interval_s)
