"""What the chart's hook Jobs run, against the real PostgreSQL and Kafka: the same command line."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text

from aigov.shared.db import create_engine
from aigov.shared.topics import ALL_TOPICS, with_dlqs

pytestmark = pytest.mark.integration


async def run_ops(*args: str, env: dict[str, str]) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aigov.shared.ops",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout=120)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


async def test_migration_job_command_upgrades_a_postgresql_database(database_url: str) -> None:
    code, out = await run_ops(
        "migrate", "classifier", env={"CLASSIFIER_DATABASE_URL": database_url}
    )
    assert code == 0, out
    engine = create_engine(database_url)
    try:
        async with engine.connect() as conn:
            version = await conn.scalar(text("select version_num from alembic_version"))
            outbox = await conn.scalar(text("select count(*) from outbox_event"))
    finally:
        await engine.dispose()
    assert version
    assert outbox == 0
    # Running it again (every upgrade does) changes nothing and succeeds.
    code, out = await run_ops(
        "migrate", "classifier", env={"CLASSIFIER_DATABASE_URL": database_url}
    )
    assert code == 0, out


async def test_topics_job_command_creates_every_topic_and_dlq(kafka: str) -> None:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_SECURITY_PROTOCOL": "PLAINTEXT",
        "AIGOV_TOPIC_PARTITIONS": "2",
        "AIGOV_TOPIC_REPLICATION_FACTOR": "1",
    }
    code, out = await run_ops("create-topics", env=env)
    assert code == 0, out
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
    finally:
        await admin.close()
    assert set(with_dlqs(ALL_TOPICS)) <= existing
    code, out = await run_ops("create-topics", env=env)
    assert code == 0, out


async def test_topics_job_fails_loudly_on_a_misconfigured_broker_security(kafka: str) -> None:
    code, out = await run_ops(
        "create-topics",
        env={"KAFKA_BOOTSTRAP_SERVERS": kafka, "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT"},
    )
    assert code != 0
    assert "KAFKA_SASL_USERNAME" in out
