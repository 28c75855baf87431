"""Evidence ledger and blob store benchmark.

1. ledger appends per second (one event per transaction, as the consumer appends them; SQLite);
2. inclusion and consistency proof time at 1,000,000 leaves: the tree's nodes are written straight
   into the ledger tables (the same rows appends would write), then proofs go through the service;
3. blob ingest throughput (streamed, hashed, fsynced, renamed) against `sha256sum` on the same file.

Run: python3 -m uv run python bench/evidence_ledger.py [--leaves 1000000] [--blob-mb 256]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import sqlite3
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from aigov.evidence.blobstore import FilesystemBlobStore
from aigov.evidence.ledger import merkle
from aigov.evidence.ledger import service as ledger
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
from aigov.shared.db import create_engine, create_session_factory, transaction
from aigov.shared.events import CloudEvent, make_event
from aigov.shared.migrations import upgrade_async


def report(line: str) -> None:
    print(line, flush=True)  # noqa: T201  (a benchmark prints its numbers)


FACTS = SystemFactsV1(name="bench", intended_purpose="benchmark", business_owner="ops")


def event() -> CloudEvent:
    system = uuid.uuid4()
    return make_event(
        SystemRegisteredV1(system_id=system, facts=FACTS),
        source="/bench",
        subject=str(system),
        organisation_id="org-bench",
    )


async def bench_appends(workdir: Path, count: int) -> None:
    url = f"sqlite+aiosqlite:///{workdir / 'appends.db'}"
    await upgrade_async("aigov.evidence:migrations", url)
    engine = create_engine(url)
    factory = create_session_factory(engine)
    events = [event() for _ in range(count)]
    started = time.perf_counter()
    for e in events:
        async with transaction(factory) as session:
            await ledger.append_event(session, e, topic="aigov.inventory.events")
    elapsed = time.perf_counter() - started
    report(
        f"ledger appends (SQLite, 1 event per transaction, each committed): {count} in "
        f"{elapsed:.2f} s = {count / elapsed:,.0f} appends/s"
    )
    # The ledger's own cost without a commit (fsync) per event: 100 events per transaction.
    events = [event() for _ in range(count * 5)]
    started = time.perf_counter()
    for i in range(0, len(events), 100):
        async with transaction(factory) as session:
            for e in events[i : i + 100]:
                await ledger.append_event(session, e, topic="aigov.inventory.events")
    batched = time.perf_counter() - started
    async with factory() as session:
        size = await ledger.tree_size(session)
    await engine.dispose()
    assert size == count * 6
    report(
        f"ledger appends (SQLite, 100 events per transaction): {len(events)} in {batched:.2f} s "
        f"= {len(events) / batched:,.0f} appends/s"
    )


async def build_tree(workdir: Path, leaves: int) -> tuple[str, list[int]]:
    url = f"sqlite+aiosqlite:///{workdir / 'million.db'}"
    await upgrade_async("aigov.evidence:migrations", url)
    started = time.perf_counter()
    conn = sqlite3.connect(workdir / "million.db")
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    frontier: list[bytes] = []
    batch: list[tuple[int, int, bytes]] = []
    for i in range(leaves):
        leaf = merkle.leaf_hash(i.to_bytes(8, "big"))
        frontier, nodes = merkle.append_to_frontier(frontier, i, leaf)
        batch.extend(nodes)
        if len(batch) >= 100_000:
            conn.executemany('INSERT INTO ledger_node (level, "index", hash) VALUES (?,?,?)', batch)
            batch.clear()
    conn.executemany('INSERT INTO ledger_node (level, "index", hash) VALUES (?,?,?)', batch)
    conn.execute(
        "UPDATE ledger_head SET size = ?, frontier = json(?) WHERE id = 1",
        (leaves, "[" + ",".join(f'"{h.hex()}"' for h in frontier) + "]"),
    )
    # Entry rows only where proofs are asked for (a proof reads the entry, then the nodes).
    rng = random.Random(6962)
    sample = sorted(rng.sample(range(1, leaves + 1), 200))
    conn.executemany(
        "INSERT INTO ledger_entry (seq, event_id, organisation_id, topic, event_type, source,"
        " subject, event_time, recorded_at, envelope, leaf_hash) VALUES"
        " (?, ?, 'org-bench', 't', 'bench', '/bench', NULL, '2026-11-27 00:00:00+00:00',"
        " '2026-11-27 00:00:00+00:00', '{}', ?)",
        [(s, f"bench-{s}", merkle.leaf_hash((s - 1).to_bytes(8, "big")).hex()) for s in sample],
    )
    conn.commit()
    conn.close()
    report(
        f"built a {leaves:,}-leaf tree in the ledger tables in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return url, sample


async def bench_proofs(url: str, leaves: int, sample: list[int]) -> None:
    engine = create_engine(url)
    factory = create_session_factory(engine)
    async with factory() as session:
        size, root = await ledger.current_root(session)
        assert size == leaves
        times, lengths = [], []
        for seq in sample:
            started = time.perf_counter()
            proof = await ledger.inclusion_proof(session, seq=seq, organisation_id="org-bench")
            times.append(time.perf_counter() - started)
            lengths.append(len(proof.hashes))
            assert merkle.verify_inclusion(
                proof.leaf_index,
                size,
                bytes.fromhex(proof.leaf_hash),
                [bytes.fromhex(h) for h in proof.hashes],
                root,
            )
        cons_times = []
        rng = random.Random(9162)
        for _ in range(50):
            first = rng.randrange(1, leaves)
            started = time.perf_counter()
            cons = await ledger.consistency_proof(session, first=first, second=leaves)
            cons_times.append(time.perf_counter() - started)
            assert merkle.verify_consistency(
                first,
                leaves,
                bytes.fromhex(cons.first_root),
                root,
                [bytes.fromhex(h) for h in cons.hashes],
            )
    await engine.dispose()
    ms = sorted(t * 1000 for t in times)
    cms = sorted(t * 1000 for t in cons_times)
    report(
        f"inclusion proof at {leaves:,} leaves ({len(ms)} proofs, each verified; "
        f"{statistics.mean(lengths):.1f} hashes on average): "
        f"median {statistics.median(ms):.2f} ms, "
        f"p95 {ms[int(len(ms) * 0.95)]:.2f} ms, max {ms[-1]:.2f} ms"
    )
    report(
        f"consistency proof to {leaves:,} leaves ({len(cms)} proofs, each verified): "
        f"median {statistics.median(cms):.2f} ms, p95 {cms[int(len(cms) * 0.95)]:.2f} ms"
    )


async def bench_blob(workdir: Path, megabytes: int) -> None:
    source = workdir / "blob.bin"
    block = os.urandom(1024 * 1024)
    with source.open("wb") as out:
        for i in range(megabytes):
            out.write(hashlib.sha256(i.to_bytes(4, "big")).digest() + block[32:])
    size = source.stat().st_size
    store = FilesystemBlobStore(workdir / "blobs")

    async def body() -> AsyncIterator[bytes]:
        with source.open("rb") as src:
            while chunk := src.read(64 * 1024):  # the size of an ASGI request body message
                yield chunk

    started = time.perf_counter()
    stored = await store.put(body(), max_bytes=size, expected_sha256=None)
    ingest = time.perf_counter() - started
    started = time.perf_counter()
    result = subprocess.run(["sha256sum", str(source)], check=True, capture_output=True, text=True)
    tool = time.perf_counter() - started
    assert result.stdout.split()[0] == stored.sha256
    mb = size / 1e6
    report(
        f"blob ingest ({mb:.0f} MB, 64 KiB chunks, hash + write + fsync + rename): "
        f"{ingest:.2f} s = {mb / ingest:,.0f} MB/s"
    )
    report(
        f"sha256sum on the same file: {tool:.2f} s = {mb / tool:,.0f} MB/s "
        f"(ingest reaches {tool / ingest:.0%} of sha256sum's rate)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--leaves", type=int, default=1_000_000)
    parser.add_argument("--blob-mb", type=int, default=256)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aigov-bench-") as tmp:
        workdir = Path(tmp)
        await bench_appends(workdir, args.appends)
        url, sample = await build_tree(workdir, args.leaves)
        await bench_proofs(url, args.leaves, sample)
        await bench_blob(workdir, args.blob_mb)


if __name__ == "__main__":
    asyncio.run(main())
