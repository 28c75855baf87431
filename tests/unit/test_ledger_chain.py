"""The hash chain detects any change to any entry."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.evidence.ledger.chain import GENESIS_HASH
from aigov.evidence.ledger.models import LedgerEntry
from aigov.evidence.ledger.service import append_event, list_entries, verify_chain
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
from aigov.shared.db import transaction
from aigov.shared.events import CloudEvent, make_event


def event_for(system_id: uuid.UUID) -> CloudEvent:
    payload = SystemRegisteredV1(
        system_id=system_id,
        facts=SystemFactsV1(name="n", intended_purpose="p", business_owner="o"),
    )
    return make_event(payload, source="/t", subject=str(system_id), organisation_id="org-a")


async def test_chain_links_entries_and_verifies(
    evidence_db: async_sessionmaker[AsyncSession],
) -> None:
    systems = [uuid.uuid4(), uuid.uuid4()]
    async with transaction(evidence_db) as session:
        for i in range(5):
            await append_event(session, event_for(systems[i % 2]), topic="aigov.inventory.events")
    async with evidence_db() as session:
        entries = await list_entries(
            session, organisation_id=None, subject=None, after=0, limit=100
        )
        assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
        assert entries[0].prev_hash == GENESIS_HASH
        assert all(b.prev_hash == a.entry_hash for a, b in zip(entries, entries[1:], strict=False))
        mine = await list_entries(
            session, organisation_id="org-a", subject=str(systems[0]), after=0, limit=100
        )
        assert [e.seq for e in mine] == [1, 3, 5]
        report = await verify_chain(session)
    assert report.valid
    assert report.entries == 5
    assert report.head_hash == entries[-1].entry_hash


async def test_appending_the_same_event_twice_adds_one_entry(
    evidence_db: async_sessionmaker[AsyncSession],
) -> None:
    event = event_for(uuid.uuid4())
    async with transaction(evidence_db) as session:
        first = await append_event(session, event, topic="t")
        second = await append_event(session, event, topic="t")
    assert first.seq == second.seq == 1


async def test_a_changed_entry_breaks_verification(
    evidence_db: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(evidence_db) as session:
        for _ in range(4):
            await append_event(session, event_for(uuid.uuid4()), topic="t")
    async with transaction(evidence_db) as session:
        entry = (await list_entries(session, organisation_id=None, subject=None, after=2, limit=1))[
            0
        ]
        forged = dict(entry.envelope, data={**entry.envelope["data"], "owner": "mallory"})
        await session.execute(
            update(LedgerEntry).where(LedgerEntry.seq == 3).values(envelope=forged)
        )
    async with evidence_db() as session:
        report = await verify_chain(session)
    assert not report.valid
    assert report.first_invalid_seq == 3
    assert report.entries == 2
    assert report.reason == "entry hash does not match its content"
