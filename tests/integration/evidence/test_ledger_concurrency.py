"""Concurrent appenders on PostgreSQL: the head row lock keeps one consistent tree."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from aigov.evidence.ledger import merkle
from aigov.evidence.ledger import service as ledger
from aigov.evidence.ledger.signing import Signer
from aigov.shared.db import create_engine, create_session_factory, transaction
from aigov.shared.migrations import upgrade_async
from tests.unit.evidence.helpers import registered_event

pytestmark = pytest.mark.integration


async def test_concurrent_appends_build_one_valid_tree(database_url: str, tmp_path: Path) -> None:
    await upgrade_async("aigov.evidence:migrations", database_url)
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    events = [registered_event(uuid.uuid4()) for _ in range(24)]

    async def append(index: int) -> int:
        async with transaction(factory) as session:
            entry = await ledger.append_event(session, events[index], topic="t")
            await asyncio.sleep(0.01)  # hold the lock a little, so appenders really queue
            return entry.seq

    seqs = await asyncio.gather(*(append(i) for i in range(len(events))))
    # The same events again, concurrently: nothing new is appended.
    again = await asyncio.gather(*(append(i) for i in range(len(events))))
    signer = Signer.from_settings(key_b64=None, key_file=str(tmp_path / "k.pem"), generate=True)
    async with transaction(factory) as session:
        await ledger.publish_checkpoint(session, signer, only_if_grown=True)
    async with factory() as session:
        report = await ledger.verify_ledger(session, signer)
        proof = await ledger.inclusion_proof(session, seq=7, organisation_id="org-a")
    await engine.dispose()
    assert sorted(seqs) == list(range(1, 25))
    assert sorted(again) == sorted(seqs)
    assert report.valid, report.reason
    assert report.entries == 24
    assert report.checkpoints_checked == 1
    assert merkle.verify_inclusion(
        6,
        24,
        bytes.fromhex(proof.leaf_hash),
        [bytes.fromhex(h) for h in proof.hashes],
        bytes.fromhex(report.root_hash),
    )
