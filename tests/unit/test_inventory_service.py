from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.inventory.system.models import SystemClassification
from aigov.inventory.system.schemas import SystemCreate
from aigov.inventory.system.service import (
    etag_of,
    get_system,
    register_system,
    retire_system,
    summarise,
)
from aigov.shared.bus_tables import OutboxEvent
from aigov.shared.db import transaction, utcnow
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


async def test_summary_counts_by_tier_role_and_stage(
    inventory_db: async_sessionmaker[AsyncSession],
) -> None:
    def system(name: str, roles: list[str], stage: str) -> SystemCreate:
        return SystemCreate.model_validate(
            {
                "name": name,
                "intended_purpose": "decide things",
                "business_owner": "ops",
                "roles": roles,
                "lifecycle_stage": stage,
            }
        )

    design, operation = "design_and_development", "operation_and_monitoring"
    async with transaction(inventory_db) as session:
        hr = await register_system(
            session, organisation_id="org-a", data=system("hr", ["provider", "deployer"], design)
        )
        await register_system(
            session, organisation_id="org-a", data=system("chat", ["deployer"], operation)
        )
        gone = await register_system(
            session, organisation_id="org-a", data=system("old", ["deployer"], operation)
        )
        await register_system(
            session, organisation_id="org-b", data=system("other", ["provider"], design)
        )
        session.add(
            SystemClassification(
                system_id=hr.id,
                organisation_id="org-a",
                classification_id=uuid.uuid4(),
                risk_tier="high_risk",
                rulebook_version="test",
                classified_at=utcnow(),
            )
        )
    async with transaction(inventory_db) as session:
        await retire_system(
            session,
            organisation_id="org-a",
            system_id=gone.id,
            if_match=etag_of(gone),
            actor="alice",
            reason="replaced",
        )
    async with inventory_db() as session:
        active = await summarise(session, organisation_id="org-a", status="active")
        retired = await summarise(session, organisation_id="org-a", status="retired")
    assert active.total == 2
    assert active.by_risk_tier == {"high_risk": 1, "unclassified": 1}
    assert active.by_role == {"provider": 1, "deployer": 2}
    assert active.by_stage == {design: 1, operation: 1}
    assert retired.total == 1
    assert retired.by_role == {"deployer": 1}
    assert retired.by_stage == {"retirement": 1}
