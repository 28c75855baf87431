from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.shared.db import create_engine, create_session_factory
from aigov.shared.migrations import upgrade_async


@asynccontextmanager
async def migrated_sqlite(
    tmp_path: Path, migrations: str
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A migrated SQLite file: the embedded default, no network. The engine is closed while the
    test's event loop still runs (otherwise aiosqlite threads outlive it)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}"
    await upgrade_async(migrations, url)
    engine = create_engine(url)
    try:
        yield create_session_factory(engine)
    finally:
        await engine.dispose()


@pytest.fixture
async def evidence_db(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_sqlite(tmp_path, "aigov.evidence:migrations") as factory:
        yield factory


@pytest.fixture
async def inventory_db(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_sqlite(tmp_path, "aigov.inventory:migrations") as factory:
        yield factory
