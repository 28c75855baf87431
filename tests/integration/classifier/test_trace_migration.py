"""Revision 0004 moves the reasoning trace out of ``result`` into its own column, on both
databases, and back on downgrade; nothing of a stored classification is lost either way."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.ext.asyncio import create_async_engine

from aigov.shared.migrations import alembic_config, upgrade

MIGRATIONS = "aigov.classifier:migrations"
pytestmark = pytest.mark.integration

TRACE = [{"rule": "art6_2", "result": "applies", "because": ["use.employment_recruitment"]}]
RESULT = {"risk_tier": "high_risk", "needs_review": False, "obligations": [], "trace": TRACE}


async def _run(url: str, statement: str, **params: object) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(sa.text(statement), params)
            return [tuple(row) for row in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


def _json(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


async def _check(url: str) -> None:
    await asyncio.to_thread(upgrade, MIGRATIONS, url, "0003")
    await _run(
        url,
        "INSERT INTO classification (id, organisation_id, system_id, version, risk_tier, "
        "needs_review, as_of, rulebook_version, rulebook_hash, facts_hash, facts, result, "
        "\"trigger\", created_by, created_at) VALUES (:id, 'org', :sid, 1, 'high_risk', false, "
        "'2026-11-28', 'v1', 'h', 'f', '{}', :result, 'registered', 'test', "
        "'2026-11-28 00:00:00')",
        id=uuid.uuid4().hex if url.startswith("sqlite") else str(uuid.uuid4()),
        sid=uuid.uuid4().hex if url.startswith("sqlite") else str(uuid.uuid4()),
        result=json.dumps(RESULT),
    )
    await asyncio.to_thread(upgrade, MIGRATIONS, url)
    [(result, trace)] = await _run(url, "SELECT result, trace FROM classification")
    assert _json(result) == {k: v for k, v in RESULT.items() if k != "trace"}
    assert _json(trace) == TRACE

    await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, url), "0003")
    [(result,)] = await _run(url, "SELECT result FROM classification")
    assert _json(result) == RESULT


async def test_trace_moves_to_its_own_column_on_sqlite(tmp_path: Path) -> None:
    await _check(f"sqlite+aiosqlite:///{tmp_path / 'classifier.db'}")


async def test_trace_moves_to_its_own_column_on_postgres(database_url: str) -> None:
    await _check(database_url)
