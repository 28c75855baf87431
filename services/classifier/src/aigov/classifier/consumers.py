"""Handlers for the topics the classifier consumes: inventory facts in, reclassification out."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aigov.classifier.classification.service import classify_system
from aigov.classifier.rulebook.loader import load_rulebook
from aigov.classifier.system.service import record_retirement, record_snapshot
from aigov.shared.consumer import Subscription, dispatch_by_type, required_org
from aigov.shared.contracts.inventory import SystemRegisteredV1, SystemRetiredV1, SystemUpdatedV1
from aigov.shared.events import CloudEvent
from aigov.shared.topics import INVENTORY_EVENTS


async def _apply_snapshot(
    session: AsyncSession, event: CloudEvent, payload: SystemRegisteredV1 | SystemUpdatedV1
) -> None:
    organisation_id = required_org(event)
    row = await record_snapshot(
        session,
        organisation_id=organisation_id,
        system_id=payload.system_id,
        revision=payload.revision,
        facts=payload.facts,
    )
    if row is None:  # a stale revision: the newer one was already classified
        return
    await classify_system(
        session,
        rulebook=load_rulebook(),
        organisation_id=organisation_id,
        system_id=payload.system_id,
        actor=f"event:{event.id}",
        trigger="inventory",
    )


async def on_system_registered(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    await _apply_snapshot(session, event, event.payload(SystemRegisteredV1))


async def on_system_updated(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    await _apply_snapshot(session, event, event.payload(SystemUpdatedV1))


async def on_system_retired(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    payload = event.payload(SystemRetiredV1)
    await record_retirement(
        session, organisation_id=required_org(event), system_id=payload.system_id
    )


inventory_subscription = Subscription(
    group_id="aigov-classifier",
    topics=[INVENTORY_EVENTS],
    handler=dispatch_by_type(
        {
            SystemRegisteredV1.event_type: on_system_registered,
            SystemUpdatedV1.event_type: on_system_updated,
            SystemRetiredV1.event_type: on_system_retired,
        }
    ),
)
