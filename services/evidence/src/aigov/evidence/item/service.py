"""Evidence items: store, version, retain, tombstone and scrub (no HTTP, no commit)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.evidence.blobstore import BlobStore, StoredBlob
from aigov.evidence.item.models import Blob, EvidenceItem
from aigov.evidence.item.schemas import EvidenceMeta, ScrubReport
from aigov.evidence.ledger.service import SOURCE, append_event
from aigov.evidence.metrics import BLOB_CORRUPTIONS, BLOBS_CORRUPT, BLOBS_SCRUBBED
from aigov.evidence.refs import rulebook
from aigov.shared.contracts.evidence import (
    BlobCorruptionDetectedV1,
    EvidenceAddedV1,
    EvidenceSupersededV1,
    EvidenceTombstonedV1,
)
from aigov.shared.db import utcnow
from aigov.shared.events import EventPayload, make_event
from aigov.shared.outbox import stage_event
from aigov.shared.problems import Conflict, DomainError, NotFound, Unprocessable
from aigov.shared.topics import EVIDENCE_EVENTS


class Gone(DomainError):
    status, title, slug = 410, "Gone", "gone"


def validate_meta(meta: EvidenceMeta) -> None:
    """Unknown kinds, EU AI Act references or ISO/IEC 42001 references are refused (422)."""
    rules = rulebook()
    errors: dict[str, list[str]] = {}
    if meta.kind not in rules.kinds:
        errors["kind"] = [meta.kind]
    if bad := rules.unknown_provisions(meta.provisions):
        errors["provisions"] = bad
    if bad := rules.unknown_controls(meta.iso_refs):
        errors["iso_refs"] = bad
    if errors:
        raise Unprocessable(
            "unknown references: " + "; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()),
            unknown=errors,
            known_kinds=sorted(rules.kinds),
        )
    if meta.valid_from and meta.valid_until and meta.valid_until < meta.valid_from:
        raise Unprocessable("valid_until is before valid_from")


async def _record(
    session: AsyncSession, payload: EventPayload, *, organisation_id: str, subject: str | None
) -> int:
    """Stage the event for the bus and append it to the ledger in the same transaction; when it
    comes back from Kafka the consumer finds its id already in the ledger."""
    event = make_event(payload, source=SOURCE, subject=subject, organisation_id=organisation_id)
    stage_event(session, EVIDENCE_EVENTS, event, key=subject or organisation_id)
    return (await append_event(session, event, topic=EVIDENCE_EVENTS)).seq


async def _upsert_blob(session: AsyncSession, stored: StoredBlob) -> None:
    blob = await session.get(Blob, stored.sha256)
    if blob is None:
        session.add(Blob(sha256=stored.sha256, size=stored.size, status="ok"))
    else:
        blob.status, blob.last_checked_at = "ok", utcnow()


async def add_item(
    session: AsyncSession,
    *,
    organisation_id: str,
    actor: str,
    meta: EvidenceMeta,
    stored: StoredBlob,
    media_type: str,
    supersedes: uuid.UUID | None = None,
    now: datetime | None = None,
) -> EvidenceItem:
    validate_meta(meta)
    now = now or utcnow()
    previous: EvidenceItem | None = None
    if supersedes is not None:
        previous = await get_item(session, item_id=supersedes, organisation_id=organisation_id)
        if previous.status != "current":
            raise Conflict(
                f"evidence {supersedes} is {previous.status}; only the current version can be "
                "superseded",
                status_of_item=previous.status,
            )
    minimum, basis = rulebook().minimum_retention(
        meta.kind, created=now.date(), placed_on_market=meta.placed_on_market
    )
    if meta.retention_until and minimum and meta.retention_until < minimum:
        raise Unprocessable(
            f"retention_until {meta.retention_until} is shorter than the legal minimum {minimum}",
            minimum_retention_until=minimum,
            legal_basis=basis,
        )
    await _upsert_blob(session, stored)
    item_id = uuid.uuid4()
    item = EvidenceItem(
        id=item_id,
        organisation_id=organisation_id,
        lineage_id=previous.lineage_id if previous else item_id,
        version=previous.version + 1 if previous else 1,
        supersedes_id=previous.id if previous else None,
        status="current",
        kind=meta.kind,
        title=meta.title,
        description=meta.description,
        system_id=meta.system_id,
        provisions=list(dict.fromkeys(meta.provisions)),
        iso_refs=list(dict.fromkeys(meta.iso_refs)),
        author=meta.author,
        confidentiality=meta.confidentiality,
        valid_from=meta.valid_from,
        valid_until=meta.valid_until,
        next_review=meta.next_review,
        placed_on_market=meta.placed_on_market,
        retention_until=meta.retention_until or minimum,
        retention_basis=basis,
        sha256=stored.sha256,
        size=stored.size,
        media_type=media_type[:200],
        filename=meta.filename,
        created_at=now,
        created_by=actor,
    )
    session.add(item)
    common = {
        "evidence_id": item.id,
        "lineage_id": item.lineage_id,
        "version": item.version,
        "kind": item.kind,
        "title": item.title,
        "system_id": item.system_id,
        "sha256": item.sha256,
        "size": item.size,
        "provisions": item.provisions,
        "iso_refs": item.iso_refs,
        "retention_until": item.retention_until,
    }
    payload: EventPayload
    if previous is not None:
        previous.status, previous.superseded_at = "superseded", now
        payload = EvidenceSupersededV1(superseded_id=previous.id, **common)
    else:
        payload = EvidenceAddedV1(**common)
    subject = str(item.system_id) if item.system_id else None
    item.ledger_seq = await _record(
        session, payload, organisation_id=organisation_id, subject=subject
    )
    await session.flush()
    return item


async def get_item(
    session: AsyncSession, *, item_id: uuid.UUID, organisation_id: str
) -> EvidenceItem:
    item = await session.get(EvidenceItem, item_id)
    if item is None or item.organisation_id != organisation_id:
        raise NotFound(f"no evidence {item_id}")
    return item


async def list_items(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID | None = None,
    kind: str | None = None,
    status: str | None = None,
    control: str | None = None,
    provision: str | None = None,
    lineage_id: uuid.UUID | None = None,
) -> list[EvidenceItem]:
    query = select(EvidenceItem).where(EvidenceItem.organisation_id == organisation_id)
    if system_id is not None:
        query = query.where(EvidenceItem.system_id == system_id)
    if kind is not None:
        query = query.where(EvidenceItem.kind == kind)
    if status is not None:
        query = query.where(EvidenceItem.status == status)
    if lineage_id is not None:
        query = query.where(EvidenceItem.lineage_id == lineage_id)
    items = (
        await session.scalars(query.order_by(EvidenceItem.created_at, EvidenceItem.version))
    ).all()
    # JSON list membership, filtered here to stay portable between SQLite and PostgreSQL.
    return [
        i
        for i in items
        if (control is None or control in i.iso_refs)
        and (provision is None or provision in i.provisions)
    ]


async def tombstone_item(
    session: AsyncSession,
    *,
    store: BlobStore,
    item_id: uuid.UUID,
    organisation_id: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> EvidenceItem:
    """Delete the content once the retention has ended; the item stays as a tombstone and the
    ledger records the hash. Refused (409) while the retention runs."""
    now = now or utcnow()
    item = await get_item(session, item_id=item_id, organisation_id=organisation_id)
    if item.status == "tombstoned":
        raise Conflict(f"evidence {item_id} is already tombstoned")
    if item.retention_until is not None and now.date() < item.retention_until:
        raise Conflict(
            f"evidence {item_id} must be kept until {item.retention_until}",
            retention_until=item.retention_until,
            legal_basis=item.retention_basis,
        )
    item.status, item.tombstoned_at = "tombstoned", now
    await session.flush()
    still_used = await session.scalar(
        select(EvidenceItem.id)
        .where(EvidenceItem.sha256 == item.sha256, EvidenceItem.status != "tombstoned")
        .limit(1)
    )
    item.ledger_seq = await _record(
        session,
        EvidenceTombstonedV1(
            evidence_id=item.id,
            lineage_id=item.lineage_id,
            version=item.version,
            sha256=item.sha256,
            size=item.size,
            retention_until=item.retention_until,
            content_deleted=still_used is None,
            reason=reason,
        ),
        organisation_id=organisation_id,
        subject=str(item.system_id) if item.system_id else None,
    )
    if still_used is None:
        blob = await session.get(Blob, item.sha256)
        if blob is not None:
            blob.status = "deleted"
        await session.flush()
        await store.delete(item.sha256)
    return item


def ensure_readable(item: EvidenceItem) -> None:
    if item.status == "tombstoned":
        raise Gone(
            f"the content of evidence {item.id} was deleted after its retention ended",
            sha256=item.sha256,
            tombstoned_at=item.tombstoned_at,
        )


async def scrub(
    session: AsyncSession, *, store: BlobStore, now: datetime | None = None
) -> ScrubReport:
    """Re-hash every stored blob; a blob that no longer matches (or vanished) is marked, counted
    and announced once per organisation holding it."""
    now = now or utcnow()
    report = ScrubReport(checked=0, corrupt=[], missing=[], healed=[])
    blobs: Sequence[Blob] = (
        await session.scalars(select(Blob).where(Blob.status.in_(("ok", "corrupt", "missing"))))
    ).all()
    for blob in blobs:
        actual = await store.rehash(blob.sha256)
        report.checked += 1
        BLOBS_SCRUBBED.inc()
        blob.last_checked_at = now
        if actual == blob.sha256:
            if blob.status != "ok":
                blob.status = "ok"
                report.healed.append(blob.sha256)
            continue
        problem = "missing" if actual is None else "mismatch"
        (report.missing if actual is None else report.corrupt).append(blob.sha256)
        if blob.status != "ok":
            continue  # already reported
        blob.status = "missing" if actual is None else "corrupt"
        BLOB_CORRUPTIONS.labels(problem).inc()
        holders = (
            await session.scalars(
                select(EvidenceItem).where(
                    EvidenceItem.sha256 == blob.sha256, EvidenceItem.status != "tombstoned"
                )
            )
        ).all()
        by_org: dict[str, list[uuid.UUID]] = {}
        for holder in holders:
            by_org.setdefault(holder.organisation_id, []).append(holder.id)
        for org, ids in by_org.items():
            await _record(
                session,
                BlobCorruptionDetectedV1(
                    sha256=blob.sha256,
                    problem=problem,
                    actual_sha256=actual,
                    evidence_ids=ids,
                ),
                organisation_id=org,
                subject=None,
            )
    await session.flush()
    BLOBS_CORRUPT.set(
        len(
            (
                await session.scalars(
                    select(Blob.sha256).where(Blob.status.in_(("corrupt", "missing")))
                )
            ).all()
        )
    )
    return report
