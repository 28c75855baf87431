"""The consumer runner: at-least-once in, exactly-one effect.

For each record: read the CloudEvent, then in one database transaction record its id in
``processed_event`` and run the handler, so a redelivered event has no second effect. The records
of one fetch from a partition share that transaction (one commit, not one per event: a backlog
drains many times faster); if any of them fails, the fetch is rolled back and handled again one
event per transaction, so only the failing event is retried. Offsets are committed explicitly
after handling. A failing handler is retried a bounded number of times, then
the record goes to ``<topic>.dlq`` with its origin and the error in headers, and the partition
keeps flowing. An unavailable database or broker is not the event's fault: the partition is
rewound and the record read again later, so nothing good is dead-lettered during an outage.
While the component serves HTTP requests, the runner takes smaller batches and pauses after
each as long as it took (:mod:`aigov.shared.activity`): people using the platform come before
a backlog.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaConnectionError, KafkaError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.shared import activity
from aigov.shared.bus import KafkaOptions, Publisher
from aigov.shared.bus_tables import ProcessedEvent
from aigov.shared.db import transaction
from aigov.shared.events import CloudEvent, Headers, InvalidEvent
from aigov.shared.logs import event_id_var
from aigov.shared.metrics import (
    CONSUMER_LAG,
    EVENTS_DEAD_LETTERED,
    EVENTS_HANDLED,
    EVENTS_RETRIED,
)
from aigov.shared.topics import dlq

logger = logging.getLogger(__name__)

# Records a fetch; fewer while the component serves requests (see aigov.shared.activity).
BATCH = 200
SERVING_BATCH = 20


class Handler(Protocol):
    """Applies one event inside the consumer's transaction (flush, never commit)."""

    def __call__(
        self, session: AsyncSession, event: CloudEvent, *, topic: str
    ) -> Awaitable[None]: ...


@dataclass(frozen=True)
class Subscription:
    """What a component consumes: its consumer group, the topics and one handler."""

    group_id: str
    topics: Sequence[str]
    handler: Handler


