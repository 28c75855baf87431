"""Which service answers which public path: data, not branches. First match wins."""

from __future__ import annotations

import re

# (path pattern under /v1, service). Longer, more specific patterns first.
ROUTE_TABLE: tuple[tuple[str, str], ...] = (
    (r"systems(/.*)?", "inventory"),
    (r"classifier(/.*)?", "classifier"),
    (r"classifications(/.*)?", "classifier"),
    (r"questionnaires(/.*)?", "classifier"),
    (r"rulebook(/.*)?", "classifier"),
    (r"penalties(/.*)?", "classifier"),
    (r"assessments/fria(/.*)?", "classifier"),
    (r"monitoring(/.*)?", "monitoring"),
    (r"ledger(/.*)?", "evidence"),
)

_COMPILED = tuple((re.compile(pattern), service) for pattern, service in ROUTE_TABLE)


def service_for(path: str) -> str | None:
    """The service for ``path`` (the part after ``/v1/``), or None when nothing serves it."""
    for pattern, service in _COMPILED:
        if pattern.fullmatch(path):
            return service
    return None
