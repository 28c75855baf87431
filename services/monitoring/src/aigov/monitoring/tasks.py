"""The periodic task of the service: the Art. 73 reporting clock and the SRE gauges."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.monitoring.incident.service import ClockReport, check_deadlines
from aigov.monitoring.system.service import refresh_drift_gauges
from aigov.shared.db import transaction, utcnow

logger = logging.getLogger(__name__)


async def tick(factory: async_sessionmaker[AsyncSession]) -> ClockReport:
    async with transaction(factory) as session:
        report = await check_deadlines(session, now=utcnow())
        await refresh_drift_gauges(session)
    return report


async def run_clock(factory: async_sessionmaker[AsyncSession], interval_s: float) -> None:
    while True:
        try:
            await tick(factory)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.warning("reporting clock pass failed; will retry", exc_info=True)
        await asyncio.sleep(interval_s)
