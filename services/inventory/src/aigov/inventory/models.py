"""Every ORM model of the service, imported once so the metadata is complete."""

from aigov.inventory.system.models import AISystem
from aigov.shared.bus_tables import OutboxEvent, ProcessedEvent

__all__ = ["AISystem", "OutboxEvent", "ProcessedEvent"]
