"""Every ORM model of the service, imported once so the metadata is complete."""

from aigov.classifier.assessment.models import FriaAssessment
from aigov.classifier.classification.models import Classification, RulebookState
from aigov.classifier.questionnaire.models import QuestionnaireAnswer, QuestionnaireSession
from aigov.classifier.system.models import SystemFacts
from aigov.shared.bus_tables import OutboxEvent, ProcessedEvent

__all__ = [
    "Classification",
    "FriaAssessment",
    "OutboxEvent",
    "ProcessedEvent",
    "QuestionnaireAnswer",
    "QuestionnaireSession",
    "RulebookState",
    "SystemFacts",
]
