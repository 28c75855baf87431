"""Kafka access: the idempotent publisher (acks=all) and topic administration."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from aigov.shared.events import CloudEvent, Headers

logger = logging.getLogger(__name__)


class Publisher:
    """One idempotent producer per process. ``enable_idempotence`` forces ``acks=all``."""

    def __init__(self, bootstrap_servers: str, client_id: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def send(
        self, topic: str, *, key: str | None, value: bytes | None, headers: Headers
    ) -> asyncio.Future[object]:
        """Queue a record; await the returned future for the broker's acknowledgement."""
        fut: asyncio.Future[object] = await self._producer.send(
            topic, value=value, key=key.encode() if key else None, headers=headers
        )
        return fut

    async def publish(self, topic: str, event: CloudEvent, *, key: str | None) -> None:
        """Publish one event and wait until the broker acknowledged it."""
        value, headers = event.to_kafka()
        if key:
            headers.append(("ce_partitionkey", key.encode()))
        await (await self.send(topic, key=key, value=value, headers=headers))

    async def ping(self, timeout: float) -> None:
        """Raise unless a broker answers a metadata request within ``timeout`` seconds."""
        await asyncio.wait_for(self._producer.client.fetch_all_metadata(), timeout)


async def ensure_topics(
    bootstrap_servers: str,
    topics: Iterable[str],
    *,
    partitions: int,
    replication_factor: int,
) -> None:
    """Create the topics that do not exist yet (idempotent, safe to race)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        if not missing:
            return
        response = await admin.create_topics(
            [NewTopic(t, partitions, replication_factor) for t in missing]
        )
        # Per-topic errors; "already exists" means another process won the race, which is fine.
        for topic, code, *rest in response.topic_errors:
            if code not in (0, TopicAlreadyExistsError.errno):
                raise KafkaError(f"cannot create topic {topic}: error {code} {rest}")
        logger.info("created topics", extra={"topics": missing})
    finally:
        await admin.close()
