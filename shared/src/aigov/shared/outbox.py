"""Transactional outbox: an event is published if and only if its transaction committed.

Writers call :func:`stage_event` inside their transaction. The :class:`OutboxRelay` claims
unpublished rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several replicas can relay), sends
them, waits for the broker's acknowledgement and only then marks them published. A crash between
publish and mark publishes the row again: delivery is at least once and consumers dedupe on the
event id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from aigov.shared import activity
from aigov.shared.bus import Publisher
from aigov.shared.bus_tables import OutboxEvent
from aigov.shared.db import transaction, utcnow
from aigov.shared.events import CloudEvent
from aigov.shared.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG

logger = logging.getLogger(__name__)

_STAGED = "aigov_outbox_staged"
_wakers: set[asyncio.Event] = set()


def stage_event(session: AsyncSession, topic: str, event: CloudEvent, *, key: str) -> None:
    """Add ``event`` to the session's transaction; the relay publishes it after commit."""
    session.add(
        OutboxEvent(
            event_id=event.id,
            topic=topic,
            key=key,
            envelope=event.model_dump(mode="json"),
        )
    )
    session.sync_session.info[_STAGED] = True


@sa_event.listens_for(Session, "after_commit")
def _wake_relays(session: Session) -> None:
    # Publish right after commit instead of waiting for the next poll.
    if session.info.pop(_STAGED, False):
        for waker in _wakers:
            waker.set()


@sa_event.listens_for(Session, "after_rollback")
def _forget_staged(session: Session) -> None:
    session.info.pop(_STAGED, None)


class OutboxRelay:
    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        *,
        use_skip_locked: bool,
        batch_size: int = 100,
        poll_interval_s: float = 0.5,
    ) -> None:
        self._factory = factory
        self._publisher = publisher
        self._skip_locked = use_skip_locked
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        _wakers.add(self._wake)
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        _wakers.discard(self._wake)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            # Cleared before the pass: a commit during the pass or the pause wakes the next wait.
            self._wake.clear()
            started = time.monotonic()
            try:
                relayed = await self.relay_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("outbox relay pass failed; will retry", exc_info=True)
                relayed = 0
            if relayed:
                await activity.pause_for_requests(time.monotonic() - started, "outbox-relay")
            if relayed < self._batch_size:
                try:
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
                except TimeoutError:
                    pass

    async def relay_once(self) -> int:
        """Publish one batch of pending events; returns how many were published."""
        async with transaction(self._factory) as session:
            query = (
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.seq)
                .limit(self._batch_size)
            )
            if self._skip_locked:
                query = query.with_for_update(skip_locked=True)
            rows = list((await session.scalars(query)).all())
            if rows:
                await self._publish(rows)
                self._mark_published(rows)
            backlog = await session.scalar(
                select(func.count()).where(OutboxEvent.published_at.is_(None))
            )
        OUTBOX_BACKLOG.set(backlog or 0)
        return len(rows)

    async def _publish(self, rows: list[OutboxEvent]) -> None:
        # Queue the whole batch, then wait for every acknowledgement: the idempotent producer
        # keeps per-partition order, and one failure rolls the batch back for a retry.
        futures: list[asyncio.Future[Any]] = []
        for row in rows:
            row.attempts += 1
            event = CloudEvent.model_validate(row.envelope)
            value, headers = event.to_kafka()
            headers.append(("ce_partitionkey", row.key.encode()))
            futures.append(
                await self._publisher.send(row.topic, key=row.key, value=value, headers=headers)
            )
        await asyncio.gather(*futures)
        for row in rows:
            EVENTS_PUBLISHED.labels(row.topic).inc()

    def _mark_published(self, rows: list[OutboxEvent]) -> None:
        now = utcnow()
        for row in rows:
            row.published_at = now
