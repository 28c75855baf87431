"""Inventory domain metrics (bounded labels only)."""

from __future__ import annotations

from prometheus_client import Counter

SYSTEM_CHANGES = Counter(
    "aigov_inventory_system_changes_total",
    "Revisions written, by action (registered, updated, retired, registry, model_assigned).",
    ["action"],
)
IMPORT_ROWS = Counter(
    "aigov_inventory_import_rows_total", "Bulk-import rows by outcome.", ["outcome"]
)
INGEST_DELIVERIES = Counter(
    "aigov_inventory_ingest_deliveries_total",
    "Registry deliveries received, by provider and result.",
    ["provider", "result"],
)
REGISTRY_APPLIED = Counter(
    "aigov_inventory_registry_events_applied_total",
    "Registry lifecycle events applied, by outcome (linked, discovered).",
    ["outcome"],
)
