"""Through the gateway to the real inventory (real PostgreSQL and Kafka): authentication,
scopes, tenancy, problem pass-through, and a stopped service (503, breaker open, no hang)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from prometheus_client.parser import text_string_to_metric_families

from aigov.inventory.app import create_app as create_inventory
from aigov.inventory.config import InventorySettings
from tests.auth import caller_headers
from tests.infra import free_port
from tests.integration.gateway.servers import serve
from tests.unit.gateway.support import IdentityProvider, gateway_settings, make_key, serve_gateway

pytestmark = pytest.mark.integration

SYSTEM = {"name": "CV screener", "intended_purpose": "rank job applicants", "owner": "hr"}


def circuit_state(metrics: str, service: str) -> float:
    for family in text_string_to_metric_families(metrics):
        if family.name == "aigov_gateway_circuit_state":
            for sample in family.samples:
                if sample.labels.get("service") == service:
                    return sample.value
    raise AssertionError("no circuit state metric")


def without_request_id(problem: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in problem.items() if k != "request_id"}


async def test_through_the_gateway_to_the_inventory(
    database_url: str, kafka: str, tmp_path: Path
) -> None:
    idp = IdentityProvider()
    idp.add_key()
    port = free_port()
    settings = gateway_settings(
        tmp_path,
        inventory_url=f"http://127.0.0.1:{port}",
        breaker_failure_threshold=2,
        breaker_open_s=1.0,
        connect_retries=1,
    )

    def inventory() -> object:
        return create_inventory(
            InventorySettings(database_url=database_url, kafka_bootstrap_servers=kafka)
        )

    async with serve_gateway(settings, idp) as (app, gw):
        admin_a = {"x-api-key": await make_key(app, organisation="org-a", role="admin")}
        viewer_key = await make_key(app, organisation="org-a", role="viewer")
        viewer_a = {"authorization": f"Bearer {viewer_key}"}
        officer_b = {
            "x-api-key": await make_key(app, organisation="org-b", role="compliance_officer")
        }

        async with serve(inventory(), port) as inventory_url:  # type: ignore[arg-type]
            # The gateway started first; its start-up task fills the inventory's part in.
            for _ in range(100):
                merged = (await gw.get("/openapi.json")).json()
                if "inventory" not in merged.get("x-aigov-missing", {}):
                    break
                await asyncio.sleep(0.1)
            assert (await gw.post("/v1/systems", json=SYSTEM)).status_code == 401
            created = await gw.post(
                "/v1/systems", json=SYSTEM, headers=admin_a | {"x-request-id": "trace-42"}
            )
            assert created.status_code == 201, created.text
            assert created.headers.get_list("x-request-id") == ["trace-42"]
            path = f"/v1/systems/{created.json()['id']}"
            assert created.headers["location"] == path

            assert (await gw.get(path, headers=viewer_a)).json()["name"] == SYSTEM["name"]
            forbidden = await gw.post("/v1/systems", json=SYSTEM, headers=viewer_a)
            assert forbidden.status_code == 403  # the inventory's own scope check
            assert forbidden.json()["required_scope"] == "systems:write"

            # Another tenant: 404, and the service's problem passes through unchanged.
            other = await gw.get(path, headers=officer_b)
            assert other.status_code == 404
            assert other.headers["content-type"] == "application/problem+json"
            async with httpx.AsyncClient(base_url=inventory_url) as direct:
                straight = await direct.get(path, headers=caller_headers("org-b"))
            assert without_request_id(other.json()) == without_request_id(straight.json())
            invalid = await gw.post("/v1/systems", json={"name": ""}, headers=admin_a)
            assert invalid.status_code == 422
            assert invalid.json()["errors"]

            # OIDC tokens reach the service as their organisation; bad ones never do.
            auditor = idp.token(organisation="org-a", role="auditor")
            ok = await gw.get(path, headers={"authorization": f"Bearer {auditor}"})
            assert ok.status_code == 200, ok.text
            other_org = idp.token(organisation="org-b", role="admin")
            assert (
                await gw.get(path, headers={"authorization": f"Bearer {other_org}"})
            ).status_code == 404
            forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            for bad in (
                idp.token(organisation="org-a", role="admin", expires_in=-120),
                idp.token(organisation="org-a", role="admin", signing_key=forged_key),
            ):
                response = await gw.get(path, headers={"authorization": f"Bearer {bad}"})
                assert response.status_code == 401

            # Streamed and too large: cut off at the limit with a 413.
            async def chunks() -> AsyncIterator[bytes]:
                for _ in range(20):
                    yield b" " * 100_000

            too_big = await gw.post("/v1/systems", content=chunks(), headers=admin_a)
            assert too_big.status_code == 413

            merged = (await gw.get("/openapi.json")).json()
            assert {"/v1/systems", "/v1/systems/{system_id}", "/v1/admin/api-keys"} <= set(
                merged["paths"]
            )
            assert "inventory" not in merged.get("x-aigov-missing", {})
            assert circuit_state((await gw.get("/metrics")).text, "inventory") == 0

        # The inventory is stopped: 503 at once, then the breaker opens; never a hang.
        started = time.monotonic()
        for _ in range(2):
            down = await gw.get(path, headers=admin_a)
            assert down.status_code == 503
            assert down.headers["content-type"] == "application/problem+json"
        opened = await gw.get(path, headers=admin_a)
        assert opened.status_code == 503
        assert opened.json()["detail"].endswith("stops calling it for a while")
        assert int(opened.headers["retry-after"]) >= 1
        assert time.monotonic() - started < 5
        assert circuit_state((await gw.get("/metrics")).text, "inventory") == 2
        # Other services' circuits are unaffected.
        assert circuit_state((await gw.get("/metrics")).text, "evidence") == 0

        # Back up: after the pause one probe goes through and closes the circuit.
        async with serve(inventory(), port):  # type: ignore[arg-type]
            deadline = time.monotonic() + 10
            status = 503
            while status != 200 and time.monotonic() < deadline:
                status = (await gw.get(path, headers=admin_a)).status_code
                if status != 200:
                    await asyncio.sleep(0.2)
            assert status == 200
            assert circuit_state((await gw.get("/metrics")).text, "inventory") == 0
