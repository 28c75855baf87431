"""Every ORM model of the service, imported once so the metadata is complete."""

from aigov.monitoring.drift.models import EvaluationRun
from aigov.monitoring.incident.models import Alert, Incident, IncidentEvent
from aigov.monitoring.observation.models import ObservationChunk
from aigov.monitoring.plan.models import MonitoringPlan, PlanReview
from aigov.monitoring.system.models import MonitoredSystem
from aigov.shared.bus_tables import OutboxEvent, ProcessedEvent

__all__ = [
    "Alert",
    "EvaluationRun",
    "Incident",
    "IncidentEvent",
    "MonitoredSystem",
    "MonitoringPlan",
    "ObservationChunk",
    "OutboxEvent",
    "PlanReview",
    "ProcessedEvent",
]
