"""Every ORM model of the service, imported once so the metadata is complete."""

from aigov.monitoring.system.models import MonitoredSystem
from aigov.shared.bus_tables import OutboxEvent, ProcessedEvent

__all__ = ["MonitoredSystem", "OutboxEvent", "ProcessedEvent"]
