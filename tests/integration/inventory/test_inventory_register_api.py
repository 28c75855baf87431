"""The register over HTTP on PostgreSQL + Kafka: revisions, ETag/If-Match, Idempotency-Key,
bulk import, pagination and tenancy."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from aigov.inventory.app import create_app
from aigov.inventory.config import InventorySettings
from aigov.shared.bus import Publisher
from aigov.shared.contracts.classifier import SystemClassifiedV1
from aigov.shared.events import make_event
from aigov.shared.tenancy import CONTEXT_HEADER, SCOPES, CallerContext, sign_context
from aigov.shared.topics import CLASSIFIER_EVENTS, INVENTORY_EVENTS
from tests.integration.conftest import header, read_topic
from tests.integration.test_components import running

pytestmark = pytest.mark.integration

SYSTEM = {
    "name": "CV screener",
    "intended_purpose": "rank job applicants",
    "business_owner": "hr",
    "roles": ["deployer"],
    "countries": ["DE", "FR"],
    "affects_employees": True,
    "models": [{"registry": "mlflow", "name": "cv-ranker", "version": "3"}],
    "gpai_models": [{"provider": "Mistral AI", "model": "mistral-large", "open_source": False}],
    "suppliers": [{"name": "Acme Data", "kind": "data_provider", "country": "NL"}],
    "deployments": [{"environment": "production", "model_name": "cv-ranker"}],
    "tags": ["hr"],
    "external_ids": {"servicenow": "CI0012"},
    "extra_facts": {"annex_iii.employment.recruitment": True},
}


def as_user(
    org: str = "org-a", subject: str = "alice", scopes: set[str] | None = None
) -> dict[str, str]:
    ctx = CallerContext(org, subject, frozenset(SCOPES if scopes is None else scopes))
    return {CONTEXT_HEADER: sign_context(ctx, InventorySettings().internal_secret)}


@pytest.fixture
async def client(database_url: str, kafka: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(InventorySettings(database_url=database_url, kafka_bootstrap_servers=kafka))
    async with running(app) as c:
        yield c


async def test_register_update_retire_with_revisions(client: httpx.AsyncClient, kafka: str) -> None:
    created = await client.post("/v1/systems", json=SYSTEM, headers=as_user())
    assert created.status_code == 201, created.text
    body = created.json()
    path = f"/v1/systems/{body['id']}"
    assert created.headers["location"] == path
    assert created.headers["etag"] == '"r1"'
    assert body["extra_facts"] == {"annex_iii.employment.recruitment": True}
    assert body["suppliers"][0]["name"] == "Acme Data"

    patch = {"lifecycle_stage": "operation_and_monitoring", "tags": ["hr", "screening"]}
    missing = await client.patch(path, json=patch, headers=as_user(subject="bob"))
    assert missing.status_code == 428
    stale = await client.patch(path, json=patch, headers={**as_user(), "If-Match": '"r7"'})
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == '"r1"'
    ok = await client.patch(
        path, json=patch, headers={**as_user(subject="bob"), "If-Match": '"r1"'}
    )
    assert ok.status_code == 200, ok.text
    assert ok.headers["etag"] == '"r2"'
    replayed_stale = await client.patch(
        path, json={"name": "x"}, headers={**as_user(), "If-Match": '"r1"'}
    )
    assert replayed_stale.status_code == 412  # the first writer won; the second must re-read

    retired = await client.post(
        f"{path}/retire",
        json={"reason": "replaced"},
        headers={**as_user(subject="carol"), "If-Match": '"r2"'},
    )
    assert retired.status_code == 200, retired.text
    assert retired.json()["status"] == "retired"
    assert (await client.get(path, headers=as_user())).json()["lifecycle_stage"] == "retirement"
    assert (await client.delete(path, headers=as_user())).status_code == 405  # never deleted

    revisions = (await client.get(f"{path}/revisions", headers=as_user())).json()["items"]
    assert [(r["revision"], r["actor"], r["action"]) for r in revisions] == [
        (3, "carol", "retired"),
        (2, "bob", "updated"),
        (1, "alice", "registered"),
    ]
    assert {c["field"] for c in revisions[1]["changes"]} == {"lifecycle_stage", "tags"}
    change = next(c for c in revisions[1]["changes"] if c["field"] == "tags")
    assert (change["before"], change["after"]) == (["hr"], ["hr", "screening"])

    records = await read_topic(kafka, INVENTORY_EVENTS, expect=100, timeout=4)
    mine = [r for r in records if r.key == body["id"].encode()]
    types = [header(r, "ce_type") for r in mine]
    assert types == [
        "aigov.inventory.system.registered",
        "aigov.inventory.model_version.added",
        "aigov.inventory.deployment.changed",
        "aigov.inventory.supplier.changed",
        "aigov.inventory.system.updated",
        "aigov.inventory.system.retired",
    ]
    updated = json.loads(mine[4].value)
    assert updated["changed"] == ["lifecycle_stage", "tags"]
    assert updated["facts"]["lifecycle_stage"] == "operation_and_monitoring"
    assert all(header(r, "ce_orgid") == "org-a" for r in mine)


async def test_idempotency_keys(client: httpx.AsyncClient) -> None:
    key = {"Idempotency-Key": f'"{uuid.uuid4()}"'}
    first = await client.post("/v1/systems", json=SYSTEM, headers={**as_user(), **key})
    again = await client.post("/v1/systems", json=SYSTEM, headers={**as_user(), **key})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
    changed = await client.post(
        "/v1/systems", json={**SYSTEM, "name": "other"}, headers={**as_user(), **key}
    )
    assert changed.status_code == 422
    assert changed.headers["content-type"] == "application/problem+json"
    # Keys belong to an organisation: the same key elsewhere is a new request.
    elsewhere = await client.post("/v1/systems", json=SYSTEM, headers={**as_user("org-b"), **key})
    assert elsewhere.status_code == 201
    assert elsewhere.json()["id"] != first.json()["id"]
    listed = (await client.get("/v1/systems", headers=as_user())).json()["items"]
    assert len(listed) == 1
    bad = await client.post(
        "/v1/systems", json=SYSTEM, headers={**as_user(), "Idempotency-Key": ""}
    )
    assert bad.status_code == 400


async def test_pagination_filters_and_tenancy(client: httpx.AsyncClient, kafka: str) -> None:
    ids = []
    for i in range(12):
        body = {
            **SYSTEM,
            "name": f"system {i:02d}",
            "roles": ["provider"] if i % 3 == 0 else ["deployer"],
            "countries": ["IT"] if i < 4 else ["US"],
            "lifecycle_stage": "deployment" if i % 2 else "inception",
            "technical_owner": "ml" if i == 5 else None,
        }
        created = await client.post("/v1/systems", json=body, headers=as_user())
        ids.append(created.json()["id"])
    await client.post("/v1/systems", json=SYSTEM, headers=as_user("org-b"))

    seen: list[str] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 5}
        if token:
            params["page_token"] = token
        page = (await client.get("/v1/systems", params=params, headers=as_user())).json()
        seen += [s["id"] for s in page["items"]]
        token = page["next_page_token"]
        if token is None:
            break
    assert seen == ids  # every system once, in registration order, none of org-b's

    async def names(**params: Any) -> list[str]:
        r = await client.get("/v1/systems", params=params, headers=as_user())
        assert r.status_code == 200, r.text
        return [s["name"] for s in r.json()["items"]]

    assert await names(role="provider") == ["system 00", "system 03", "system 06", "system 09"]
    assert await names(country="it", stage="deployment") == ["system 01", "system 03"]
    assert await names(owner="ml") == ["system 05"]
    assert await names(q="SYSTEM 1") == ["system 10", "system 11"]
    assert (
        await client.get("/v1/systems", params={"page_token": "garbage"}, headers=as_user())
    ).status_code == 400

    # The risk tier comes from the classifier's events.
    publisher = Publisher(kafka, client_id="test-classifier")
    await publisher.start()
    try:
        payload = SystemClassifiedV1(
            system_id=uuid.UUID(ids[2]),
            classification_id=uuid.uuid4(),
            risk_tier="high_risk",
            rulebook_version="test",
        )
        event = make_event(payload, source="/test", subject=ids[2], organisation_id="org-a")
        value, headers = event.to_kafka()
        await (await publisher.send(CLASSIFIER_EVENTS, key=ids[2], value=value, headers=headers))
    finally:
        await publisher.stop()
    for _ in range(100):
        if await names(risk_tier="high_risk"):
            break
        await asyncio.sleep(0.1)
    assert await names(risk_tier="high_risk") == ["system 02"]
    one = (await client.get(f"/v1/systems/{ids[2]}", headers=as_user())).json()
    assert one["risk_tier"] == "high_risk"
    assert len(await names(risk_tier="unclassified")) == len(ids) - 1
    assert await names(risk_tier=["unclassified", "high_risk"]) == [
        f"system {i:02d}" for i in range(len(ids))
    ]

    # The brief listing pages the same way with a few columns; counts come from GROUP BYs.
    brief = await client.get("/v1/systems", params={"view": "brief", "limit": 7}, headers=as_user())
    assert brief.status_code == 200, brief.text
    first = brief.json()
    assert [s["id"] for s in first["items"]] == ids[:7]
    assert set(first["items"][2]) == {"id", "name", "status", "lifecycle_stage", "risk_tier"}
    assert first["items"][2]["risk_tier"] == "high_risk"
    rest = await client.get(
        "/v1/systems",
        params={"view": "brief", "limit": 1000, "page_token": first["next_page_token"]},
        headers=as_user(),
    )
    assert [s["id"] for s in rest.json()["items"]] == ids[7:]
    assert rest.json()["next_page_token"] is None
    too_many = await client.get("/v1/systems", params={"limit": 1000}, headers=as_user())
    assert too_many.status_code == 422
    summary = (await client.get("/v1/systems/summary", headers=as_user())).json()
    assert summary["total"] == len(ids)
    assert summary["by_risk_tier"] == {"high_risk": 1, "unclassified": len(ids) - 1}
    assert summary["by_role"] == {"provider": 4, "deployer": len(ids) - 4}

    other = await client.get(f"/v1/systems/{ids[0]}", headers=as_user("org-b"))
    assert other.status_code == 404
    patch = await client.patch(
        f"/v1/systems/{ids[0]}", json={"name": "x"}, headers={**as_user("org-b"), "If-Match": "*"}
    )
    assert patch.status_code == 404
    revs = await client.get(f"/v1/systems/{ids[0]}/revisions", headers=as_user("org-b"))
    assert revs.status_code == 404
    read_only = as_user(scopes={"systems:read"})
    assert (await client.post("/v1/systems", json=SYSTEM, headers=read_only)).status_code == 403


BAD_CSV = (
    "name,intended_purpose,business_owner,roles,countries,models\n"
    "Good one,screen CVs,hr,deployer,DE,\n"
    "No owner,screen CVs,,deployer,DE,\n"
    "Bad country,screen CVs,hr,deployer,Germany,\n"
    'Bad JSON,screen CVs,hr,deployer,DE,"[{oops"\n'
    "Second good,chat,support,provider;deployer,FR;DE,\n"
)


async def test_bulk_import(client: httpx.AsyncClient) -> None:
    csv_headers = {**as_user(), "Content-Type": "text/csv"}
    refused = await client.post("/v1/systems/import", content=BAD_CSV, headers=csv_headers)
    assert refused.status_code == 422, refused.text
    report = refused.json()
    assert (report["total"], report["created"], report["failed"]) == (5, 0, 3)
    failed = {r["row"]: r for r in report["rows"] if r["status"] == "failed"}
    assert set(failed) == {2, 3, 4}
    assert failed[2]["errors"][0]["location"] == ["business_owner"]
    assert failed[3]["errors"][0]["location"] == ["countries"]
    assert failed[4]["errors"][0]["location"] == ["models"]
    assert (await client.get("/v1/systems", headers=as_user())).json()["items"] == []

    best = await client.post(
        "/v1/systems/import", params={"mode": "best_effort"}, content=BAD_CSV, headers=csv_headers
    )
    assert best.status_code == 200, best.text
    assert (best.json()["created"], best.json()["failed"]) == (2, 3)
    names = [
        s["name"] for s in (await client.get("/v1/systems", headers=as_user())).json()["items"]
    ]
    assert names == ["Good one", "Second good"]

    yaml_doc = "systems:\n  - name: From YAML\n    intended_purpose: triage\n    owner: ops\n"
    from_yaml = await client.post(
        "/v1/systems/import",
        content=yaml_doc,
        headers={**as_user(), "Content-Type": "application/yaml"},
    )
    assert from_yaml.status_code == 200, from_yaml.text
    json_doc = json.dumps([{**SYSTEM, "name": "From JSON"}])
    from_json = await client.post(
        "/v1/systems/import", content=json_doc, params={"format": "json"}, headers=as_user()
    )
    assert from_json.json()["created"] == 1
    unreadable = await client.post(
        "/v1/systems/import", content="{", headers={**as_user(), "Content-Type": "application/json"}
    )
    assert unreadable.status_code == 400


async def test_concurrent_writers_with_one_etag(client: httpx.AsyncClient) -> None:
    created = (await client.post("/v1/systems", json=SYSTEM, headers=as_user())).json()
    path = f"/v1/systems/{created['id']}"
    results = await asyncio.gather(
        *(
            client.patch(
                path, json={"description": f"writer {i}"}, headers={**as_user(), "If-Match": '"r1"'}
            )
            for i in range(4)
        )
    )
    assert sorted(r.status_code for r in results) == [200, 412, 412, 412]
    revisions = (await client.get(f"{path}/revisions", headers=as_user())).json()["items"]
    assert [r["revision"] for r in revisions] == [2, 1]
