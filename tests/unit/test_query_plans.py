"""The hot per-system reads use the index made for them on SQLite (the embedded default, which
has no statistics to choose by): without it each read walked the organisation's whole index."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from tests.unit.conftest import migrated_sqlite


async def _plan(tmp_path: Path, migrations: str, query: str) -> str:
    async with migrated_sqlite(tmp_path, migrations) as factory, factory() as session:
        rows = (await session.execute(sa.text(f"EXPLAIN QUERY PLAN {query}"))).all()
    return " | ".join(str(row[-1]) for row in rows)


async def test_a_systems_ledger_entries_come_from_the_subject_seq_index(tmp_path: Path) -> None:
    plan = await _plan(
        tmp_path,
        "aigov.evidence:migrations",
        "SELECT * FROM ledger_entry WHERE seq > 0 AND organisation_id = 'org' "
        "AND subject = 's' ORDER BY seq LIMIT 20",
    )
    assert "ix_ledger_entry_subject_seq" in plan
    assert "TEMP B-TREE" not in plan  # no sort: the index gives ledger order


async def test_newest_classification_versions_come_from_the_system_version_index(
    tmp_path: Path,
) -> None:
    plan = await _plan(
        tmp_path,
        "aigov.classifier:migrations",
        "SELECT system_id, max(version) FROM classification WHERE system_id IN ('a', 'b') "
        "GROUP BY system_id",
    )
    assert "COVERING INDEX" in plan
    assert "organisation" not in plan
