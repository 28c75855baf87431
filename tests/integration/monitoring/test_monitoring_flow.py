"""Monitoring on real PostgreSQL and Kafka: observations on the topic become a drift result
event; incidents through the HTTP API; problem+json for bad input."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import numpy as np
import pytest
from fastapi import FastAPI

from aigov.monitoring.app import create_app
from aigov.monitoring.config import MonitoringSettings
from aigov.shared.bus import Publisher
from aigov.shared.contracts.classifier import SystemClassifiedV1
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
from aigov.shared.contracts.monitoring import ObservationBatchV1, ObservationRecord
from aigov.shared.events import EventPayload, make_event
from aigov.shared.topics import (
    CLASSIFIER_EVENTS,
    INVENTORY_EVENTS,
    MONITORING_EVENTS,
    MONITORING_OBSERVATIONS,
)
from tests.auth import caller_headers
from tests.integration.conftest import read_topic

pytestmark = pytest.mark.integration
ORG = "org-mon"
HEADERS = caller_headers(ORG)


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def app_for(database_url: str, kafka: str) -> FastAPI:
    return create_app(
        MonitoringSettings(
            database_url=database_url,
            kafka_bootstrap_servers=kafka,
            auto_drift_rows=1000,
            deadline_check_interval_s=0.5,
            outbox_poll_interval_s=0.2,
        )
    )


async def send(
    publisher: Publisher, topic: str, payload: EventPayload, system_id: uuid.UUID
) -> None:
    event = make_event(payload, source="urn:test", subject=str(system_id), organisation_id=ORG)
    await publisher.publish(topic, event, key=str(system_id))


async def register(publisher: Publisher, client: httpx.AsyncClient, tier: str) -> uuid.UUID:
    system_id = uuid.uuid4()
    facts = SystemFactsV1(
        name="loan scorer",
        intended_purpose="creditworthiness",
        business_owner="risk",
        roles=["deployer"],
        countries=["IT"],
    )
    await send(
        publisher, INVENTORY_EVENTS, SystemRegisteredV1(system_id=system_id, facts=facts), system_id
    )
    await send(
        publisher,
        CLASSIFIER_EVENTS,
        SystemClassifiedV1(
            system_id=system_id,
            classification_id=uuid.uuid4(),
            risk_tier=tier,
            rulebook_version="t",
        ),
        system_id,
    )
    for _ in range(150):
        answer = await client.get(f"/v1/monitoring/systems/{system_id}", headers=HEADERS)
        if answer.status_code == 200 and answer.json()["risk_tier"] == tier:
            return system_id
        await asyncio.sleep(0.2)
    raise AssertionError("monitoring never learnt of the system")


def batch(
    system_id: uuid.UUID, n: int, *, shift: float, seed: int, window: str
) -> ObservationBatchV1:
    rng = np.random.default_rng(seed)
    x = rng.normal(shift, 1, n)
    colour = rng.choice(["red", "blue"] if shift == 0 else ["red", "blue", "green"], n)
    return ObservationBatchV1(
        system_id=system_id,
        model_version="v7",
        window=window,
        records=[
            ObservationRecord(features={"x": float(x[i]), "colour": str(colour[i])})
            for i in range(n)
        ],
    )


async def test_observations_on_the_topic_produce_a_drift_result_event(
    database_url: str, kafka: str
) -> None:
    publisher = Publisher(kafka, client_id="monitoring-tests")
    await publisher.start()
    try:
        async with running(app_for(database_url, kafka)) as client:
            system_id = await register(publisher, client, "high_risk")
            for i in range(3):
                await send(
                    publisher,
                    MONITORING_OBSERVATIONS,
                    batch(system_id, 500, shift=0, seed=i, window="reference"),
                    system_id,
                )
            for i in range(2):
                await send(
                    publisher,
                    MONITORING_OBSERVATIONS,
                    batch(system_id, 500, shift=1.5, seed=10 + i, window="current"),
                    system_id,
                )
            drift_events: list[dict[str, object]] = []
            for _ in range(60):
                records = await read_topic(kafka, MONITORING_EVENTS, expect=1, timeout=2)
                drift_events = [
                    json.loads(r.value)
                    for r in records
                    if r.key == str(system_id).encode()
                    and dict(r.headers)["ce_type"] == b"aigov.monitoring.drift.evaluated"
                ]
                if drift_events:
                    break
            assert len(drift_events) == 1
            event = drift_events[0]
            assert event["trigger"] == "automatic"
            assert event["dataset_drift"] is True
            assert event["reference_size"] == 1500
            assert event["current_size"] == 1000
            methods = {f["feature"]: f["method"] for f in event["features"]}  # type: ignore[attr-defined]
            assert methods == {"x": "wasserstein", "colour": "jensenshannon"}
            # The breach opened one incident, visible over HTTP, with its alert.
            incidents = (
                await client.get(
                    "/v1/monitoring/incidents",
                    params={"system_id": str(system_id)},
                    headers=HEADERS,
                )
            ).json()
            assert any(i["source"] == "alert" and i["severity"] == "high" for i in incidents)
            metrics = (await client.get("/metrics")).text
            assert 'aigov_monitoring_observations_ingested_total{transport="kafka"}' in metrics
            assert "aigov_monitoring_alerts_fired_total" in metrics
    finally:
        await publisher.stop()


async def test_incident_flow_and_problems_over_http(database_url: str, kafka: str) -> None:
    publisher = Publisher(kafka, client_id="monitoring-tests")
    await publisher.start()
    try:
        async with running(app_for(database_url, kafka)) as client:
            system_id = await register(publisher, client, "high_risk")
            base = "/v1/monitoring"
            # NDJSON stream in, then an explicit drift run with an overridden method.
            lines = "\n".join(
                json.dumps({"features": {"x": float(v)}})
                for v in np.random.default_rng(1).normal(0, 1, 300)
            )
            answer = await client.post(
                f"{base}/systems/{system_id}/observations?window=reference&model_version=v1",
                content=lines.encode(),
                headers={**HEADERS, "content-type": "application/x-ndjson"},
            )
            assert answer.status_code == 202, answer.text
            assert answer.json()["accepted"] == 300
            batch_body = {
                "model_version": "v1",
                "records": [
                    {"features": {"x": float(v)}}
                    for v in np.random.default_rng(2).normal(2, 1, 300)
                ],
            }
            answer = await client.post(
                f"{base}/systems/{system_id}/observations", json=batch_body, headers=HEADERS
            )
            assert answer.status_code == 202, answer.text
            run = await client.post(
                f"{base}/systems/{system_id}/drift-runs",
                json={"model_version": "v1", "method": "psi"},
                headers=HEADERS,
            )
            assert run.status_code == 201, run.text
            feature = run.json()["details"][0]
            assert feature["method"] == "psi"
            assert feature["drifted"] is True
            assert feature["psi_band"] == "major"
            assert feature["bin_edges"]

            # Bad input: precise problems, nothing half-written.
            bad = await client.post(
                f"{base}/systems/{system_id}/observations",
                content=b'{"features": {"x": 1}}\nnot json\n',
                headers={**HEADERS, "content-type": "application/x-ndjson"},
            )
            assert bad.status_code == 422
            assert bad.headers["content-type"] == "application/problem+json"
            assert bad.json()["line"] == 2
            unknown = await client.post(
                f"{base}/systems/{uuid.uuid4()}/observations", json=batch_body, headers=HEADERS
            )
            assert unknown.status_code == 404
            other = await client.get(
                f"{base}/systems/{system_id}", headers=caller_headers("org-other")
            )
            assert other.status_code == 404
            wrong = await client.post(
                f"{base}/systems/{system_id}/drift-runs",
                json={"model_version": "v1", "features": ["nope"]},
                headers=HEADERS,
            )
            assert wrong.status_code == 422
            assert wrong.json()["unknown"] == ["nope"]

            # Incident by hand -> serious -> reported -> closed, with its clock and drafts.
            opened = await client.post(
                f"{base}/incidents",
                json={
                    "system_id": str(system_id),
                    "title": "Wrongful refusals",
                    "source": "complaint",
                },
                headers=HEADERS,
            )
            assert opened.status_code == 201
            incident_id = opened.json()["id"]
            assessed = await client.post(
                f"{base}/incidents/{incident_id}/assessment",
                json={
                    "criteria": ["c"],
                    "widespread_infringement": True,
                    "aware_at": "2026-11-27T09:00:00+01:00",
                    "reporting_time_zone": "Europe/Rome",
                },
                headers=HEADERS,
            )
            assert assessed.status_code == 200, assessed.text
            clock = assessed.json()["reporting_clock"]
            assert clock["case"] == "widespread_or_critical_infrastructure"
            assert clock["deadline_at"].startswith("2026-11-29T08:00:00")
            refused = await client.post(
                f"{base}/incidents/{incident_id}/transitions",
                json={"to": "closed"},
                headers=HEADERS,
            )
            assert refused.status_code == 409
            report = await client.get(
                f"{base}/incidents/{incident_id}/authority-report", headers=HEADERS
            )
            assert report.json()["legal_basis"][0] == "Art. 73(3)"
            notice = await client.get(
                f"{base}/incidents/{incident_id}/provider-notice", headers=HEADERS
            )
            assert notice.status_code == 200
            for to in ("investigating", "reported", "closed"):
                moved = await client.post(
                    f"{base}/incidents/{incident_id}/transitions", json={"to": to}, headers=HEADERS
                )
                assert moved.status_code == 200, moved.text
            final = (await client.get(f"{base}/incidents/{incident_id}", headers=HEADERS)).json()
            assert final["status"] == "closed"
            assert final["reporting_clock"]["state"] == "reported"
            assert [e["to_status"] for e in final["timeline"] if e["kind"] == "status_changed"] == [
                "investigating",
                "reported",
                "closed",
            ]
            bad_zone = await client.post(
                f"{base}/incidents/{incident_id}/assessment",
                json={"criteria": ["a"], "reporting_time_zone": "Nowhere/Else"},
                headers=HEADERS,
            )
            assert bad_zone.status_code == 422
            plan = await client.put(
                f"{base}/systems/{system_id}/monitoring-plan",
                json={"monitored": ["drift"], "review_cadence_days": 30, "responsible": "ops"},
                headers=HEADERS,
            )
            assert plan.status_code == 200
            assert plan.json()["execution"]["observations_arriving"] is True
            metrics = (await client.get("/metrics")).text
            assert "aigov_monitoring_open_incidents" in metrics
            assert "aigov_monitoring_seconds_to_nearest_reporting_deadline" in metrics
    finally:
        await publisher.stop()
