"""The outbox publishes an event if and only if its transaction committed."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.shared.bus import Publisher
from aigov.shared.bus_tables import OutboxEvent
from aigov.shared.consumer import ConsumerRunner, Subscription
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
from aigov.shared.db import transaction
from aigov.shared.events import CloudEvent, make_event
from aigov.shared.outbox import OutboxRelay, stage_event
from tests.integration.conftest import header, read_topic, wait_for_offset

pytestmark = pytest.mark.integration


def registration() -> CloudEvent:
    payload = SystemRegisteredV1(
        system_id=uuid.uuid4(),
        facts=SystemFactsV1(name="CV screener", intended_purpose="rank CVs", business_owner="hr"),
    )
    return make_event(
        payload, source="/tests", subject=str(payload.system_id), organisation_id="org-a"
    )


def relay_for(factory: async_sessionmaker[AsyncSession], publisher: Publisher) -> OutboxRelay:
    return OutboxRelay(factory, publisher, use_skip_locked=True)


async def test_rolled_back_transaction_publishes_nothing(
    bus_db: async_sessionmaker[AsyncSession], publisher: Publisher, kafka: str, topic: str
) -> None:
    event = registration()

    async def failing_write() -> None:
        async with transaction(bus_db) as session:
            stage_event(session, topic, event, key=event.subject or "")
            raise RuntimeError("the business write failed")

    with pytest.raises(RuntimeError):
        await failing_write()

    assert await relay_for(bus_db, publisher).relay_once() == 0
    async with bus_db() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    assert await read_topic(kafka, topic, expect=0, timeout=2) == []


async def test_committed_transaction_publishes_exactly_once(
    bus_db: async_sessionmaker[AsyncSession], publisher: Publisher, kafka: str, topic: str
) -> None:
    event = registration()
    async with transaction(bus_db) as session:
        stage_event(session, topic, event, key=event.subject or "")

    relay = relay_for(bus_db, publisher)
    assert await relay.relay_once() == 1
    assert await relay.relay_once() == 0  # marked published: never sent again

    records = await read_topic(kafka, topic, expect=1)
    assert [header(r, "ce_id") for r in records] == [event.id]
    assert records[0].key == (event.subject or "").encode()
    received = CloudEvent.from_kafka(records[0].headers, records[0].value)
    assert received.payload(SystemRegisteredV1) == event.payload(SystemRegisteredV1)


async def test_relay_crash_after_publish_is_deduplicated_by_the_consumer(
    bus_db: async_sessionmaker[AsyncSession],
    publisher: Publisher,
    kafka: str,
    topic: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    staged = registration()
    async with transaction(bus_db) as session:
        stage_event(session, topic, staged, key=staged.subject or "")

    relay = relay_for(bus_db, publisher)

    def crash(_: object) -> None:
        raise RuntimeError("relay died between publish and marking sent")

    monkeypatch.setattr(relay, "_mark_published", crash)
    with pytest.raises(RuntimeError):
        await relay.relay_once()
    monkeypatch.undo()
    assert await relay.relay_once() == 1  # still pending after the crash: sent again

    records = await read_topic(kafka, topic, expect=2)
    assert [header(r, "ce_id") for r in records] == [staged.id, staged.id]

    effects: list[str] = []

    async def count(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
        effects.append(event.id)

    runner = ConsumerRunner(
        Subscription(group_id=f"g-{uuid.uuid4().hex[:6]}", topics=[topic], handler=count),
        factory=bus_db,
        publisher=publisher,
        bootstrap_servers=kafka,
    )
    await runner.start()
    try:
        await wait_for_offset(runner, topic, 2)
    finally:
        await runner.stop()
    assert effects == [staged.id]
