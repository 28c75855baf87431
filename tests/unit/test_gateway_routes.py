from __future__ import annotations

import pytest

from aigov.gateway.routes import service_for


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("systems", "inventory"),
        ("ingest/mlflow", "inventory"),
        ("systems/123", "inventory"),
        ("ledger", "evidence"),
        ("ledger/verify", "evidence"),
        ("classifier/systems", "classifier"),
        ("monitoring/systems", "monitoring"),
        ("systemsfoo", None),
        ("unknown", None),
        ("", None),
    ],
)
def test_route_table(path: str, service: str | None) -> None:
    assert service_for(path) == service
