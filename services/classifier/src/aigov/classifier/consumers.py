"""Handlers for the topics the classifier consumes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aigov.classifier.system.service import record_registration
from aigov.shared.consumer import Subscription, dispatch_by_type, required_org
from aigov.shared.contracts.inventory import SystemRegisteredV1
from aigov.shared.events import CloudEvent
from aigov.shared.topics import INVENTORY_EVENTS


async def on_system_registered(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    await record_registration(
        session, organisation_id=required_org(event), payload=event.payload(SystemRegisteredV1)
    )


inventory_subscription = Subscription(
    group_id="aigov-classifier",
    topics=[INVENTORY_EVENTS],
    handler=dispatch_by_type({SystemRegisteredV1.event_type: on_system_registered}),
)
