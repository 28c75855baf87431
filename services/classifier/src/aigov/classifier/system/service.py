from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.classifier.system.models import SystemFacts
from aigov.shared.contracts.inventory import SystemFactsV1
from aigov.shared.db import utcnow
from aigov.shared.problems import NotFound


async def record_snapshot(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    revision: int,
    facts: SystemFactsV1,
) -> SystemFacts | None:
    """Keep the newest snapshot; an older revision arriving late changes nothing (None)."""
    row = await session.get(SystemFacts, system_id)
    if row is None:
        row = SystemFacts(system_id=system_id, organisation_id=organisation_id, revision=0)
        session.add(row)
    elif row.organisation_id != organisation_id or (row.revision or 0) > revision:
        return None
    row.name = facts.name
    row.intended_purpose = facts.intended_purpose
    row.owner = facts.business_owner
    row.snapshot = facts.model_dump(mode="json")
    row.revision = revision
    row.retired = False
    row.updated_at = utcnow()
    await session.flush()
    return row


async def record_retirement(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> None:
    row = await session.get(SystemFacts, system_id)
    if row is not None and row.organisation_id == organisation_id:
        row.retired = True
        row.updated_at = utcnow()
        await session.flush()


async def get_known_system(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> SystemFacts:
    row = await session.get(SystemFacts, system_id)
    if row is None or row.organisation_id != organisation_id:
        raise NotFound(f"system {system_id} is not known to the classifier")
    return row


async def list_known_systems(
    session: AsyncSession, *, organisation_id: str
) -> Sequence[SystemFacts]:
    query = (
        select(SystemFacts)
        .where(SystemFacts.organisation_id == organisation_id)
        .order_by(SystemFacts.name)
    )
    return (await session.scalars(query)).all()
