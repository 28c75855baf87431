"""Every ORM model of the service, imported once so the metadata is complete."""

from aigov.evidence.control.models import ControlRecord
from aigov.evidence.item.models import Blob, EvidenceItem
from aigov.evidence.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerHead, LedgerNode
from aigov.shared.bus_tables import OutboxEvent, ProcessedEvent

__all__ = [
    "Blob",
    "ControlRecord",
    "EvidenceItem",
    "LedgerCheckpoint",
    "LedgerEntry",
    "LedgerHead",
    "LedgerNode",
    "OutboxEvent",
    "ProcessedEvent",
]
