"""Every ORM model of the service, imported once so the metadata is complete."""

from aigov.evidence.ledger.models import LedgerEntry
from aigov.shared.bus_tables import OutboxEvent, ProcessedEvent

__all__ = ["LedgerEntry", "OutboxEvent", "ProcessedEvent"]
