from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.inventory.system.schemas import SystemCreate
from aigov.inventory.system.service import get_system, register_system
from aigov.shared.bus_tables import OutboxEvent
from aigov.shared.db import transaction
from aigov.shared.problems import NotFound
from aigov.shared.topics import INVENTORY_EVENTS


async def test_registering_a_system_stages_its_event(
    inventory_db: async_sessionmaker[AsyncSession],
) -> None:
    data = SystemCreate(name="CV ranker", intended_purpose="rank applicants", business_owner="hr")
    async with transaction(inventory_db) as session:
        system = await register_system(session, organisation_id="org-a", data=data)
    async with inventory_db() as session:
        assert (
            await get_system(session, organisation_id="org-a", system_id=system.id)
        ).name == "CV ranker"
        with pytest.raises(NotFound):  # another tenant sees nothing
            await get_system(session, organisation_id="org-b", system_id=system.id)
        outbox = (await session.scalars(select(OutboxEvent))).all()
    assert len(outbox) == 1
    assert outbox[0].topic == INVENTORY_EVENTS
    assert outbox[0].key == str(system.id)
    assert outbox[0].envelope["type"] == "aigov.inventory.system.registered"
    assert outbox[0].envelope["data"]["system_id"] == str(system.id)
    assert outbox[0].envelope["orgid"] == "org-a"
    assert outbox[0].published_at is None


async def test_unknown_system_is_not_found(
    inventory_db: async_sessionmaker[AsyncSession],
) -> None:
    async with inventory_db() as session:
        with pytest.raises(NotFound):
            await get_system(session, organisation_id="org-a", system_id=uuid.uuid4())
