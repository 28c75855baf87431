"""Revision 0002 on a database that already holds systems registered under 0001."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path

from aigov.inventory.system import service
from aigov.shared.db import create_engine, create_session_factory
from aigov.shared.migrations import upgrade


def test_systems_from_0001_get_a_full_record(tmp_path: Path) -> None:
    # Synchronous: Alembic's own runner starts an event loop for the async driver.
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade("aigov.inventory:migrations", url, "0001")
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO ai_system VALUES (?, 'org-a', 'Old', 'rank CVs', 'hr', "
            "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')",
            (uuid.UUID(int=1).hex,),
        )
    upgrade("aigov.inventory:migrations", url)
    asyncio.run(check(url))


async def check(url: str) -> None:
    engine = create_engine(url)
    async with create_session_factory(engine)() as session:
        system = await service.get_system(
            session, organisation_id="org-a", system_id=uuid.UUID(int=1)
        )
        read = service.to_read(system, None)
        revisions = await service.list_revisions(
            session, organisation_id="org-a", system_id=system.id
        )
        items, _ = await service.list_systems(
            session,
            organisation_id="org-a",
            filters=service.SystemFilters(owner="hr", text="rank"),
            limit=5,
            page_token=None,
        )
    await engine.dispose()
    assert (read.name, read.business_owner, read.revision, read.status) == (
        "Old",
        "hr",
        1,
        "active",
    )
    assert [r.actor for r in revisions] == ["migration"]
    assert [i.id for i in items] == [system.id]
