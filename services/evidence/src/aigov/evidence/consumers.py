"""Every domain event stream is appended to the ledger: the audit trail is the event stream."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aigov.evidence.ledger.service import append_event
from aigov.shared.consumer import Subscription
from aigov.shared.events import CloudEvent
from aigov.shared.topics import EVENT_TOPICS


async def on_domain_event(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    await append_event(session, event, topic=topic)


ledger_subscription = Subscription(
    group_id="aigov-evidence-ledger",
    topics=list(EVENT_TOPICS),
    handler=on_domain_event,
)
