from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.classifier.system.models import SystemFacts
from aigov.shared.contracts.inventory import SystemRegisteredV1
from aigov.shared.db import utcnow


async def record_registration(
    session: AsyncSession, *, organisation_id: str, payload: SystemRegisteredV1
) -> None:
    facts = await session.get(SystemFacts, payload.system_id)
    if facts is None:
        facts = SystemFacts(system_id=payload.system_id, organisation_id=organisation_id)
        session.add(facts)
    facts.name = payload.facts.name
    facts.intended_purpose = payload.facts.intended_purpose
    facts.owner = payload.facts.business_owner
    facts.updated_at = utcnow()


async def list_known_systems(
    session: AsyncSession, *, organisation_id: str
) -> Sequence[SystemFacts]:
    query = (
        select(SystemFacts)
        .where(SystemFacts.organisation_id == organisation_id)
        .order_by(SystemFacts.name)
    )
    return (await session.scalars(query)).all()
