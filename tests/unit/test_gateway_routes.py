from __future__ import annotations

import pytest

from aigov.gateway.routes import is_public, service_for


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


@pytest.mark.parametrize(
    ("path", "public"),
    [
        ("ingest/mlflow/org-a", True),
        ("ingest/sagemaker/org-a", True),
        ("ingest/cloudevents/org-a", True),
        # The admin half of /v1/ingest needs gateway credentials like any other call.
        ("ingest/secrets", False),
        ("ingest/secrets/mlflow", False),
        ("ingest/deliveries", False),
        ("ingest/mlflow", False),
        ("ingest/mlflow/org-a/extra", False),
        ("systems", False),
    ],
)
def test_only_the_webhook_receivers_skip_gateway_auth(path: str, public: bool) -> None:
    assert is_public(path) is public
