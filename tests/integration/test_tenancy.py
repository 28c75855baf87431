"""Services trust only the gateway's signed caller context and filter by its organisation."""

from __future__ import annotations

import httpx
import pytest

from aigov.inventory.app import create_app
from aigov.inventory.config import InventorySettings
from aigov.shared.tenancy import CONTEXT_HEADER, CallerContext, sign_context
from tests.auth import caller_headers
from tests.integration.test_components import running

pytestmark = pytest.mark.integration

SYSTEM = {"name": "Fraud model", "intended_purpose": "flag payments", "owner": "payments"}


async def test_tenancy_and_scopes_on_a_service(database_url: str, kafka: str) -> None:
    app = create_app(InventorySettings(database_url=database_url, kafka_bootstrap_servers=kafka))
    async with running(app) as client:
        created = await client.post("/v1/systems", json=SYSTEM, headers=caller_headers("org-a"))
        assert created.status_code == 201, created.text
        path = f"/v1/systems/{created.json()['id']}"

        assert (await client.get(path, headers=caller_headers("org-a"))).status_code == 200
        other = await client.get(path, headers=caller_headers("org-b"))
        assert other.status_code == 404  # another tenant's record does not exist for you

        await expect_problem(client.get(path), 401)
        forged = sign_context(CallerContext("org-a", "mallory", frozenset({"admin"})), "guess")
        await expect_problem(client.get(path, headers={CONTEXT_HEADER: forged}), 401)
        read_only = caller_headers("org-a", frozenset({"systems:read"}))
        await expect_problem(client.post("/v1/systems", json=SYSTEM, headers=read_only), 403)


async def expect_problem(request: object, status: int) -> None:
    response = await request  # type: ignore[misc]
    assert isinstance(response, httpx.Response)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
