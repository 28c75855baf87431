from __future__ import annotations

import pytest

from aigov.gateway.routes import service_for


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("systems", "inventory"),
        ("ingest/mlflow", "inventory"),
        ("systems/123", "inventory"),
        ("ingest/mlflow/org-a", "inventory"),
        ("ingest/secrets", "inventory"),
        ("discovered-models", "inventory"),
        ("discovered-models/1/assign", "inventory"),
        ("ingestion", None),
        ("ledger", "evidence"),
        ("ledger/verify", "evidence"),
        ("ledger/entries/3/proof", "evidence"),
        ("evidence", "evidence"),
        ("evidence/123/content", "evidence"),
        ("controls/statement-of-applicability", "evidence"),
        ("audit/package", "evidence"),
        ("evidencefoo", None),
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
        ("monitoring/incidents/123/assessment", "monitoring"),
        ("monitoring/runs/123", "monitoring"),
        ("systemsfoo", None),
        ("unknown", None),
        ("", None),
    ],
)
def test_route_table(path: str, service: str | None) -> None:
    assert service_for(path) == service
