"""problem+json on every error path, request ids, settings prefixes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from aigov.inventory.config import InventorySettings
from aigov.shared.problems import Conflict
from aigov.shared.web import create_base_app


@asynccontextmanager
async def nothing(_: FastAPI) -> AsyncIterator[None]:
    yield


class Body(BaseModel):
    name: str


def app_with_errors() -> FastAPI:
    app = create_base_app(title="t", version="1", description="d", lifespan=nothing)

    @app.post("/conflict")
    async def conflict(body: Body) -> None:
        raise Conflict("already there", existing="abc")

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    return app


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_with_errors())
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_domain_error_is_problem_json(client: httpx.AsyncClient) -> None:
    r = await client.post("/conflict", json={"name": "x"}, headers={"x-request-id": "req-1"})
    assert r.status_code == 409
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["x-request-id"] == "req-1"
    assert r.json() == {
        "type": "https://aigov.dev/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "already there",
        "instance": "/conflict",
        "request_id": "req-1",
        "existing": "abc",
    }


async def test_validation_error_lists_fields(client: httpx.AsyncClient) -> None:
    r = await client.post("/conflict", json={"nom": "x"})
    assert r.status_code == 422
    problem = r.json()
    assert problem["type"] == "https://aigov.dev/problems/validation"
    assert problem["errors"][0]["location"] == ["body", "name"]


async def test_unexpected_error_leaks_nothing(client: httpx.AsyncClient) -> None:
    r = await client.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert "hunter2" not in r.text
    assert r.json()["request_id"] == r.headers["x-request-id"]


async def test_unknown_route_and_method(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nope")).json()["status"] == 404
    r = await client.get("/conflict")
    assert r.status_code == 405
    assert r.headers["content-type"] == "application/problem+json"


def test_settings_use_the_service_prefix_and_the_global_broker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql+asyncpg://db/inv")
    monkeypatch.setenv("CLASSIFIER_DATABASE_URL", "postgresql+asyncpg://db/other")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")
    settings = InventorySettings()
    assert settings.database_url == "postgresql+asyncpg://db/inv"
    assert settings.kafka_bootstrap_servers == "kafka:9092"
