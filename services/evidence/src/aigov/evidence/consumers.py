"""Every domain event stream is appended to the ledger: the audit trail is the event stream."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aigov.evidence.ledger.service import append_event
from aigov.shared.consumer import Subscription
from aigov.shared.contracts.evidence import CheckpointPublishedV1
from aigov.shared.events import CloudEvent
from aigov.shared.topics import EVENT_TOPICS

# A checkpoint is a statement about the ledger; appending it would grow the tree and call for the
# next checkpoint, forever. Checkpoints are kept in their own table, each signed.
NOT_APPENDED = frozenset({CheckpointPublishedV1.event_type})


async def on_domain_event(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    if event.type in NOT_APPENDED:
        return
    # Evidence actions were appended when they happened; append_event dedupes on the event id.
    await append_event(session, event, topic=topic)


ledger_subscription = Subscription(
    group_id="aigov-evidence-ledger",
    topics=list(EVENT_TOPICS),
    handler=on_domain_event,
)
