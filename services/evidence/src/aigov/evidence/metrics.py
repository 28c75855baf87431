"""The evidence service's domain metrics (bounded labels only)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

LEDGER_APPENDS = Counter(
    "aigov_ledger_appends_total", "Entries appended to the Merkle ledger, by topic.", ["topic"]
)
LEDGER_SIZE = Gauge("aigov_ledger_tree_size", "Leaves in the Merkle ledger (last append seen).")
CHECKPOINTS_PUBLISHED = Counter(
    "aigov_ledger_checkpoints_total", "Signed ledger checkpoints published."
)
EVIDENCE_BYTES_INGESTED = Counter(
    "aigov_evidence_bytes_ingested_total", "Bytes of evidence received and stored."
)
UPLOADS_REJECTED = Counter(
    "aigov_evidence_uploads_rejected_total",
    "Uploads refused, by reason (too_large, hash_mismatch, interrupted, invalid).",
    ["reason"],
)
BLOBS_SCRUBBED = Counter("aigov_evidence_blobs_scrubbed_total", "Blobs re-hashed by the scrub.")
BLOB_CORRUPTIONS = Counter(
    "aigov_evidence_blob_corruptions_total",
    "Blobs found corrupt or missing by the scrub, by kind (mismatch, missing).",
    ["kind"],
)
BLOBS_CORRUPT = Gauge("aigov_evidence_blobs_corrupt", "Blobs currently known to be corrupt.")
