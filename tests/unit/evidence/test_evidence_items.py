"""Evidence items on SQLite and the filesystem store: versions, references, retention, scrub."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.evidence.blobstore import HashMismatch, PayloadTooLarge
from aigov.evidence.item import service
from aigov.evidence.item.models import Blob
from aigov.evidence.item.schemas import EvidenceMeta
from aigov.evidence.ledger import service as ledger
from aigov.evidence.ledger.models import LedgerEntry
from aigov.evidence.refs import add_months, rulebook
from aigov.shared.bus_tables import OutboxEvent
from aigov.shared.db import transaction
from aigov.shared.problems import Conflict, NotFound, Unprocessable
from tests.unit.evidence.helpers import chunks, put, runtime


def meta(**kw: object) -> EvidenceMeta:
    return EvidenceMeta.model_validate(
        {"kind": "policy", "title": "AI policy", "iso_refs": ["A.2.2", "5.2"]} | kw
    )


async def test_add_supersede_and_list_versions(
    evidence_db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    rt = runtime(tmp_path)
    system = uuid.uuid4()
    async with transaction(evidence_db) as session:
        v1 = await service.add_item(
            session,
            organisation_id="org-a",
            actor="alice",
            meta=meta(system_id=system, provisions=["Art. 9", "Annex IV point 5"]),
            stored=await put(rt, b"version one"),
            media_type="text/plain",
        )
        v2 = await service.add_item(
            session,
            organisation_id="org-a",
            actor="alice",
            meta=meta(system_id=system, title="AI policy v2"),
            stored=await put(rt, b"version two"),
            media_type="text/plain",
            supersedes=v1.id,
        )
        with pytest.raises(Conflict):  # only the current version can be superseded
            await service.add_item(
                session,
                organisation_id="org-a",
                actor="alice",
                meta=meta(),
                stored=await put(rt, b"x"),
                media_type="text/plain",
                supersedes=v1.id,
            )
    async with evidence_db() as session:
        versions = await service.list_items(
            session, organisation_id="org-a", lineage_id=v1.lineage_id
        )
        assert [(v.version, v.status) for v in versions] == [(1, "superseded"), (2, "current")]
        assert v2.supersedes_id == v1.id
        assert v2.lineage_id == v1.id
        assert v1.sha256 == hashlib.sha256(b"version one").hexdigest()
        # Both actions are in the ledger, once each, and staged for the bus.
        entries = await ledger.list_entries(
            session, organisation_id="org-a", subject=str(system), after=0, limit=10
        )
        assert [e.event_type for e in entries] == [
            "aigov.evidence.item.added",
            "aigov.evidence.item.superseded",
        ]
        assert [e.seq for e in entries] == [v1.ledger_seq, v2.ledger_seq]
        staged = (await session.scalars(select(OutboxEvent.event_id))).all()
        assert set(staged) == {e.event_id for e in entries}
        assert await service.list_items(session, organisation_id="org-b") == []
        with pytest.raises(NotFound):
            await service.get_item(session, item_id=v1.id, organisation_id="org-b")
        assert [
            i.id
            for i in await service.list_items(
                session, organisation_id="org-a", control="A.2.2", status="current"
            )
        ] == [v2.id]


def test_unknown_references_are_refused() -> None:
    service.validate_meta(
        meta(provisions=["Art. 26(6)", "Annex III point 4(a)", "Annex VIII Section A", "Art. 4a"])
    )
    for bad in (
        {"provisions": ["Art. 999"]},
        {"provisions": ["Annex XIV"]},
        {"provisions": ["Annex IV point 12"]},
        {"provisions": ["Article 9"]},
        {"iso_refs": ["A.2.1"]},
        {"iso_refs": ["A.11.2"]},
        {"kind": "novel"},
    ):
        with pytest.raises(Unprocessable):
            service.validate_meta(meta(**bad))


def test_the_data_files_hold_38_annex_a_controls_and_the_clauses() -> None:
    rules = rulebook()
    assert len(rules.annex_a) == 38
    assert {c.group for c in rules.annex_a} == {f"A.{i}" for i in range(2, 11)}
    assert {c.id.split(".")[0] for c in rules.clauses} == {str(i) for i in range(4, 11)}
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)


async def test_retention_refuses_early_deletion_then_tombstones(
    evidence_db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    rt = runtime(tmp_path)
    placed = date(2026, 1, 15)
    async with transaction(evidence_db) as session:
        doc = await service.add_item(
            session,
            organisation_id="org-a",
            actor="a",
            meta=meta(kind="technical_documentation", placed_on_market=placed),
            stored=await put(rt, b"annex iv"),
            media_type="application/pdf",
        )
        logs = await service.add_item(
            session,
            organisation_id="org-a",
            actor="a",
            meta=meta(kind="log_export"),
            stored=await put(rt, b"logs"),
            media_type="text/plain",
        )
        with pytest.raises(Unprocessable):  # shorter than the legal minimum
            await service.add_item(
                session,
                organisation_id="org-a",
                actor="a",
                meta=meta(kind="log_export", retention_until=date.today()),
                stored=await put(rt, b"logs2"),
                media_type="text/plain",
            )
    assert doc.retention_until == date(2036, 1, 15)
    assert doc.retention_basis is not None
    assert "Art. 18" in doc.retention_basis
    assert logs.retention_until == add_months(logs.created_at.date(), 6)
    async with transaction(evidence_db) as session:
        with pytest.raises(Conflict) as refused:
            await service.tombstone_item(
                session, store=rt.store, item_id=doc.id, organisation_id="org-a"
            )
    assert refused.value.extensions["retention_until"] == date(2036, 1, 15)
    later = datetime(2036, 1, 16, tzinfo=UTC)
    async with transaction(evidence_db) as session:
        gone = await service.tombstone_item(
            session, store=rt.store, item_id=doc.id, organisation_id="org-a", now=later
        )
    assert gone.status == "tombstoned"
    assert not await rt.store.exists(doc.sha256)
    async with evidence_db() as session:
        entry = await session.get(LedgerEntry, gone.ledger_seq)
        assert entry is not None
        assert entry.event_type == "aigov.evidence.item.tombstoned"
        assert entry.envelope["data"]["sha256"] == doc.sha256
        assert entry.envelope["data"]["content_deleted"] is True
        report = await ledger.verify_ledger(session, rt.signer)
        assert report.valid
    with pytest.raises(service.Gone):
        service.ensure_readable(gone)


async def test_store_streams_dedupes_and_refuses_bad_uploads(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    data = bytes(range(256)) * 4000
    first = await put(rt, data)
    second = await put(rt, data)
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert first.size == len(data)
    assert not first.deduplicated
    assert second.deduplicated
    assert b"".join([c async for c in rt.store.read(first.sha256)]) == data
    with pytest.raises(PayloadTooLarge):
        await rt.store.put(chunks(data), max_bytes=len(data) - 1, expected_sha256=None)
    with pytest.raises(HashMismatch):
        await rt.store.put(chunks(b"abc"), max_bytes=100, expected_sha256="0" * 64)

    async def interrupted() -> AsyncIterator[bytes]:
        yield b"partial"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await rt.store.put(interrupted(), max_bytes=100, expected_sha256=None)
    assert not await rt.store.exists(hashlib.sha256(b"partial").hexdigest())
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []  # no partial file left


async def test_scrub_detects_corruption_once_and_heals(
    evidence_db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    rt = runtime(tmp_path)
    async with transaction(evidence_db) as session:
        item = await service.add_item(
            session,
            organisation_id="org-a",
            actor="a",
            meta=meta(),
            stored=await put(rt, b"precious"),
            media_type="text/plain",
        )
    async with transaction(evidence_db) as session:
        assert (await service.scrub(session, store=rt.store)).corrupt == []
    path = rt.store.path(item.sha256)  # type: ignore[attr-defined]
    path.write_bytes(b"precious!")
    for _ in range(2):
        async with transaction(evidence_db) as session:
            report = await service.scrub(session, store=rt.store)
        assert report.corrupt == [item.sha256]
    async with evidence_db() as session:
        blob = await session.get(Blob, item.sha256)
        assert blob is not None
        assert blob.status == "corrupt"
        alerts = await ledger.list_entries(
            session,
            organisation_id="org-a",
            subject=None,
            after=0,
            limit=10,
            event_types=["aigov.evidence.blob.corruption_detected"],
        )
        assert len(alerts) == 1  # announced once, not on every pass
        assert alerts[0].envelope["data"]["evidence_ids"] == [str(item.id)]
    # Uploading the same bytes again repairs the stored copy.
    await put(rt, b"precious")
    async with transaction(evidence_db) as session:
        assert (await service.scrub(session, store=rt.store)).healed == [item.sha256]


async def test_retention_rule_runs_from_placing_on_the_market() -> None:
    until, basis = rulebook().minimum_retention(
        "declaration_of_conformity", created=date(2026, 5, 1), placed_on_market=date(2027, 3, 1)
    )
    assert until == date(2037, 3, 1)
    assert basis
    assert "Art. 47" in basis
    assert rulebook().minimum_retention(
        "policy", created=date(2026, 1, 1), placed_on_market=None
    ) == (
        None,
        None,
    )
