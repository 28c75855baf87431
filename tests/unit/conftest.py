from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.shared.db import create_engine, create_session_factory
from aigov.shared.migrations import upgrade_async


async def migrated_sqlite(tmp_path: Path, migrations: str) -> async_sessionmaker[AsyncSession]:
    """A migrated SQLite file: the embedded default, no network."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'unit.db'}"
    await upgrade_async(migrations, url)
    return create_session_factory(create_engine(url))


@pytest.fixture
async def evidence_db(tmp_path: Path) -> async_sessionmaker[AsyncSession]:
    return await migrated_sqlite(tmp_path, "aigov.evidence:migrations")


@pytest.fixture
async def inventory_db(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    factory = await migrated_sqlite(tmp_path, "aigov.inventory:migrations")
    yield factory
    # Close the aiosqlite threads while the test's event loop is still running.
    await factory.kw["bind"].dispose()
