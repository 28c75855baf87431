"""The aggregated views with services down: the gateway talks to the real inventory (real
PostgreSQL and Kafka) over TCP while the classifier, monitoring and evidence URLs point at a
closed port. Every view still answers 200 quickly, naming the missing parts; another tenant's
system is 404; no credentials is 401."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from aigov.inventory.app import create_app as create_inventory
from aigov.inventory.config import InventorySettings
from tests.infra import free_port
from tests.integration.gateway.servers import serve
from tests.unit.gateway.support import IdentityProvider, gateway_settings, make_key, serve_gateway

pytestmark = pytest.mark.integration

SYSTEM = {"name": "CV screener", "intended_purpose": "rank job applicants", "owner": "hr"}
DOWN = ["classifier", "evidence", "monitoring"]
QUICK_S = 5.0


async def test_views_answer_partially_when_services_are_down(
    database_url: str, kafka: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = gateway_settings(tmp_path, inventory_url=f"http://127.0.0.1:{port}")
    inventory = create_inventory(
        InventorySettings(database_url=database_url, kafka_bootstrap_servers=kafka)
    )
    async with serve_gateway(settings, IdentityProvider()) as (app, gw):
        admin = {"x-api-key": await make_key(app, organisation="org-a", role="admin")}
        auditor = {"x-api-key": await make_key(app, organisation="org-a", role="auditor")}
        other = {"x-api-key": await make_key(app, organisation="org-b", role="viewer")}
        async with serve(inventory, port):
            created = await gw.post("/v1/systems", json=SYSTEM, headers=admin)
            assert created.status_code == 201, created.text
            system_id = created.json()["id"]
            path = f"/v1/systems/{system_id}/compliance"

            assert (await gw.get(path)).status_code == 401

            started = time.monotonic()
            view = await gw.get(path, headers=auditor)
            assert time.monotonic() - started < QUICK_S
            assert view.status_code == 200, view.text
            body = view.json()
            assert body["missing_parts"] == DOWN
            assert body["system"]["name"] == "CV screener"
            assert body["classification"] is None
            assert body["obligations"] == []
            assert body["drift"] is None

            # The inventory decides existence, per organisation.
            assert (await gw.get(path, headers=other)).status_code == 404
            unknown = await gw.get(
                "/v1/systems/00000000-0000-0000-0000-000000000000/compliance", headers=auditor
            )
            assert unknown.status_code == 404
            assert unknown.headers["content-type"] == "application/problem+json"

            for view_path, params, missing_parts in (
                ("/v1/compliance/roadmap", {}, DOWN),
                ("/v1/compliance/gaps", {}, ["classifier"]),
                (
                    "/v1/compliance/exposure",
                    {"turnover_eur": "5000000", "size": "sme"},
                    ["classifier", "evidence"],
                ),
            ):
                started = time.monotonic()
                response = await gw.get(view_path, params=params, headers=auditor)
                assert time.monotonic() - started < QUICK_S, view_path
                assert response.status_code == 200, (view_path, response.text)
                assert response.json()["missing_parts"] == missing_parts, view_path

            roadmap = (await gw.get("/v1/compliance/roadmap", headers=auditor)).json()
            steps = {s["id"]: s for s in roadmap["steps"]}
            registered = steps["inventory_and_risk_scope"]["criteria"][0]
            assert registered["met"] is True  # the inventory answered
            assert steps["evidence_and_audit"]["progress"] == 0
            assert any(
                "evidence did not answer" in r for r in steps["evidence_and_audit"]["remaining"]
            )

        # The inventory stopped too: the compliance view still answers, with what it knows.
        started = time.monotonic()
        view = await gw.get(path, headers=auditor)
        assert time.monotonic() - started < QUICK_S
        assert view.status_code == 200, view.text
        assert view.json()["missing_parts"] == ["classifier", "evidence", "inventory", "monitoring"]
        assert view.json()["system"] == {"id": system_id}
        missing = await gw.get("/v1/compliance/exposure", headers=auditor)
        assert missing.status_code == 422  # the turnover is required
