"""The classifier on real PostgreSQL and Kafka: inventory event in, classification stored,
SystemClassifiedV1 out; and the HTTP API end to end (scopes, tenancy, problems)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from aigov.classifier.app import create_app
from aigov.classifier.config import ClassifierSettings
from aigov.shared.bus import Publisher
from aigov.shared.contracts.classifier import SystemClassifiedV1
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1, SystemUpdatedV1
from aigov.shared.events import make_event
from aigov.shared.topics import CLASSIFIER_EVENTS, INVENTORY_EVENTS
from tests.auth import caller_headers
from tests.integration.conftest import header, read_topic

pytestmark = pytest.mark.integration

A = caller_headers("org-a")
B = caller_headers("org-b")
READ_ONLY = caller_headers("org-a", frozenset({"classification:read"}))


@pytest.fixture
async def client(database_url: str, kafka: str) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(
        ClassifierSettings(database_url=database_url, kafka_bootstrap_servers=kafka)
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            yield http


def cv_screener(**extra: object) -> SystemFactsV1:
    return SystemFactsV1(
        name="CV screener",
        intended_purpose="rank job applicants",
        business_owner="hr",
        roles=["deployer"],
        countries=["FR"],
        extra_facts={"use.employment_recruitment": True, **extra},
    )


async def publish_inventory(kafka: str, payload: SystemRegisteredV1 | SystemUpdatedV1) -> None:
    publisher = Publisher(kafka, client_id="tests-inventory")
    await publisher.start()
    try:
        event = make_event(
            payload,
            source="aigov/inventory",
            subject=str(payload.system_id),
            organisation_id="org-a",
        )
        await publisher.publish(INVENTORY_EVENTS, event, key=str(payload.system_id))
    finally:
        await publisher.stop()


async def wait_for_version(
    client: httpx.AsyncClient, system_id: uuid.UUID, version: int, timeout: float = 30
) -> dict[str, object]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        response = await client.get(f"/v1/classifications/{system_id}", headers=A)
        if response.status_code == 200 and response.json()["version"] >= version:
            body: dict[str, object] = response.json()
            return body
        await asyncio.sleep(0.2)
    raise AssertionError(f"no classification version {version} for {system_id}")


async def test_inventory_events_are_classified_and_published(
    client: httpx.AsyncClient, kafka: str
) -> None:
    system_id = uuid.uuid4()
    await publish_inventory(kafka, SystemRegisteredV1(system_id=system_id, facts=cv_screener()))
    first = await wait_for_version(client, system_id, 1)
    assert first["trigger"] == "inventory"
    assert first["result"]["risk_tier"] == "high_risk"  # type: ignore[index]

    # An update that adds an Art. 6(3) condition reclassifies by itself.
    await publish_inventory(
        kafka,
        SystemUpdatedV1(
            system_id=system_id,
            revision=2,
            changed=["extra_facts"],
            facts=cv_screener(
                **{"derogation.preparatory_task": True, "processing.profiling": False}
            ),
        ),
    )
    second = await wait_for_version(client, system_id, 2)
    assert second["result"]["risk_tier"] == "minimal_risk"  # type: ignore[index]

    records = [
        r
        for r in await read_topic(kafka, CLASSIFIER_EVENTS, expect=2, timeout=20)
        if r.key == str(system_id).encode()
    ]
    assert len(records) == 2
    assert header(records[0], "ce_type") == SystemClassifiedV1.event_type
    assert header(records[0], "ce_orgid") == "org-a"
    payloads = [SystemClassifiedV1.model_validate(json.loads(r.value)) for r in records]
    assert [p.risk_tier for p in payloads] == ["high_risk", "minimal_risk"]
    assert [p.version for p in payloads] == [1, 2]
    assert payloads[0].annex_iii_points == ["4(a)"]
    assert "art26_1_use_per_instructions" in payloads[0].obligation_ids
    assert payloads[1].obligation_ids == ["art4_ai_literacy"]  # Art. 6(4) is the provider's

    history = await client.get(f"/v1/classifications/{system_id}/history", headers=A)
    assert [h["version"] for h in history.json()] == [2, 1]
    assert (await client.get(f"/v1/classifications/{system_id}", headers=B)).status_code == 404


async def test_http_api(client: httpx.AsyncClient, kafka: str) -> None:
    info = (await client.get("/v1/rulebook", headers=READ_ONLY)).json()
    assert info["counts"]["prohibitions"] == 10
    assert len(info["content_hash"]) == 64

    obligations = await client.get(
        "/v1/rulebook/obligations",
        params={"role": "importer", "as_of": "2027-12-02"},
        headers=A,
    )
    assert [o["id"] for o in obligations.json()] == ["art5_prohibited_practices", "art23_importer"]
    assert obligations.json()[1]["applicable"] is True

    sme = (
        await client.get(
            "/v1/penalties", params={"turnover_eur": 100_000_000, "size": "sme"}, headers=A
        )
    ).json()
    assert sme[0]["maximum_for_turnover_eur"] == 7_000_000  # lower of 7% and EUR 35m
    large = (
        await client.get("/v1/penalties", params={"turnover_eur": 1_000_000_000}, headers=A)
    ).json()
    assert large[0]["maximum_for_turnover_eur"] == 70_000_000  # higher of 7% and EUR 35m

    system_id = uuid.uuid4()
    await publish_inventory(kafka, SystemRegisteredV1(system_id=system_id, facts=cv_screener()))
    await wait_for_version(client, system_id, 1)

    # The bulk read picks the named result fields out in PostgreSQL's JSON.
    bulk = await client.get(
        "/v1/classifications",
        params=[
            ("system_id", str(system_id)),
            ("system_id", str(uuid.uuid4())),  # never classified: absent
            ("field", "risk_tier"),
            ("field", "obligations"),
            ("field", "needs_review"),
        ],
        headers=A,
    )
    assert bulk.status_code == 200, bulk.text
    [item] = bulk.json()["items"]
    assert item["version"] == 1
    assert set(item["result"]) == {"risk_tier", "obligations", "needs_review"}
    assert item["result"]["risk_tier"] == item["risk_tier"] == "high_risk"
    # Another organisation asking for the same system id gets nothing of it.
    other = await client.get("/v1/classifications", params={"system_id": str(system_id)}, headers=B)
    assert other.status_code == 200
    assert other.json()["items"] == []
    # The reasoning trace lives in its own column; one system's read still returns it.
    one = (await client.get(f"/v1/classifications/{system_id}", headers=A)).json()
    assert any(step["result"] == "applies" for step in one["result"]["trace"])
    # needs_review comes from its own column, a boolean like in the full result.
    assert item["result"]["needs_review"] is one["result"]["needs_review"]
    assert any(o["id"] == "art26_2_human_oversight" for o in item["result"]["obligations"])
    trace = await client.get(
        "/v1/classifications", params={"system_id": str(system_id), "field": "trace"}, headers=A
    )
    assert trace.status_code == 422

    forbidden = await client.post(f"/v1/classifications/{system_id}", json={}, headers=READ_ONLY)
    assert forbidden.status_code == 403
    what_if = await client.post(
        f"/v1/classifications/{system_id}",
        json={
            "facts": {"biometric.emotion_recognition": True, "context.workplace": True},
            "save": False,
        },
        headers=A,
    )
    assert what_if.json()["id"] is None
    undecided = what_if.json()["result"]
    assert [p["id"] for p in undecided["possible_prohibitions"]] == ["art5_1_f"]
    assert "purpose.medical_or_safety" in undecided["missing_facts"]
    decided = await client.post(
        f"/v1/classifications/{system_id}",
        json={
            "facts": {
                "biometric.emotion_recognition": True,
                "context.workplace": True,
                "purpose.medical_or_safety": False,
            },
            "save": False,
        },
        headers=A,
    )
    assert decided.json()["result"]["risk_tier"] == "prohibited"
    bad = await client.post(
        f"/v1/classifications/{system_id}", json={"facts": {"nope": True}}, headers=A
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert (
        await client.post(f"/v1/classifications/{uuid.uuid4()}", json={}, headers=A)
    ).status_code == 404

    template = (await client.get("/v1/assessments/fria/template", headers=A)).json()
    assert [c["reference"] for c in template["contents"]][0] == "Art. 27(1)(a)"
    need = await client.get(f"/v1/assessments/fria/{system_id}/requirement", headers=A)
    assert need.json()["required"] is False  # private deployer of a CV screener
    incomplete = await client.post(
        f"/v1/assessments/fria/{system_id}", json={"status": "completed"}, headers=A
    )
    assert incomplete.status_code == 422

    started = await client.post("/v1/questionnaires", json={"system_id": str(system_id)}, headers=A)
    assert started.status_code == 201
    qid = started.json()["id"]
    nxt = (await client.get(f"/v1/questionnaires/{qid}/next", headers=A)).json()
    assert not nxt["done"]
    assert nxt["question"]["provision"]
    assert nxt["question"]["explanation"]
    answered = await client.post(
        f"/v1/questionnaires/{qid}/answers",
        json={"question_id": nxt["question"]["id"], "value": False},
        headers=A,
    )
    assert answered.status_code == 201
    assert answered.json()["answered_by"] == "tests"
    assert (await client.get(f"/v1/questionnaires/{qid}/next", headers=A)).json()["question"][
        "id"
    ] != nxt["question"]["id"]
    assert (await client.get(f"/v1/questionnaires/{qid}", headers=B)).status_code == 404
    done = await client.post(f"/v1/questionnaires/{qid}/complete", json={}, headers=A)
    assert done.status_code == 200
    assert done.json()["trigger"] == "questionnaire"
    assert done.json()["result"]["needs_review"] is True
    again = await client.post(f"/v1/questionnaires/{qid}/complete", json={}, headers=A)
    assert again.status_code == 409
