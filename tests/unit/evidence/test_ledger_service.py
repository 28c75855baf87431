"""The stored Merkle ledger: appends once, proves, checkpoints, and detects any changed byte."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.evidence.consumers import on_domain_event
from aigov.evidence.ledger import merkle
from aigov.evidence.ledger import service as ledger
from aigov.evidence.ledger.models import LedgerEntry, LedgerNode
from aigov.evidence.ledger.signing import Signer, parse_note, verify_note
from aigov.shared.contracts.evidence import CheckpointPublishedV1
from aigov.shared.db import create_engine, create_session_factory, transaction
from aigov.shared.events import make_event
from aigov.shared.migrations import upgrade, upgrade_async
from aigov.shared.problems import NotFound, Unprocessable
from tests.unit.evidence.helpers import registered_event, runtime


async def fill(db: async_sessionmaker[AsyncSession], n: int, org: str = "org-a") -> list[str]:
    systems = [str(uuid.uuid4()) for _ in range(n)]
    async with transaction(db) as session:
        for s in systems:
            await ledger.append_event(
                session, registered_event(uuid.UUID(s), org), topic="aigov.inventory.events"
            )
    return systems


async def test_appends_build_the_rfc6962_tree_once_per_event(
    evidence_db: async_sessionmaker[AsyncSession],
) -> None:
    event = registered_event(uuid.uuid4())
    async with transaction(evidence_db) as session:
        first = await ledger.append_event(session, event, topic="t")
        again = await ledger.append_event(session, event, topic="t")
    assert first.seq == again.seq == 1
    await fill(evidence_db, 10)
    async with evidence_db() as session:
        entries = await ledger.list_entries(
            session, organisation_id=None, subject=None, after=0, limit=100
        )
        size, root = await ledger.current_root(session)
    leaves = [
        merkle.leaf_hash(ledger.leaf_data(seq=e.seq, topic=e.topic, envelope=e.envelope))
        for e in entries
    ]
    assert size == 11
    assert [e.seq for e in entries] == list(range(1, 12))
    assert [e.leaf_hash for e in entries] == [h.hex() for h in leaves]
    assert root == merkle.root_from_leaves(leaves)


async def test_inclusion_and_consistency_proofs_verify(
    evidence_db: async_sessionmaker[AsyncSession],
) -> None:
    await fill(evidence_db, 6, org="org-b")
    await fill(evidence_db, 7)
    async with evidence_db() as session:
        _, root13 = await ledger.current_root(session)
        for seq in range(7, 14):
            proof = await ledger.inclusion_proof(session, seq=seq, organisation_id="org-a")
            assert proof.tree_size == 13
            assert proof.root_hash == root13.hex()
            assert merkle.verify_inclusion(
                proof.leaf_index,
                13,
                bytes.fromhex(proof.leaf_hash),
                [bytes.fromhex(h) for h in proof.hashes],
                root13,
            )
        old = await ledger.inclusion_proof(session, seq=8, organisation_id="org-a", size=9)
        assert old.tree_size == 9
        cons = await ledger.consistency_proof(session, first=9, second=13)
        assert cons.second_root == root13.hex()
        assert cons.first_root == old.root_hash
        assert merkle.verify_consistency(
            9,
            13,
            bytes.fromhex(cons.first_root),
            root13,
            [bytes.fromhex(h) for h in cons.hashes],
        )
        # Another tenant's entry is not found; impossible sizes are refused.
        with pytest.raises(NotFound):
            await ledger.inclusion_proof(session, seq=1, organisation_id="org-a")
        with pytest.raises(Unprocessable):
            await ledger.inclusion_proof(session, seq=8, organisation_id="org-a", size=99)
        with pytest.raises(Unprocessable):
            await ledger.inclusion_proof(session, seq=12, organisation_id="org-a", size=11)
        with pytest.raises(Unprocessable):
            await ledger.consistency_proof(session, first=10, second=9)


async def test_checkpoints_are_signed_and_only_scheduled_when_the_tree_grew(
    evidence_db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    signer = runtime(tmp_path).signer
    await fill(evidence_db, 3)
    async with transaction(evidence_db) as session:
        cp = await ledger.publish_checkpoint(session, signer, only_if_grown=True)
        assert cp is not None
        assert await ledger.publish_checkpoint(session, signer, only_if_grown=True) is None
        forced = await ledger.publish_checkpoint(session, signer, only_if_grown=False)
        assert forced is not None
        assert forced.tree_size == 3
    note = parse_note(cp.note)
    assert note.tree_size == 3
    assert note.root_hash.hex() == cp.root_hash
    assert verify_note(signer.public, cp.note, cp.signature)
    assert not verify_note(signer.public, cp.note.replace("\n3\n", "\n4\n"), cp.signature)
    other = Signer.from_settings(key_b64=None, key_file=str(tmp_path / "k2.pem"), generate=True)
    assert not verify_note(other.public, cp.note, cp.signature)
    # The same key loads back from its file; a checkpoint event is never appended.
    again = Signer.from_settings(key_b64=None, key_file=str(tmp_path / "key.pem"), generate=False)
    assert again.key_id == signer.key_id
    payload = CheckpointPublishedV1(
        checkpoint_id=1,
        tree_size=3,
        root_hash=cp.root_hash,
        issued_at=cp.issued_at,
        key_id=cp.key_id,
        signature=cp.signature,
    )
    async with transaction(evidence_db) as session:
        event = make_event(payload, source="/e", subject=None, organisation_id=None)
        await on_domain_event(session, event, topic="aigov.evidence.events")
        assert await ledger.tree_size(session) == 3


async def test_verify_detects_a_changed_entry_leaf_or_checkpoint(
    evidence_db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    signer = runtime(tmp_path).signer
    await fill(evidence_db, 5)
    async with transaction(evidence_db) as session:
        await ledger.publish_checkpoint(session, signer, only_if_grown=True)
    async with evidence_db() as session:
        report = await ledger.verify_ledger(session, signer)
    assert report.valid
    assert report.entries == 5
    assert report.checkpoints_checked == 1

    async with transaction(evidence_db) as session:
        entry = await session.get(LedgerEntry, 3)
        assert entry is not None
        forged = dict(entry.envelope, data={**entry.envelope["data"], "revision": 99})
        await session.execute(
            update(LedgerEntry).where(LedgerEntry.seq == 3).values(envelope=forged)
        )
    async with evidence_db() as session:
        report = await ledger.verify_ledger(session, signer)
    assert not report.valid
    assert report.first_invalid_seq == 3
    assert report.reason == "entry content does not match its leaf hash"

    # Rewriting the entry and its leaf hash consistently is still caught by the tree.
    forged_leaf = merkle.leaf_hash(ledger.leaf_data(seq=3, topic=entry.topic, envelope=forged))
    async with transaction(evidence_db) as session:
        await session.execute(
            update(LedgerEntry).where(LedgerEntry.seq == 3).values(leaf_hash=forged_leaf.hex())
        )
    async with evidence_db() as session:
        report = await ledger.verify_ledger(session, signer)
    assert not report.valid
    assert report.reason == "the tree's leaf does not match the entry"

    # ...and rewriting the tree's leaf too breaks the head and the signed checkpoint.
    async with transaction(evidence_db) as session:
        await session.execute(
            update(LedgerNode)
            .where(LedgerNode.level == 0, LedgerNode.index == 2)
            .values(hash=forged_leaf)
        )
    async with evidence_db() as session:
        report = await ledger.verify_ledger(session, signer)
    assert not report.valid
    assert report.reason is not None
    assert "checkpoint" in report.reason


async def test_migration_turns_the_hash_chain_into_the_tree(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await asyncio.to_thread(upgrade, "aigov.evidence:migrations", url, "0001")
    engine = create_engine(url)
    events = [registered_event(uuid.uuid4()) for _ in range(5)]
    async with engine.begin() as conn:
        for seq, event in enumerate(events, start=1):
            await conn.execute(
                text(
                    "INSERT INTO ledger_entry (seq, event_id, organisation_id, topic, event_type,"
                    " source, subject, event_time, recorded_at, envelope, prev_hash, entry_hash)"
                    " VALUES (:seq, :id, 'org-a', 't', :type, '/t', :subject, :time, :time,"
                    " :envelope, 'x', 'y')"
                ),
                {
                    "seq": seq,
                    "id": event.id,
                    "type": event.type,
                    "subject": event.subject,
                    "time": event.time.isoformat(),
                    "envelope": json.dumps(event.model_dump(mode="json")),
                },
            )
    await engine.dispose()
    await upgrade_async("aigov.evidence:migrations", url)
    engine = create_engine(url)
    db = create_session_factory(engine)
    async with transaction(db) as session:
        await ledger.append_event(session, registered_event(uuid.uuid4()), topic="t")
    async with db() as session:
        report = await ledger.verify_ledger(session, runtime(tmp_path).signer)
        proof = await ledger.inclusion_proof(session, seq=2, organisation_id="org-a")
    await engine.dispose()
    assert report.valid
    assert report.entries == 6
    assert merkle.verify_inclusion(
        1,
        6,
        bytes.fromhex(proof.leaf_hash),
        [bytes.fromhex(h) for h in proof.hashes],
        bytes.fromhex(report.root_hash),
    )
