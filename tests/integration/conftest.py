from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.shared.bus import Publisher, ensure_topics
from aigov.shared.consumer import ConsumerRunner
from aigov.shared.db import create_engine, create_session_factory
from aigov.shared.migrations import upgrade_async
from aigov.shared.topics import dlq

pytestmark = pytest.mark.integration


@pytest.fixture
async def publisher(kafka: str) -> AsyncIterator[Publisher]:
    pub = Publisher(kafka, client_id="tests")
    await pub.start()
    yield pub
    await pub.stop()


@pytest.fixture
async def topic(kafka: str) -> str:
    """A fresh topic (and its dead-letter topic) per test."""
    name = f"test.{uuid.uuid4().hex[:10]}.events"
    await ensure_topics(kafka, [name, dlq(name)], partitions=1, replication_factor=1)
    return name


@pytest.fixture
async def bus_db(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated database carrying the bus tables (the inventory's schema has them)."""
    await upgrade_async("aigov.inventory:migrations", database_url)
    engine = create_engine(database_url)
    yield create_session_factory(engine)
    await engine.dispose()


async def read_topic(
    bootstrap: str, topic: str, *, expect: int, timeout: float = 10.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Everything on ``topic`` from the start; waits until ``expect`` records or the timeout
    (then waits a little longer, so an extra unexpected record would be seen too)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        settle: float | None = None
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
            if len(records) >= expect:
                settle = settle or loop.time() + 1.0
                if loop.time() >= settle:
                    break
    finally:
        await consumer.stop()
    return records


def header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            return str(value.decode())
    return None


async def wait_for_offset(runner: ConsumerRunner, topic: str, offset: int) -> None:
    """Until the runner has committed ``offset`` on partition 0 of ``topic``."""
    consumer = runner._consumer
    assert consumer is not None
    tp = TopicPartition(topic, 0)
    for _ in range(150):
        committed = await consumer.committed(tp)
        if committed is not None and committed >= offset:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"consumer did not reach offset {offset} on {topic}")
