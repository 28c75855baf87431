"""System register logic: no HTTP, no commit (the caller owns the transaction)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.inventory.system.models import AISystem
from aigov.inventory.system.schemas import SystemCreate
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
from aigov.shared.events import make_event
from aigov.shared.outbox import stage_event
from aigov.shared.problems import NotFound
from aigov.shared.topics import INVENTORY_EVENTS

SOURCE = "/aigov/inventory"


async def register_system(
    session: AsyncSession, *, organisation_id: str, data: SystemCreate
) -> AISystem:
    system = AISystem(id=uuid.uuid4(), organisation_id=organisation_id, **data.model_dump())
    session.add(system)
    facts = SystemFactsV1(
        name=system.name, intended_purpose=system.intended_purpose, business_owner=system.owner
    )
    payload = SystemRegisteredV1(system_id=system.id, facts=facts)
    event = make_event(
        payload, source=SOURCE, subject=str(system.id), organisation_id=organisation_id
    )
    stage_event(session, INVENTORY_EVENTS, event, key=str(system.id))
    await session.flush()
    return system


async def list_systems(
    session: AsyncSession, *, organisation_id: str, limit: int
) -> Sequence[AISystem]:
    query = (
        select(AISystem)
        .where(AISystem.organisation_id == organisation_id)
        .order_by(AISystem.created_at.desc())
        .limit(limit)
    )
    return (await session.scalars(query)).all()


async def get_system(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> AISystem:
    system = await session.get(AISystem, system_id)
    # Another organisation's system answers exactly like a missing one.
    if system is None or system.organisation_id != organisation_id:
        raise NotFound(f"AI system {system_id} is not registered")
    return system
