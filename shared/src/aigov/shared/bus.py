"""Kafka access: the idempotent publisher (acks=all) and topic administration."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.helpers import create_ssl_context

from aigov.shared.config import ServiceSettings
from aigov.shared.events import CloudEvent, Headers

logger = logging.getLogger(__name__)


KafkaOptions = Mapping[str, Any]


def kafka_client_options(settings: ServiceSettings) -> dict[str, Any]:
    """The aiokafka keyword arguments for the broker security in ``settings``.

    Empty for PLAINTEXT, so every client is built exactly as before unless security is set.
    The same arguments suit the producer, the consumers and the admin client.
    """
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol in ("SSL", "SASL_SSL"):
        options["ssl_context"] = create_ssl_context(
            cafile=settings.kafka_ssl_cafile,
            certfile=settings.kafka_ssl_certfile,
            keyfile=settings.kafka_ssl_keyfile,
        )
    if protocol in ("SASL_PLAINTEXT", "SASL_SSL"):
        if not settings.kafka_sasl_username or settings.kafka_sasl_password is None:
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_USERNAME and "
                "KAFKA_SASL_PASSWORD"
            )
        options |= {
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": settings.kafka_sasl_username,
            "sasl_plain_password": settings.kafka_sasl_password,
        }
    return options


class Publisher:
    """One idempotent producer per process. ``enable_idempotence`` forces ``acks=all``."""

    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str,
        *,
        kafka_options: KafkaOptions | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
            **(kafka_options or {}),
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
    kafka_options: KafkaOptions | None = None,
) -> None:
    """Create the topics that do not exist yet (idempotent, safe to race)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **(kafka_options or {}))
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
