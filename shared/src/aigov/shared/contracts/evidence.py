"""Events the evidence service publishes on ``aigov.evidence.events``."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from aigov.shared.events import EventPayload


class EvidenceAddedV1(EventPayload):
    """A new evidence item (its first version) was stored."""

    event_type = "aigov.evidence.item.added"

    evidence_id: uuid.UUID
    lineage_id: uuid.UUID
    version: int = 1
    kind: str
    title: str
    system_id: uuid.UUID | None = None
    sha256: str
    size: int
    provisions: list[str] = []  # EU AI Act references, e.g. "Art. 11", "Annex IV point 2"
    iso_refs: list[str] = []  # ISO/IEC 42001 clauses and Annex A controls, e.g. "A.6.2.7"
    retention_until: date | None = None


class EvidenceSupersededV1(EventPayload):
    """A new version replaced an item; the old version stays, marked superseded."""

    event_type = "aigov.evidence.item.superseded"

    evidence_id: uuid.UUID  # the new version
    superseded_id: uuid.UUID
    lineage_id: uuid.UUID
    version: int
    kind: str
    title: str
    system_id: uuid.UUID | None = None
    sha256: str
    size: int
    provisions: list[str] = []
    iso_refs: list[str] = []
    retention_until: date | None = None


class EvidenceTombstonedV1(EventPayload):
    """The retention ended and the content was deleted; the hash stays on record."""

    event_type = "aigov.evidence.item.tombstoned"

    evidence_id: uuid.UUID
    lineage_id: uuid.UUID
    version: int
    sha256: str
    size: int
    retention_until: date | None = None
    content_deleted: bool  # false while another item still holds the same bytes
    reason: str | None = None


class BlobCorruptionDetectedV1(EventPayload):
    """The scheduled re-hash found stored bytes that no longer match their SHA-256."""

    event_type = "aigov.evidence.blob.corruption_detected"

    sha256: str
    problem: Literal["mismatch", "missing"]
    actual_sha256: str | None = None
    evidence_ids: list[uuid.UUID] = []


class CheckpointPublishedV1(EventPayload):
    """A signed Merkle tree head of the ledger (Ed25519 over the checkpoint note)."""

    event_type = "aigov.evidence.ledger.checkpoint_published"

    checkpoint_id: int
    tree_size: int
    root_hash: str
    issued_at: datetime
    key_id: str
    signature: str
