"""What the inventory consumes: registry lifecycle events and the classifier's results."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aigov.inventory.registry.service import apply_registry_event
from aigov.inventory.system.models import SystemClassification
from aigov.shared.consumer import Subscription, dispatch_by_type, required_org
from aigov.shared.contracts.classifier import SystemClassifiedV1
from aigov.shared.contracts.registry import RegistryLifecycleV1
from aigov.shared.events import CloudEvent
from aigov.shared.topics import CLASSIFIER_EVENTS, REGISTRY_LIFECYCLE


async def on_registry_event(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    await apply_registry_event(
        session, organisation_id=required_org(event), event=event.payload(RegistryLifecycleV1)
    )


async def on_system_classified(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    """Keep the latest risk tier per system, for the register's risk-tier filter."""
    organisation_id = required_org(event)
    payload = event.payload(SystemClassifiedV1)
    row = await session.get(SystemClassification, payload.system_id)
    if row is None:
        row = SystemClassification(system_id=payload.system_id)
        session.add(row)
    elif row.classified_at > event.time:
        return  # an older classification arriving late does not win
    row.organisation_id = organisation_id
    row.classification_id = payload.classification_id
    row.risk_tier = payload.risk_tier
    row.rulebook_version = payload.rulebook_version
    row.classified_at = event.time
    await session.flush()


SUBSCRIPTION = Subscription(
    group_id="inventory",
    topics=(REGISTRY_LIFECYCLE, CLASSIFIER_EVENTS),
    handler=dispatch_by_type(
        {
            RegistryLifecycleV1.event_type: on_registry_event,
            SystemClassifiedV1.event_type: on_system_classified,
        }
    ),
)