class ConsumerRunner:
    def __init__(
        self,
        subscription: Subscription,
        *,
        factory: async_sessionmaker[AsyncSession],
        publisher: Publisher,
        bootstrap_servers: str,
        max_retries: int = 3,
        retry_backoff_s: float = 0.2,
        kafka_options: KafkaOptions | None = None,
    ) -> None:
        self.subscription = subscription
        self._kafka_options = dict(kafka_options or {})
        self._factory = factory
        self._publisher = publisher
        self._bootstrap_servers = bootstrap_servers
        self._max_retries = max_retries
        self._retry_backoff_s = retry_backoff_s
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._consumer = AIOKafkaConsumer(
            *self.subscription.topics,
            bootstrap_servers=self._bootstrap_servers,
            group_id=self.subscription.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            **self._kafka_options,
        )
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.subscription.group_id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._consumer is not None:
            await self._consumer.stop()

    async def _run(self) -> None:
        consumer = self._consumer
        assert consumer is not None
        while True:
            try:
                # Smaller batches while serving requests, so the pauses come more often.
                size = SERVING_BATCH if activity.serving_requests() else BATCH
                batches = await consumer.getmany(timeout_ms=500, max_records=size)
            except KafkaError:
                logger.warning("fetch failed; retrying", exc_info=True)
                await asyncio.sleep(1.0)
                continue
            for tp, records in batches.items():
                started = time.monotonic()
                await self._process(consumer, tp, records)
                await self._record_lag(consumer, tp)
                await activity.pause_for_requests(
                    time.monotonic() - started, self.subscription.group_id
                )

    async def _process(
        self,
        consumer: AIOKafkaConsumer,
        tp: TopicPartition,
        records: list[ConsumerRecord[Any, Any]],
    ) -> None:
        """Handle a partition's batch in order; commit what was handled.

        When the database or the broker is away, nothing is dead-lettered: the partition is
        rewound to the record that could not be handled and read again after a pause.
        """
        next_offset: int | None = None
        try:
            try:
                if len(records) > 1 and await self._handle_together(records):
                    next_offset, records = records[-1].offset + 1, []
            except asyncio.CancelledError:
                raise
            except Exception:
                await self._rewind(consumer, tp, records[0])
                records = []
            for record in records:
                try:
                    await self._handle(record)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    await self._rewind(consumer, tp, record)
                    break
                next_offset = record.offset + 1
            if next_offset is not None:
                await consumer.commit({tp: next_offset})
        except CommitFailedError:
            # A rebalance moved the partition; its new owner re-reads and dedupes.
            logger.warning("offset commit failed during a rebalance", exc_info=True)
        except KafkaError:
            logger.warning("offset commit failed; the records will be re-read", exc_info=True)

    async def _rewind(
        self, consumer: AIOKafkaConsumer, tp: TopicPartition, record: ConsumerRecord[Any, Any]
    ) -> None:
        logger.warning(
            "infrastructure unavailable; will re-read %s at offset %d",
            tp,
            record.offset,
            exc_info=True,
        )
        consumer.seek(tp, record.offset)
        await asyncio.sleep(self._retry_backoff_s * 5)

    async def _handle_together(self, records: list[ConsumerRecord[Any, Any]]) -> bool:
        """Handle ``records`` in one transaction. False (nothing kept) when one of them is
        unreadable or its handler fails: the caller then goes one by one. Raises when the
        infrastructure is away."""
        events: list[tuple[ConsumerRecord[Any, Any], CloudEvent]] = []
        for record in records:
            try:
                events.append((record, CloudEvent.from_kafka(record.headers, record.value)))
            except InvalidEvent:
                return False
        outcomes: list[tuple[str, str]] = []
        try:
            async with transaction(self._factory) as session:
                for record, event in events:
                    token = event_id_var.set(event.id)
                    try:
                        outcomes.append((record.topic, await self._apply(session, record, event)))
                    finally:
                        event_id_var.reset(token)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_transient(exc):
                raise
            logger.info("a fetch failed together; handling its events one by one", exc_info=True)
            return False
        for topic, outcome in outcomes:
            EVENTS_HANDLED.labels(topic, outcome).inc()
        return True

    async def _record_lag(self, consumer: AIOKafkaConsumer, tp: TopicPartition) -> None:
        highwater = consumer.highwater(tp)
        if highwater is None:
            return
        position = await consumer.position(tp)
        CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(max(0, highwater - position))

    async def _handle(self, record: ConsumerRecord[Any, Any]) -> None:
        try:
            event = CloudEvent.from_kafka(record.headers, record.value)
        except InvalidEvent as exc:
            await self._dead_letter(record, exc)
            return
        token = event_id_var.set(event.id)
        try:
            await self._handle_event(record, event)
        finally:
            event_id_var.reset(token)

    async def _handle_event(self, record: ConsumerRecord[Any, Any], event: CloudEvent) -> None:
        for attempt in range(self._max_retries + 1):
            try:
                async with transaction(self._factory) as session:
                    outcome = await self._apply(session, record, event)
                EVENTS_HANDLED.labels(record.topic, outcome).inc()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_transient(exc):
                    raise  # not the event's fault: rewind and retry, never dead-letter
                if attempt >= self._max_retries:
                    logger.error(
                        "handler failed %d times; dead-lettering", attempt + 1, exc_info=True
                    )
                    await self._dead_letter(record, exc)
                    return
                EVENTS_RETRIED.labels(record.topic).inc()
                logger.warning("handler failed (attempt %d); retrying", attempt + 1, exc_info=True)
                await asyncio.sleep(self._retry_backoff_s * 2**attempt)

    async def _apply(
        self, session: AsyncSession, record: ConsumerRecord[Any, Any], event: CloudEvent
    ) -> str:
        """Record the event as processed and run the handler, unless it was seen before."""
        group = self.subscription.group_id
        seen = await session.scalar(
            select(ProcessedEvent.event_id).where(
                ProcessedEvent.event_id == event.id, ProcessedEvent.consumer == group
            )
        )
        if seen is not None:
            return "duplicate"
        # Inserted first: a concurrent twin fails on the primary key and rolls back.
        session.add(ProcessedEvent(event_id=event.id, consumer=group, topic=record.topic))
        await session.flush()
        await self.subscription.handler(session, event, topic=record.topic)
        return "handled"

    async def _dead_letter(self, record: ConsumerRecord[Any, Any], exc: Exception) -> None:
        headers: Headers = list(record.headers or [])
        headers += [
            ("dlq_original_topic", record.topic.encode()),
            ("dlq_original_partition", str(record.partition).encode()),
            ("dlq_original_offset", str(record.offset).encode()),
            ("dlq_consumer_group", self.subscription.group_id.encode()),
            ("dlq_error_type", type(exc).__name__.encode()),
            ("dlq_error_message", str(exc)[:2000].encode()),
        ]
        key = record.key.decode() if isinstance(record.key, bytes) else None
        fut = await self._publisher.send(
            dlq(record.topic), key=key, value=record.value, headers=headers
        )
        await fut
        EVENTS_DEAD_LETTERED.labels(record.topic).inc()


def is_transient(exc: BaseException) -> bool:
    """Failures of the infrastructure (database or network away), as opposed to the event's."""
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return isinstance(exc, OSError | TimeoutError | KafkaConnectionError)


def required_org(event: CloudEvent) -> str:
    """The event's organisation; tenant data without one is a contract breach (dead-lettered)."""
    if not event.orgid:
        raise ValueError(f"event {event.id} of type {event.type} carries no orgid")
    return event.orgid


def dispatch_by_type(handlers: dict[str, Handler]) -> Handler:
    """One handler that routes on ``ce_type``; types nobody handles are acknowledged and skipped
    (a newer producer may emit types this consumer does not know yet)."""

    async def handle(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
        handler = handlers.get(event.type)
        if handler is not None:
            await handler(session, event, topic=topic)

    return handle
