"""Appending to and reading the ledger (no HTTP, no commit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.evidence.ledger.chain import GENESIS_HASH, chain_hash, entry_record
from aigov.evidence.ledger.models import LedgerEntry
from aigov.shared.events import CloudEvent

VERIFY_PAGE = 1000


async def append_event(session: AsyncSession, event: CloudEvent, *, topic: str) -> LedgerEntry:
    """Append ``event`` once; a second append of the same event id returns the first entry."""
    existing = await session.scalar(select(LedgerEntry).where(LedgerEntry.event_id == event.id))
    if existing is not None:
        return existing
    head = await session.scalar(select(LedgerEntry).order_by(LedgerEntry.seq.desc()).limit(1))
    seq = 1 if head is None else head.seq + 1
    prev_hash = GENESIS_HASH if head is None else head.entry_hash
    envelope = event.model_dump(mode="json")
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
        prev_hash=prev_hash,
        entry_hash=chain_hash(prev_hash, entry_record(seq=seq, topic=topic, envelope=envelope)),
    )
    session.add(entry)
    await session.flush()
    return entry


async def list_entries(
    session: AsyncSession,
    *,
    organisation_id: str | None,
    subject: str | None,
    after: int,
    limit: int,
) -> Sequence[LedgerEntry]:
    """Entries after position ``after``; ``organisation_id=None`` only for whole-chain work."""
    query = select(LedgerEntry).where(LedgerEntry.seq > after)
    if organisation_id is not None:
        query = query.where(LedgerEntry.organisation_id == organisation_id)
    if subject is not None:
        query = query.where(LedgerEntry.subject == subject)
    return (await session.scalars(query.order_by(LedgerEntry.seq).limit(limit))).all()


@dataclass(frozen=True)
class ChainReport:
    valid: bool
    entries: int
    head_hash: str
    first_invalid_seq: int | None = None
    reason: str | None = None


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Recompute every hash from the genesis, a page at a time."""
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    while True:
        page = await list_entries(
            session, organisation_id=None, subject=None, after=expected_seq - 1, limit=VERIFY_PAGE
        )
        for entry in page:
            record = entry_record(seq=entry.seq, topic=entry.topic, envelope=entry.envelope)
            reason = None
            if entry.seq != expected_seq:
                reason = f"gap: expected position {expected_seq}"
            elif entry.prev_hash != prev_hash:
                reason = "previous hash does not match the preceding entry"
            elif entry.entry_hash != chain_hash(prev_hash, record):
                reason = "entry hash does not match its content"
            if reason is not None:
                return ChainReport(False, count, prev_hash, entry.seq, reason)
            prev_hash, expected_seq, count = entry.entry_hash, expected_seq + 1, count + 1
        if len(page) < VERIFY_PAGE:
            return ChainReport(True, count, prev_hash)
