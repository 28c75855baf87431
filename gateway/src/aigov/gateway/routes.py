"""Which service answers which public path: data, not branches. First match wins."""

from __future__ import annotations

import re

# (path pattern under /v1, service). Longer, more specific patterns first.
ROUTE_TABLE: tuple[tuple[str, str], ...] = (
    (r"ingest(/.*)?", "inventory"),
    (r"systems(/.*)?", "inventory"),
    (r"discovered-models(/.*)?", "inventory"),
    (r"classifier(/.*)?", "classifier"),
    (r"classifications(/.*)?", "classifier"),
    (r"questionnaires(/.*)?", "classifier"),
    (r"rulebook(/.*)?", "classifier"),
    (r"penalties(/.*)?", "classifier"),
    (r"assessments/fria(/.*)?", "classifier"),
    (r"monitoring(/.*)?", "monitoring"),
    (r"ledger(/.*)?", "evidence"),
    (r"evidence(/.*)?", "evidence"),
    (r"controls(/.*)?", "evidence"),
    (r"audit(/.*)?", "evidence"),
)

# Paths forwarded without gateway credentials: registry webhooks, which the inventory
# authenticates by their own signatures. They are still rate limited and size limited. The rest
# of /v1/ingest (webhook secrets, stored deliveries) is an admin API like any other.
PUBLIC_PATHS: tuple[str, ...] = (r"ingest/(mlflow|sagemaker|azureml|cloudevents)/[^/]+",)

_COMPILED = tuple((re.compile(pattern), service) for pattern, service in ROUTE_TABLE)
_PUBLIC = tuple(re.compile(pattern) for pattern in PUBLIC_PATHS)


def service_for(path: str) -> str | None:
    """The service for ``path`` (the part after ``/v1/``), or None when nothing serves it."""
    for pattern, service in _COMPILED:
        if pattern.fullmatch(path):
            return service
    return None


def is_public(path: str) -> bool:
    """Whether ``path`` (after ``/v1/``) is forwarded without gateway authentication."""
    return any(pattern.fullmatch(path) for pattern in _PUBLIC)
