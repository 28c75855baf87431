"""Every ORM model of the service, imported once so the metadata is complete."""

from aigov.classifier.system.models import SystemFacts
from aigov.shared.bus_tables import OutboxEvent, ProcessedEvent

__all__ = ["OutboxEvent", "ProcessedEvent", "SystemFacts"]
