"""The platform started the way `make run` starts it, driven through the gateway."""

from __future__ import annotations

import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.e2e


def test_registration_reaches_the_ledger_and_the_tree_verifies(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=10) as client:
        created = client.post(
            "/v1/systems",
            json={"name": "CV screener", "intended_purpose": "rank job applicants", "owner": "hr"},
        )
        assert created.status_code == 201, created.text
        system_id = created.json()["id"]
        assert client.get(f"/v1/systems/{system_id}").json()["name"] == "CV screener"

        # The spine: inventory registers, the classifier classifies, evidence records both.
        expected = ["aigov.inventory.system.registered", "aigov.classifier.system.classified"]
        entries: list[dict[str, object]] = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(entries) < len(expected):
            entries = client.get("/v1/ledger", params={"system_id": system_id}).json()["items"]
            time.sleep(0.2)
        assert sorted(str(e["event_type"]) for e in entries) == sorted(expected)
        classification = client.get(f"/v1/classifications/{system_id}")
        assert classification.status_code == 200, classification.text
        assert classification.json()["result"]["needs_review"] is True  # facts still missing
        assert len(str(entries[0]["leaf_hash"])) == 64

        verification = client.get("/v1/ledger/verify").json()
        assert verification["valid"] is True
        assert verification["entries"] >= 1

        # The entry is provably in the Merkle tree the service signs.
        proof = client.get(f"/v1/ledger/entries/{entries[0]['seq']}/proof").json()
        assert proof["leaf_hash"] == entries[0]["leaf_hash"]
        assert proof["tree_size"] >= entries[0]["seq"]
        checkpoint = client.post("/v1/ledger/checkpoints")
        assert checkpoint.status_code == 201, checkpoint.text
        assert client.get("/v1/ledger/public-key").json()["algorithm"] == "Ed25519"

        # The other consumers learnt of it too.
        for path in ("/v1/classifier/systems", "/v1/monitoring/systems"):
            deadline = time.monotonic() + 15
            ids: list[str] = []
            while time.monotonic() < deadline and system_id not in ids:
                ids = [s["system_id"] for s in client.get(path).json()]
                time.sleep(0.2)
            assert system_id in ids, path


def test_errors_pass_through_as_problem_json(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=10) as client:
        missing = client.get("/v1/systems/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        invalid = client.post("/v1/systems", json={"name": ""})
        assert invalid.status_code == 422
        assert invalid.json()["errors"]
        assert client.get("/v1/unknown").status_code == 404


def test_gateway_is_ready_and_metrics_parse(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=10) as client:
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready"
        assert set(ready["checks"]) == {
            "database",
            "inventory",
            "classifier",
            "monitoring",
            "evidence",
        }
        families = {f.name for f in text_string_to_metric_families(client.get("/metrics").text)}
        assert "aigov_http_requests" in families
