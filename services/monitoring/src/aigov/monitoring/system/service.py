from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.monitoring.system.models import MonitoredSystem
from aigov.shared.contracts.inventory import SystemRegisteredV1


async def start_monitoring(
    session: AsyncSession, *, organisation_id: str, payload: SystemRegisteredV1
) -> None:
    system = await session.get(MonitoredSystem, payload.system_id)
    if system is None:
        session.add(
            MonitoredSystem(
                system_id=payload.system_id,
                organisation_id=organisation_id,
                name=payload.facts.name,
            )
        )
    else:
        system.name = payload.facts.name


async def list_monitored_systems(
    session: AsyncSession, *, organisation_id: str
) -> Sequence[MonitoredSystem]:
    query = (
        select(MonitoredSystem)
        .where(MonitoredSystem.organisation_id == organisation_id)
        .order_by(MonitoredSystem.monitoring_since)
    )
    return (await session.scalars(query)).all()
