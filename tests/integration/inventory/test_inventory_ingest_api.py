"""Registry webhooks end to end on PostgreSQL + Kafka: verified, stored, published to
aigov.registry.lifecycle, applied by the inventory's own consumer."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from aigov.inventory.app import create_app
from aigov.inventory.config import InventorySettings
from aigov.inventory.registry.signature import mlflow_signature
from aigov.shared.topics import INVENTORY_EVENTS, REGISTRY_LIFECYCLE
from tests.integration.conftest import header, read_topic
from tests.integration.inventory.test_inventory_register_api import as_user
from tests.integration.test_components import running

pytestmark = pytest.mark.integration

SECRET = "mlflow-webhook-secret-0123456789"
TOKEN = "eventbridge-token-0123456789abcdef"


@pytest.fixture
async def client(database_url: str, kafka: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(InventorySettings(database_url=database_url, kafka_bootstrap_servers=kafka))
    async with running(app) as c:
        for provider, secret in (("mlflow", SECRET), ("sagemaker", TOKEN), ("cloudevents", TOKEN)):
            r = await c.put(
                f"/v1/ingest/secrets/{provider}", json={"secret": secret}, headers=as_user()
            )
            assert r.status_code == 200, r.text
        yield c


def mlflow_delivery(
    entity: str,
    action: str,
    data: dict[str, Any],
    *,
    delivery_id: str | None = None,
    ts: int | None = None,
    secret: str = SECRET,
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {"entity": entity, "action": action, "timestamp": "2026-11-27T21:00:00+00:00", "data": data}
    ).encode()
    delivery_id = delivery_id or str(uuid.uuid4())
    stamp = str(ts if ts is not None else int(time.time()))
    return body, {
        "Content-Type": "application/json",
        "X-MLflow-Delivery-Id": delivery_id,
        "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": mlflow_signature(secret, delivery_id, stamp, body),
    }


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not reached in time")


async def post(
    client: httpx.AsyncClient, body: bytes, headers: dict[str, str], org: str = "org-a"
) -> httpx.Response:
    return await client.post(f"/v1/ingest/mlflow/{org}", content=body, headers=headers)


async def test_mlflow_deliveries_update_the_linked_system(
    client: httpx.AsyncClient, kafka: str
) -> None:
    system = {
        "name": "Fraud scoring",
        "intended_purpose": "flag payments",
        "business_owner": "payments",
        "models": [{"registry": "mlflow", "name": "fraud"}],
    }
    created = (await client.post("/v1/systems", json=system, headers=as_user())).json()
    path = f"/v1/systems/{created['id']}"

    version = mlflow_delivery(
        "model_version",
        "created",
        {"name": "fraud", "version": "1", "source": "models:/m-1", "run_id": "r", "tags": {}},
    )
    accepted = await post(client, *version)
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["status"] == "accepted"
    alias_body, alias_headers = mlflow_delivery(
        "model_version_alias", "created", {"name": "fraud", "alias": "champion", "version": "1"}
    )
    assert (await post(client, alias_body, alias_headers)).status_code == 202

    async def deployed() -> bool:
        got = (await client.get(path, headers=as_user())).json()
        return bool(got["deployments"]) and got["deployments"][0]["model_version"] == "1"

    await eventually(deployed)
    current = (await client.get(path, headers=as_user())).json()
    assert current["models"][0]["aliases"] == ["champion"]
    assert current["deployments"][0]["alias"] == "champion"

    # MLflow retries with the same delivery id: acknowledged, no second effect.
    again = await post(client, alias_body, alias_headers)
    assert again.status_code == 202
    assert again.json()["status"] == "duplicate"
    await asyncio.sleep(1.0)
    revisions = (await client.get(f"{path}/revisions", headers=as_user())).json()["items"]
    assert [r["actor"] for r in revisions] == ["registry:mlflow", "registry:mlflow", "alice"]

    ids = {version[1]["X-MLflow-Delivery-Id"], alias_headers["X-MLflow-Delivery-Id"]}
    lifecycle = [
        r
        for r in await read_topic(kafka, REGISTRY_LIFECYCLE, expect=2, timeout=5)
        if json.loads(r.value)["delivery_id"] in ids
    ]
    assert len(lifecycle) == 2  # one per delivery: the retry published nothing
    assert {header(r, "ce_orgid") for r in lifecycle} == {"org-a"}
    assert {r.key for r in lifecycle} == {b"mlflow:fraud"}
    events = await read_topic(kafka, INVENTORY_EVENTS, expect=6, timeout=5)
    types = [header(r, "ce_type") for r in events if r.key == created["id"].encode()]
    assert types[-1] == "aigov.inventory.deployment.changed"
    assert "aigov.inventory.model_version.added" in types


async def test_bad_signatures_store_nothing(client: httpx.AsyncClient) -> None:
    data: dict[str, Any] = {"name": "m", "tags": {}, "description": None}
    body, headers = mlflow_delivery("registered_model", "created", data, secret="wrong-secret-xx")
    cases = [
        (body, headers, "org-a"),  # wrong secret
        (body + b" ", mlflow_delivery("registered_model", "created", data)[1], "org-a"),  # tampered
        (
            *mlflow_delivery("registered_model", "created", data, ts=int(time.time()) - 3600),
            "org-a",
        ),
        (*mlflow_delivery("registered_model", "created", data), "org-b"),  # org-b has no secret
    ]
    for case_body, case_headers, org in cases:
        r = await post(client, case_body, case_headers, org)
        assert r.status_code == 401, r.text
        assert r.headers["content-type"] == "application/problem+json"
    no_sig = {k: v for k, v in headers.items() if k != "X-MLflow-Signature"}
    assert (await post(client, body, no_sig)).status_code == 401
    stored = (await client.get("/v1/ingest/deliveries", headers=as_user())).json()
    assert stored == []
    assert (await client.get("/v1/discovered-models", headers=as_user())).json() == []


async def test_malformed_after_auth_keeps_the_raw_body(client: httpx.AsyncClient) -> None:
    delivery = str(uuid.uuid4())
    stamp = str(int(time.time()))
    body = b'{"entity": "model_version", "action": "created", "data": '
    headers = {
        "X-MLflow-Delivery-Id": delivery,
        "X-MLflow-Timestamp": stamp,
        "X-MLflow-Signature": mlflow_signature(SECRET, delivery, stamp, body),
    }
    r = await post(client, body, headers)
    assert r.status_code == 400, r.text
    assert "not JSON" in r.json()["detail"]
    unknown = await post(client, *mlflow_delivery("experiment", "created", {"name": "x"}))
    assert unknown.status_code == 422
    assert "unknown MLflow event" in unknown.json()["detail"]
    rejected = (
        await client.get("/v1/ingest/deliveries", params={"status": "rejected"}, headers=as_user())
    ).json()
    assert len(rejected) == 2
    kept = next(d for d in rejected if d["delivery_id"] == delivery)
    assert kept["raw_body"] == body.decode()
    assert kept["id"] == r.json()["ingest_id"]
    # Another tenant cannot read them; a non-admin cannot either.
    assert (await client.get("/v1/ingest/deliveries", headers=as_user("org-b"))).json() == []
    reader = as_user(scopes={"systems:read"})
    assert (await client.get("/v1/ingest/deliveries", headers=reader)).status_code == 403


async def test_unlisted_models_are_discovered_then_assigned(client: httpx.AsyncClient) -> None:
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("registered_model", "created", {"name": "shadow-llm", "tags": {}, "description": None}),
        (
            "model_version",
            "created",
            {"name": "shadow-llm", "version": "4", "source": "s", "tags": {}},
        ),
        ("model_version_alias", "created", {"name": "shadow-llm", "alias": "prod", "version": "4"}),
    ]
    for entity, action, data in steps:
        assert (await post(client, *mlflow_delivery(entity, action, data))).status_code == 202

    async def discovered() -> list[dict[str, Any]]:
        r = await client.get(
            "/v1/discovered-models", params={"status": "awaiting_triage"}, headers=as_user()
        )
        return list(r.json())

    async def three_events() -> bool:
        found = await discovered()
        return bool(found) and found[0]["event_count"] == 3

    await eventually(three_events)
    [model] = await discovered()
    assert (model["name"], model["versions"], model["aliases"]) == (
        "shadow-llm",
        ["4"],
        {"prod": "4"},
    )

    system = {"name": "Support bot", "intended_purpose": "answer customers", "business_owner": "cx"}
    created = (await client.post("/v1/systems", json=system, headers=as_user())).json()
    assign = await client.post(
        f"/v1/discovered-models/{model['id']}/assign",
        json={"system_id": created["id"]},
        headers=as_user(subject="triager"),
    )
    assert assign.status_code == 200, assign.text
    assert assign.json()["models"][0]["name"] == "shadow-llm"
    assert assign.json()["deployments"][0]["model_version"] == "4"
    assert await discovered() == []
    other_org = await client.post(
        f"/v1/discovered-models/{model['id']}/assign",
        json={"system_id": created["id"]},
        headers=as_user("org-b"),
    )
    assert other_org.status_code == 404

    # The registry tag links a model to a system directly.
    tagged = mlflow_delivery(
        "registered_model",
        "created",
        {"name": "tagged", "tags": {"aigov.system_id": created["id"]}, "description": None},
    )
    assert (await post(client, *tagged)).status_code == 202

    async def linked() -> bool:
        got = (await client.get(f"/v1/systems/{created['id']}", headers=as_user())).json()
        return "tagged" in [m["name"] for m in got["models"]]

    await eventually(linked)


async def test_sagemaker_and_cloudevents(client: httpx.AsyncClient) -> None:
    system = {
        "name": "Churn",
        "intended_purpose": "predict churn",
        "business_owner": "marketing",
        "models": [{"registry": "sagemaker", "name": "churn"}],
    }
    created = (await client.post("/v1/systems", json=system, headers=as_user())).json()
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "SageMaker Model Package State Change",
        "source": "aws.sagemaker",
        "time": "2026-11-27T20:00:00Z",
        "detail": {
            "ModelPackageGroupName": "churn",
            "ModelPackageVersion": 2,
            "ModelApprovalStatus": "Approved",
        },
    }
    unauth = await client.post("/v1/ingest/sagemaker/org-a", json=event)
    assert unauth.status_code == 401
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    r = await client.post("/v1/ingest/sagemaker/org-a", json=event, headers=bearer)
    assert r.status_code == 202, r.text

    async def approved() -> bool:
        got = (await client.get(f"/v1/systems/{created['id']}", headers=as_user())).json()
        return bool(got["deployments"])

    await eventually(approved)
    got = (await client.get(f"/v1/systems/{created['id']}", headers=as_user())).json()
    assert got["models"][0]["stage"] == "Approved"
    assert got["deployments"][0]["model_version"] == "2"

    binary = {
        **bearer,
        "Content-Type": "application/json",
        "ce-specversion": "1.0",
        "ce-id": "e-1",
        "ce-source": "/vertex",
        "ce-type": "eu.aiact.model.version.registered",
    }
    ce = await client.post(
        "/v1/ingest/cloudevents/org-a",
        content=json.dumps({"registry": "vertex", "model_name": "vx", "version": "1"}),
        headers=binary,
    )
    assert ce.status_code == 202, ce.text
    dup = await client.post(
        "/v1/ingest/cloudevents/org-a",
        content=json.dumps({"registry": "vertex", "model_name": "vx", "version": "1"}),
        headers=binary,
    )
    assert dup.json()["status"] == "duplicate"
    unknown = await client.post(
        "/v1/ingest/cloudevents/org-a",
        content=json.dumps({"specversion": "1.0", "id": "2", "source": "/x", "type": "x.y"}),
        headers={**bearer, "Content-Type": "application/cloudevents+json"},
    )
    assert unknown.status_code == 422

    async def vx_discovered() -> bool:
        r = await client.get("/v1/discovered-models", headers=as_user())
        return [m["name"] for m in r.json()] == ["vx"]

    await eventually(vx_discovered)
