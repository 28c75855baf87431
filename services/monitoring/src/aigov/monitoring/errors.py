"""The monitoring service's problem types."""

from __future__ import annotations

from aigov.shared.problems import Conflict, DomainError, NotFound, Unprocessable


class SystemNotFound(NotFound):
    slug = "monitoring-system-not-found"


class IncidentNotFound(NotFound):
    slug = "incident-not-found"


class RunNotFound(NotFound):
    slug = "evaluation-run-not-found"


class PlanNotFound(NotFound):
    slug = "monitoring-plan-not-found"


class SchemaMismatch(Unprocessable):
    title = "Schema mismatch"
    slug = "schema-mismatch"


class InvalidObservation(Unprocessable):
    title = "Invalid observation"
    slug = "invalid-observation"


class EmptyWindow(Unprocessable):
    title = "Empty window"
    slug = "empty-window"


class InvalidTransition(Conflict):
    slug = "invalid-incident-transition"


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Payload too large", "payload-too-large"
