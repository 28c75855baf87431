"""Appending to the Merkle ledger, proving and checkpointing it (no HTTP, no commit).

Tenancy: entries carry the event's organisation and listings filter by it, but there is one
global tree for the whole platform, so a proof (inclusion or consistency) and a checkpoint are
about the global tree. A proof reveals only hashes of other tenants' entries, never their content.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.evidence.ledger import merkle
from aigov.evidence.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode
from aigov.evidence.ledger.signing import Checkpoint, Signer, verify_note
from aigov.evidence.metrics import CHECKPOINTS_PUBLISHED, LEDGER_APPENDS, LEDGER_SIZE
from aigov.shared.contracts.evidence import CheckpointPublishedV1
from aigov.shared.db import utcnow
from aigov.shared.events import CloudEvent, make_event
from aigov.shared.outbox import stage_event
from aigov.shared.problems import NotFound, Unprocessable
from aigov.shared.topics import EVIDENCE_EVENTS

HEAD_ID = 1
VERIFY_PAGE = 1000
SOURCE = "/aigov/evidence"


def entry_record(*, seq: int, topic: str, envelope: dict[str, Any]) -> dict[str, Any]:
    """What a leaf commits to: its position, the topic and the whole CloudEvent."""
    return {"seq": seq, "topic": topic, "event": envelope}


def leaf_data(*, seq: int, topic: str, envelope: dict[str, Any]) -> bytes:
    return merkle.canonical_json(entry_record(seq=seq, topic=topic, envelope=envelope))


async def _head(session: AsyncSession, *, lock: bool) -> LedgerHead:
    query = (
        select(LedgerHead).where(LedgerHead.id == HEAD_ID).execution_options(populate_existing=True)
    )
    if lock:
        # The row lock serialises appenders (PostgreSQL); SQLite serialises writers itself.
        query = query.with_for_update()
    head = await session.scalar(query)
    if head is None:  # created by the migration; recreated only if someone deleted it
        head = LedgerHead(id=HEAD_ID, size=0, frontier=[])
        session.add(head)
        await session.flush()
    return head


async def append_event(session: AsyncSession, event: CloudEvent, *, topic: str) -> LedgerEntry:
    """Append ``event`` once; a second append of the same event id returns the first entry."""
    existing = await session.scalar(select(LedgerEntry).where(LedgerEntry.event_id == event.id))
    if existing is not None:
        return existing
    head = await _head(session, lock=True)
    seq = head.size + 1
    envelope = event.model_dump(mode="json")
    leaf = merkle.leaf_hash(leaf_data(seq=seq, topic=topic, envelope=envelope))
    frontier, nodes = merkle.append_to_frontier(
        [bytes.fromhex(h) for h in head.frontier], head.size, leaf
    )
    entry = LedgerEntry(
        seq=seq,
        event_id=event.id,
        organisation_id=event.orgid,
        topic=topic,
        event_type=event.type,
        source=event.source,
        subject=event.subject,
        event_time=event.time,
        envelope=envelope,
        leaf_hash=leaf.hex(),
    )
    session.add(entry)
    session.add_all(LedgerNode(level=lv, index=ix, hash=h) for lv, ix, h in nodes)
    head.size = seq
    head.frontier = [h.hex() for h in frontier]
    await session.flush()
    LEDGER_APPENDS.labels(topic).inc()
    LEDGER_SIZE.set(seq)
    return entry


async def list_entries(
    session: AsyncSession,
    *,
    organisation_id: str | None,
    subject: str | None,
    after: int,
    limit: int,
    event_types: Sequence[str] | None = None,
) -> Sequence[LedgerEntry]:
    """Entries after position ``after``; ``organisation_id=None`` only for whole-ledger work."""
    query = select(LedgerEntry).where(LedgerEntry.seq > after)
    if organisation_id is not None:
        query = query.where(LedgerEntry.organisation_id == organisation_id)
    if subject is not None:
        query = query.where(LedgerEntry.subject == subject)
    if event_types:
        query = query.where(LedgerEntry.event_type.in_(event_types))
    return (await session.scalars(query.order_by(LedgerEntry.seq).limit(limit))).all()


async def get_entry(session: AsyncSession, *, seq: int, organisation_id: str) -> LedgerEntry:
    entry = await session.get(LedgerEntry, seq)
    if entry is None or entry.organisation_id != organisation_id:
        raise NotFound(f"no ledger entry {seq}")
    return entry


# -- tree reads -----------------------------------------------------------------------------------


class NodeCache:
    """Reads the stored nodes an algorithm needs in one query, then serves them."""

    def __init__(self, nodes: dict[tuple[int, int], bytes]) -> None:
        self._nodes = nodes

    def get(self, level: int, index: int) -> bytes:
        try:
            return self._nodes[(level, index)]
        except KeyError:
            raise LookupError(f"ledger node ({level}, {index}) is missing") from None

    @classmethod
    async def load(cls, session: AsyncSession, keys: Iterable[tuple[int, int]]) -> NodeCache:
        # One query, one index probe per node: ``level = ? AND index IN (...)`` per level, OR-ed
        # (SQLite scans the table for a row-value IN, but probes the key for each OR term).
        by_level: dict[int, list[int]] = {}
        for level, index in set(keys):
            by_level.setdefault(level, []).append(index)
        nodes: dict[tuple[int, int], bytes] = {}
        terms = [
            and_(LedgerNode.level == level, LedgerNode.index.in_(sorted(indexes)))
            for level, indexes in sorted(by_level.items())
        ]
        for i in range(0, len(terms), 64):
            rows = await session.execute(
                select(LedgerNode.level, LedgerNode.index, LedgerNode.hash).where(
                    or_(*terms[i : i + 64])
                )
            )
            nodes.update({(lv, ix): bytes(h) for lv, ix, h in rows})
        return cls(nodes)


async def tree_size(session: AsyncSession) -> int:
    return (await _head(session, lock=False)).size


async def current_root(session: AsyncSession) -> tuple[int, bytes]:
    head = await _head(session, lock=False)
    return head.size, merkle.root_from_frontier(
        [bytes.fromhex(h) for h in head.frontier], head.size
    )


async def _checked_size(session: AsyncSession, size: int | None) -> int:
    current = await tree_size(session)
    if size is None:
        return current
    if not 0 < size <= current:
        raise Unprocessable(
            f"tree size {size} is not between 1 and the current size {current}",
            tree_size=current,
        )
    return size


@dataclass(frozen=True)
class InclusionProof:
    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    hashes: list[str]


async def inclusion_proof(
    session: AsyncSession, *, seq: int, organisation_id: str | None, size: int | None = None
) -> InclusionProof:
    if organisation_id is not None:
        entry = await get_entry(session, seq=seq, organisation_id=organisation_id)
    else:
        found = await session.get(LedgerEntry, seq)
        if found is None:
            raise NotFound(f"no ledger entry {seq}")
        entry = found
    n = await _checked_size(session, size)
    if n == 0 or entry.seq > n:
        raise Unprocessable(f"entry {seq} is not in a tree of size {n}")
    index = entry.seq - 1

    def run(get: merkle.NodeGetter) -> tuple[list[bytes], bytes]:
        return merkle.inclusion_path(get, index, n), merkle.tree_root(get, n)

    cache = await NodeCache.load(session, merkle.needed_nodes(run) | {(0, index)})
    path, root = run(cache.get)
    return InclusionProof(
        seq=entry.seq,
        leaf_index=index,
        tree_size=n,
        leaf_hash=cache.get(0, index).hex(),
        root_hash=root.hex(),
        hashes=[h.hex() for h in path],
    )


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: str
    second_root: str
    hashes: list[str]


async def consistency_proof(session: AsyncSession, *, first: int, second: int) -> ConsistencyProof:
    await _checked_size(session, second)
    if not 0 < first <= second:
        raise Unprocessable(f"no consistency proof from size {first} to size {second}")

    def run(get: merkle.NodeGetter) -> tuple[list[bytes], bytes, bytes]:
        return (
            merkle.consistency_path(get, first, second),
            merkle.tree_root(get, first),
            merkle.tree_root(get, second),
        )

    cache = await NodeCache.load(session, merkle.needed_nodes(run))
    path, r1, r2 = run(cache.get)
    return ConsistencyProof(first, second, r1.hex(), r2.hex(), [h.hex() for h in path])


# -- checkpoints ----------------------------------------------------------------------------------


async def publish_checkpoint(
    session: AsyncSession, signer: Signer, *, now: datetime | None = None, only_if_grown: bool
) -> LedgerCheckpoint | None:
    """Sign the current tree head. ``only_if_grown`` (the schedule) skips an unchanged tree.

    The ``checkpoint.published`` event is not itself appended to the ledger (see consumers):
    otherwise every checkpoint would grow the tree and call for the next one.
    """
    size, root = await current_root(session)
    if only_if_grown:
        last = await latest_checkpoint(session)
        if size == 0 or (last is not None and last.tree_size == size):
            return None
    checkpoint = Checkpoint(tree_size=size, root_hash=root, issued_at=now or utcnow())
    note = checkpoint.note()
    row = LedgerCheckpoint(
        tree_size=size,
        root_hash=root.hex(),
        issued_at=checkpoint.issued_at,
        key_id=signer.key_id,
        note=note,
        signature=signer.sign(note),
    )
    session.add(row)
    await session.flush()
    payload = CheckpointPublishedV1(
        checkpoint_id=row.id,
        tree_size=size,
        root_hash=row.root_hash,
        issued_at=row.issued_at,
        key_id=row.key_id,
        signature=row.signature,
    )
    stage_event(
        session,
        EVIDENCE_EVENTS,
        make_event(payload, source=SOURCE, subject=None, organisation_id=None),
        key="ledger",
    )
    CHECKPOINTS_PUBLISHED.inc()
    return row


async def latest_checkpoint(session: AsyncSession) -> LedgerCheckpoint | None:
    return await session.scalar(
        select(LedgerCheckpoint).order_by(LedgerCheckpoint.id.desc()).limit(1)
    )


async def get_checkpoint(session: AsyncSession, checkpoint_id: int) -> LedgerCheckpoint:
    row = await session.get(LedgerCheckpoint, checkpoint_id)
    if row is None:
        raise NotFound(f"no checkpoint {checkpoint_id}")
    return row


# -- full audit -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerReport:
    valid: bool
    entries: int
    tree_size: int
    root_hash: str
    checkpoints_checked: int
    first_invalid_seq: int | None = None
    reason: str | None = None
    verified_at: datetime = field(default_factory=utcnow)


async def verify_ledger(session: AsyncSession, signer: Signer) -> LedgerReport:
    """Re-hash every entry from its stored content, rebuild the tree and compare it with the stored
    leaves, the stored head and every signed checkpoint (signature included)."""
    head = await _head(session, lock=False)
    head_root = merkle.root_from_frontier([bytes.fromhex(h) for h in head.frontier], head.size)
    checkpoints: dict[int, list[LedgerCheckpoint]] = {}
    for cp in (await session.scalars(select(LedgerCheckpoint))).all():
        checkpoints.setdefault(cp.tree_size, []).append(cp)
    frontier: list[bytes] = []
    size, checked = 0, 0

    def fail(seq: int | None, reason: str) -> LedgerReport:
        return LedgerReport(False, size, head.size, head_root.hex(), checked, seq, reason)

    while True:
        page = await list_entries(
            session, organisation_id=None, subject=None, after=size, limit=VERIFY_PAGE
        )
        stored = await NodeCache.load(session, [(0, e.seq - 1) for e in page])
        for entry in page:
            if entry.seq != size + 1:
                return fail(entry.seq, f"gap: expected position {size + 1}")
            leaf = merkle.leaf_hash(
                leaf_data(seq=entry.seq, topic=entry.topic, envelope=entry.envelope)
            )
            if entry.leaf_hash != leaf.hex():
                return fail(entry.seq, "entry content does not match its leaf hash")
            try:
                node = stored.get(0, size)
            except LookupError:
                return fail(entry.seq, "the tree has no leaf for this entry")
            if node != leaf:
                return fail(entry.seq, "the tree's leaf does not match the entry")
            frontier, _ = merkle.append_to_frontier(frontier, size, leaf)
            size += 1
            for cp in checkpoints.get(size, ()):
                checked += 1
                if cp.root_hash != merkle.root_from_frontier(frontier, size).hex():
                    return fail(None, f"checkpoint {cp.id} does not match the rebuilt tree")
                if not verify_note(signer.public, cp.note, cp.signature):
                    return fail(None, f"checkpoint {cp.id} signature does not verify")
        if len(page) < VERIFY_PAGE:
            break
    if size != head.size:
        return fail(None, f"the head says {head.size} entries, the ledger holds {size}")
    if merkle.root_from_frontier(frontier, size) != head_root:
        return fail(None, "the stored tree head does not match the rebuilt tree")
    return LedgerReport(True, size, head.size, head_root.hex(), checked)
