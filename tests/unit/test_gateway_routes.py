from __future__ import annotations

import pytest

from aigov.gateway.routes import service_for


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("systems", "inventory"),
        ("systems/123", "inventory"),
        ("ledger", "evidence"),
        ("ledger/verify", "evidence"),
        ("classifier/systems", "classifier"),
        ("classifications/123", "classifier"),
        ("classifications/123/history", "classifier"),
        ("questionnaires", "classifier"),
        ("questionnaires/abc/next", "classifier"),
        ("rulebook", "classifier"),
        ("rulebook/obligations", "classifier"),
        ("penalties", "classifier"),
        ("assessments/fria/123", "classifier"),
        ("assessments/other", None),
        ("classificationsx", None),
        ("monitoring/systems", "monitoring"),
        ("systemsfoo", None),
        ("unknown", None),
        ("", None),
    ],
)
def test_route_table(path: str, service: str | None) -> None:
    assert service_for(path) == service
