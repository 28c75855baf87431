from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.monitoring.metrics import MAX_DRIFTED_SHARE, RISK_TIERS, SYSTEMS_DRIFTING
from aigov.monitoring.system.models import MonitoredSystem
from aigov.shared.contracts.classifier import SystemClassifiedV1
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRetiredV1


async def upsert_from_inventory(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID, facts: SystemFactsV1
) -> MonitoredSystem:
    system = await session.get(MonitoredSystem, system_id)
    if system is None:
        system = MonitoredSystem(
            system_id=system_id,
            organisation_id=organisation_id,
            name=facts.name,
            roles=[],
            countries=[],
            retired=False,
            rows_since_drift=0,
        )
        session.add(system)
    elif system.organisation_id != organisation_id:
        raise ValueError(f"system {system_id} belongs to another organisation")
    system.name = facts.name
    system.roles = list(facts.roles)
    system.countries = list(facts.countries)
    system.business_owner = facts.business_owner
    system.intended_purpose = facts.intended_purpose[:2000]
    await session.flush()
    return system


async def retire(session: AsyncSession, *, organisation_id: str, payload: SystemRetiredV1) -> None:
    system = await session.get(MonitoredSystem, payload.system_id)
    if system is not None and system.organisation_id == organisation_id:
        system.retired = True


async def apply_classification(
    session: AsyncSession, *, organisation_id: str, payload: SystemClassifiedV1
) -> None:
    """The classifier's risk tier picks the default alert rules (stricter for high risk).

    A classification may arrive before the inventory event (another topic): keep a placeholder.
    """
    system = await session.get(MonitoredSystem, payload.system_id)
    if system is None:
        system = MonitoredSystem(
            system_id=payload.system_id,
            organisation_id=organisation_id,
            name=str(payload.system_id),
            roles=[],
            countries=[],
            retired=False,
            rows_since_drift=0,
        )
        session.add(system)
    elif system.organisation_id != organisation_id:
        raise ValueError(f"system {payload.system_id} belongs to another organisation")
    system.risk_tier = payload.risk_tier
    await session.flush()


async def list_monitored_systems(
    session: AsyncSession, *, organisation_id: str
) -> Sequence[MonitoredSystem]:
    query = (
        select(MonitoredSystem)
        .where(MonitoredSystem.organisation_id == organisation_id)
        .order_by(MonitoredSystem.monitoring_since)
    )
    return (await session.scalars(query)).all()


async def set_alert_rules(
    session: AsyncSession, *, system: MonitoredSystem, rules: list[dict[str, Any]] | None
) -> MonitoredSystem:
    system.alert_rules = rules
    await session.flush()
    return system


async def refresh_drift_gauges(session: AsyncSession) -> None:
    rows = (
        await session.execute(
            select(
                MonitoredSystem.risk_tier,
                func.count().filter(MonitoredSystem.last_dataset_drift.is_(True)),
                func.max(MonitoredSystem.last_drifted_share),
            )
            .where(MonitoredSystem.retired.is_(False))
            .group_by(MonitoredSystem.risk_tier)
        )
    ).all()
    seen = {(tier or "unknown"): (count, share) for tier, count, share in rows}
    for tier in RISK_TIERS:
        count, share = seen.get(tier, (0, None))
        SYSTEMS_DRIFTING.labels(tier).set(count or 0)
        MAX_DRIFTED_SHARE.labels(tier).set(share or 0.0)
