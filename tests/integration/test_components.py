"""Every component on real infrastructure: migrations, health, readiness, metrics, problems."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from aigov.classifier.app import create_app as create_classifier
from aigov.classifier.config import ClassifierSettings
from aigov.evidence.app import create_app as create_evidence
from aigov.evidence.config import EvidenceSettings
from aigov.gateway.app import create_app as create_gateway
from aigov.gateway.config import GatewaySettings
from aigov.inventory.app import create_app as create_inventory
from aigov.inventory.config import InventorySettings
from aigov.monitoring.app import create_app as create_monitoring
from aigov.monitoring.config import MonitoringSettings
from tests.infra import KafkaBroker

pytestmark = pytest.mark.integration

SERVICE_FACTORIES: dict[str, Callable[[str, str], FastAPI]] = {
    "inventory": lambda db, k: create_inventory(
        InventorySettings(database_url=db, kafka_bootstrap_servers=k)
    ),
    "classifier": lambda db, k: create_classifier(
        ClassifierSettings(database_url=db, kafka_bootstrap_servers=k)
    ),
    "monitoring": lambda db, k: create_monitoring(
        MonitoringSettings(database_url=db, kafka_bootstrap_servers=k)
    ),
    "evidence": lambda db, k: create_evidence(
        EvidenceSettings(database_url=db, kafka_bootstrap_servers=k)
    ),
}


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def assert_prometheus_text(text: str, *expected: str) -> None:
    names = {family.name for family in text_string_to_metric_families(text)}
    for name in expected:
        assert name in names, f"{name} missing from /metrics"


@pytest.mark.parametrize("service", list(SERVICE_FACTORIES))
async def test_service_is_ready_and_exposes_metrics(
    service: str, database_url: str, kafka: str
) -> None:
    app = SERVICE_FACTORIES[service](database_url, kafka)
    async with running(app) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}

        missing = await client.get("/v1/nothing-here")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["status"] == 404
        assert missing.headers["x-request-id"]

        metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        assert_prometheus_text(
            metrics.text,
            "aigov_http_requests",
            "aigov_http_request_duration_seconds",
            "aigov_outbox_backlog",
            "aigov_events_handled",
            "aigov_events_dead_lettered",
            "aigov_consumer_lag",
        )
        assert 'route="/healthz"' in metrics.text
        assert "/v1/nothing-here" not in metrics.text  # raw paths never become labels


async def test_gateway_metrics_and_unready_when_services_are_down(tmp_path: Path) -> None:
    dead = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings = GatewaySettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        inventory_url=dead,
        classifier_url=dead,
        monitoring_url=dead,
        evidence_url=dead,
        dev_organisation="org-a",
    )
    async with running(create_gateway(settings)) as client:
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.headers["content-type"] == "application/problem+json"
        checks = ready.json()["checks"]
        assert set(checks) == {"database", "inventory", "classifier", "monitoring", "evidence"}
        assert checks["database"] == "ok"
        proxied = await client.get("/v1/systems/x")
        assert proxied.status_code == 503
        assert proxied.json()["title"] == "Service unavailable"
        assert_prometheus_text((await client.get("/metrics")).text, "aigov_http_requests")


async def test_readiness_follows_the_broker(database_url: str, tmp_path: Path) -> None:
    broker = KafkaBroker.create(tmp_path / "kafka")
    broker.start()
    try:
        app = SERVICE_FACTORIES["inventory"](database_url, broker.bootstrap)
        async with running(app) as client:
            assert (await client.get("/readyz")).status_code == 200
            broker.stop()
            await until_status(client, 503)
            body = (await client.get("/readyz")).json()
            assert body["checks"]["database"] == "ok"
            assert body["checks"]["broker"].startswith("unavailable")
            broker.start()
            await until_status(client, 200)
    finally:
        broker.stop()


async def until_status(client: httpx.AsyncClient, status: int, timeout: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if (await client.get("/readyz")).status_code == status:
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"/readyz never answered {status}")


async def test_gateway_stays_in_rotation_while_services_are_down(tmp_path: Path) -> None:
    dead = "http://127.0.0.1:9"
    settings = GatewaySettings(
        inventory_url=dead,
        classifier_url=dead,
        monitoring_url=dead,
        evidence_url=dead,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
    )
    async with running(create_gateway(settings)) as client:
        own = await client.get("/readyz", params={"scope": "self"})
        assert own.status_code == 200, own.text
        assert own.json()["checks"] == {"database": "ok"}
        assert (await client.get("/readyz")).status_code == 503  # the platform as a whole
