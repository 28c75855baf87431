"""The app factory for a service that owns a database and talks to the bus.

The lifespan builds everything (no import-time side effects): engine, migrations, publisher,
topics, outbox relay and consumers; it closes them in reverse order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from fastapi import APIRouter, FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from aigov.shared.bus import Publisher, ensure_topics, kafka_client_options
from aigov.shared.config import ServiceSettings
from aigov.shared.consumer import ConsumerRunner, Subscription
from aigov.shared.db import create_engine, create_session_factory, is_postgres, ping
from aigov.shared.logs import configure_logging
from aigov.shared.migrations import upgrade_async
from aigov.shared.outbox import OutboxRelay
from aigov.shared.topics import ALL_TOPICS, with_dlqs
from aigov.shared.web import add_readiness_check, create_base_app


@dataclass
class ServiceSpec:
    title: str
    description: str
    migrations: str  # package resource, e.g. "aigov.inventory:migrations"
    routers: Sequence[APIRouter] = ()
    subscriptions: Sequence[Subscription] = ()
    version: str = "0.1.0"


@dataclass
class Runtime:
    """What the lifespan built; routes reach it through ``request.app.state.runtime``."""

    settings: ServiceSettings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    publisher: Publisher
    relay: OutboxRelay
    consumers: list[ConsumerRunner] = field(default_factory=list)


def create_service_app(spec: ServiceSpec, settings: ServiceSettings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        if settings.migrate_on_start:
            await upgrade_async(spec.migrations, settings.database_url)
        engine = create_engine(settings.database_url)
        factory = create_session_factory(engine)
        kafka_options = kafka_client_options(settings)
        if settings.create_topics:
            await ensure_topics(
                settings.kafka_bootstrap_servers,
                with_dlqs(ALL_TOPICS),
                partitions=settings.topic_partitions,
                replication_factor=settings.topic_replication_factor,
                kafka_options=kafka_options,
            )
        publisher = Publisher(
            settings.kafka_bootstrap_servers,
            client_id=settings.service_name,
            kafka_options=kafka_options,
        )
        await publisher.start()
        relay = OutboxRelay(
            factory,
            publisher,
            use_skip_locked=is_postgres(settings.database_url),
            batch_size=settings.outbox_batch_size,
            poll_interval_s=settings.outbox_poll_interval_s,
        )
        runtime = Runtime(settings, engine, factory, publisher, relay)
        app.state.runtime = runtime
        app.state.internal_secret = settings.internal_secret
        add_readiness_check(app, "database", lambda: ping(engine))
        add_readiness_check(app, "broker", lambda: publisher.ping(settings.readiness_timeout_s))
        relay.start()
        try:
            for subscription in spec.subscriptions:
                runner = ConsumerRunner(
                    subscription,
                    factory=factory,
                    publisher=publisher,
                    bootstrap_servers=settings.kafka_bootstrap_servers,
                    max_retries=settings.consumer_max_retries,
                    retry_backoff_s=settings.consumer_retry_backoff_s,
                    kafka_options=kafka_options,
                )
                await runner.start()
                runtime.consumers.append(runner)
            yield
        finally:
            for runner in reversed(runtime.consumers):
                await runner.stop()
            await relay.stop()
            await publisher.stop()
            await engine.dispose()

    app = create_base_app(
        title=spec.title, version=spec.version, description=spec.description, lifespan=lifespan
    )
    for router in spec.routers:
        app.include_router(router)
    return app
