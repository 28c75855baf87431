from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra import KafkaBroker, PostgresServer, create_database


@pytest.fixture(scope="session")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Kafka broker (KRaft) for the whole run; yields its bootstrap address."""
    if external := os.environ.get("AIGOV_TEST_KAFKA"):
        yield external
        return
    broker = KafkaBroker.create(tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[str]:
    """A real PostgreSQL server for the whole run; yields its admin DSN."""
    if external := os.environ.get("AIGOV_TEST_POSTGRES_URL"):
        yield external
        return
    # Not under pytest's temp root: each pytest session resets that root to mode 0700, which
    # would lock the `postgres` user out of a server started by a concurrent session.
    data_dir = Path(tempfile.mkdtemp(prefix="aigov-pg-"))
    server = PostgresServer.create(data_dir)
    server.start()
    try:
        yield server.admin_dsn
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


@pytest.fixture
async def database_url(postgres: str) -> str:
    """A fresh PostgreSQL database per test (migrated by whoever uses it)."""
    return await create_database(postgres)
