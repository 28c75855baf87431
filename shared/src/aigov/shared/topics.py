"""Every Kafka topic name, in one place."""

from __future__ import annotations

REGISTRY_LIFECYCLE = "aigov.registry.lifecycle"
MONITORING_OBSERVATIONS = "aigov.monitoring.observations"
INVENTORY_EVENTS = "aigov.inventory.events"
CLASSIFIER_EVENTS = "aigov.classifier.events"
MONITORING_EVENTS = "aigov.monitoring.events"
EVIDENCE_EVENTS = "aigov.evidence.events"

# The domain event streams the evidence ledger records (`aigov.*.events`).
EVENT_TOPICS: tuple[str, ...] = (
    INVENTORY_EVENTS,
    CLASSIFIER_EVENTS,
    MONITORING_EVENTS,
    EVIDENCE_EVENTS,
)
INBOUND_TOPICS: tuple[str, ...] = (REGISTRY_LIFECYCLE, MONITORING_OBSERVATIONS)
ALL_TOPICS: tuple[str, ...] = INBOUND_TOPICS + EVENT_TOPICS

DLQ_SUFFIX = ".dlq"


def dlq(topic: str) -> str:
    """The dead-letter topic of ``topic``."""
    return topic + DLQ_SUFFIX


def with_dlqs(topics: tuple[str, ...]) -> tuple[str, ...]:
    return topics + tuple(dlq(t) for t in topics)
