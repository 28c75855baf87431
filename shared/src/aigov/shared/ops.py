"""Operations a deployment runs once, outside the services: migrations and topic creation.

``python -m aigov.shared.ops migrate inventory`` upgrades the inventory database named by
``INVENTORY_DATABASE_URL`` to the newest revision; ``python -m aigov.shared.ops create-topics``
creates every topic and its dead-letter topic (``AIGOV_TOPIC_PARTITIONS``,
``AIGOV_TOPIC_REPLICATION_FACTOR`` and the broker settings of
:class:`aigov.shared.config.ServiceSettings`). The Helm chart runs both as hook Jobs, so the
services start with ``<SERVICE>_MIGRATE_ON_START=false`` and ``<SERVICE>_CREATE_TOPICS=false``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from aigov.shared.bus import ensure_topics, kafka_client_options
from aigov.shared.config import ServiceSettings
from aigov.shared.logs import configure_logging
from aigov.shared.migrations import upgrade
from aigov.shared.topics import ALL_TOPICS, with_dlqs

logger = logging.getLogger("aigov.ops")

COMPONENTS = ("inventory", "classifier", "monitoring", "evidence", "gateway")


def migrate(component: str, environ: dict[str, str] | None = None) -> None:
    env = os.environ if environ is None else environ
    variable = f"{component.upper()}_DATABASE_URL"
    url = env.get(variable)
    if not url:
        raise SystemExit(f"{variable} is not set")
    upgrade(f"aigov.{component}:migrations", url)
    logger.info("database migrated", extra={"component": component})


async def create_topics(settings: ServiceSettings) -> None:
    await ensure_topics(
        settings.kafka_bootstrap_servers,
        with_dlqs(ALL_TOPICS),
        partitions=settings.topic_partitions,
        replication_factor=settings.topic_replication_factor,
        kafka_options=kafka_client_options(settings),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m aigov.shared.ops", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    m = commands.add_parser("migrate", help="upgrade a component's database to head")
    m.add_argument("component", choices=COMPONENTS)
    commands.add_parser("create-topics", help="create the missing topics and their .dlq")
    args = parser.parse_args(argv)
    settings = ServiceSettings()
    configure_logging("ops", settings.log_level)
    if args.command == "migrate":
        migrate(args.component)
    else:
        asyncio.run(create_topics(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
