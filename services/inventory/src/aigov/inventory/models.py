"""Every ORM model of the service, imported once so the metadata is complete."""

from aigov.inventory.registry.models import DiscoveredModel, IngestDelivery, WebhookSecret
from aigov.inventory.system.models import (
    AISystem,
    IdempotencyRecord,
    SystemAttribute,
    SystemClassification,
    SystemRevision,
)
from aigov.shared.bus_tables import OutboxEvent, ProcessedEvent

__all__ = [
    "AISystem",
    "DiscoveredModel",
    "IdempotencyRecord",
    "IngestDelivery",
    "OutboxEvent",
    "ProcessedEvent",
    "SystemAttribute",
    "SystemClassification",
    "SystemRevision",
    "WebhookSecret",
]
