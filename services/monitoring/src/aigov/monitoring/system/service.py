from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.monitoring.system.models import MonitoredSystem
from aigov.shared.contracts.inventory import SystemRegisteredV1


async def start_monitoring(session: AsyncSession, *, payload: SystemRegisteredV1) -> None:
    system = await session.get(MonitoredSystem, payload.system_id)
    if system is None:
        session.add(MonitoredSystem(system_id=payload.system_id, name=payload.name))
    else:
        system.name = payload.name


async def list_monitored_systems(session: AsyncSession) -> Sequence[MonitoredSystem]:
    query = select(MonitoredSystem).order_by(MonitoredSystem.monitoring_since)
    return (await session.scalars(query)).all()
