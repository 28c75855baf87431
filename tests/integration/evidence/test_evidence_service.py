"""The evidence service on real PostgreSQL and Kafka, driven over HTTP as the gateway would."""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from aigov.evidence.app import create_app
from aigov.evidence.config import EvidenceSettings
from aigov.evidence.ledger import merkle
from aigov.evidence.ledger.models import LedgerEntry
from aigov.evidence.verify import verify_package
from aigov.shared.bus import Publisher
from aigov.shared.bus_tables import ProcessedEvent
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
from aigov.shared.events import make_event
from aigov.shared.topics import EVIDENCE_EVENTS, INVENTORY_EVENTS
from tests.auth import caller_headers
from tests.integration.conftest import read_topic
from tests.integration.test_components import running

pytestmark = pytest.mark.integration

A = caller_headers("org-a")
B = caller_headers("org-b")


@pytest.fixture
async def client(database_url: str, kafka: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = EvidenceSettings(
        database_url=database_url,
        kafka_bootstrap_servers=kafka,
        blob_dir=str(tmp_path / "blobs"),
        signing_key_file=str(tmp_path / "ledger-key.pem"),
        max_upload_bytes=8 * 1024 * 1024,
        scrub_interval_s=0,
    )
    app = create_app(settings)
    async with running(app) as c:
        c.app = app  # type: ignore[attr-defined]
        yield c


async def body(total: int, chunk: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A streamed request body that is never whole in memory on the client side either."""
    sent = 0
    while sent < total:
        n = min(chunk, total - sent)
        yield (sent // chunk % 251).to_bytes(1, "big") * n
        sent += n


def expected_sha256(total: int, chunk: int = 64 * 1024) -> str:
    digest, sent = hashlib.sha256(), 0
    while sent < total:
        n = min(chunk, total - sent)
        digest.update((sent // chunk % 251).to_bytes(1, "big") * n)
        sent += n
    return digest.hexdigest()


async def upload(
    client: httpx.AsyncClient, content: bytes | AsyncIterator[bytes], **params: object
) -> httpx.Response:
    query = {"kind": "policy", "title": "AI policy"} | params
    return await client.post(
        "/v1/evidence",
        params=query,  # type: ignore[arg-type]
        content=content,
        headers={**A, "content-type": "application/pdf"},
    )


async def until(check: object, timeout: float = 20.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.2)
    raise AssertionError("condition not met in time")


async def test_streamed_upload_download_versions_and_refusals(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    size = 5 * 1024 * 1024 + 123
    digest = expected_sha256(size)
    system = str(uuid.uuid4())
    created = await upload(
        client,
        body(size),
        system_id=system,
        provisions=["Art. 9", "Annex IV point 5"],
        iso_refs=["A.5.2"],
    )
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["sha256"] == digest
    assert item["size"] == size
    assert item["ledger_seq"] >= 1

    got = hashlib.sha256()
    async with client.stream("GET", f"/v1/evidence/{item['id']}/content", headers=A) as resp:
        assert resp.status_code == 200
        assert resp.headers["x-content-sha256"] == digest
        async for chunk in resp.aiter_bytes():
            got.update(chunk)
    assert got.hexdigest() == digest
    assert (await client.get(f"/v1/evidence/{item['id']}", headers=B)).status_code == 404

    v2 = await client.post(
        f"/v1/evidence/{item['id']}/versions",
        params={"kind": "policy", "title": "AI policy v2", "system_id": system},
        content=b"second version",
        headers={**A, "x-content-sha256": hashlib.sha256(b"second version").hexdigest()},
    )
    assert v2.status_code == 201, v2.text
    versions = (await client.get(f"/v1/evidence/{item['id']}/versions", headers=A)).json()
    assert [(v["version"], v["status"]) for v in versions] == [(1, "superseded"), (2, "current")]

    # Refusals: each a precise problem, and nothing stored or appended for it.
    blobs_before = sorted(p.name for p in (tmp_path / "blobs" / "sha256").rglob("*") if p.is_file())
    too_big = await upload(client, body(9 * 1024 * 1024))
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    wrong = await client.post(
        "/v1/evidence",
        params={"kind": "policy", "title": "x"},
        content=b"abc",
        headers={**A, "x-content-sha256": "0" * 64},
    )
    assert wrong.status_code == 422
    assert wrong.json()["actual_sha256"]
    unknown = await upload(client, b"abc", provisions=["Art. 999"], iso_refs=["A.1.1"])
    assert unknown.status_code == 422
    assert unknown.json()["unknown"] == {"provisions": ["Art. 999"], "iso_refs": ["A.1.1"]}
    blobs_after = sorted(p.name for p in (tmp_path / "blobs" / "sha256").rglob("*") if p.is_file())
    assert blobs_after == blobs_before
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []

    doc = await upload(client, b"annex iv", kind="technical_documentation")
    refused = await client.delete(f"/v1/evidence/{doc.json()['id']}", headers=A)
    assert refused.status_code == 409
    assert "Art. 18" in refused.json()["legal_basis"]
    minutes = await upload(client, b"minutes", kind="management_review_minutes")
    deleted = await client.delete(f"/v1/evidence/{minutes.json()['id']}", headers=A)
    assert deleted.status_code == 200
    assert deleted.json()["status"] == "tombstoned"
    gone = await client.get(f"/v1/evidence/{minutes.json()['id']}/content", headers=A)
    assert gone.status_code == 410


async def test_an_interrupted_upload_leaves_no_blob_and_no_entry(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    async def dies() -> AsyncIterator[bytes]:
        yield b"x" * 100_000
        raise ConnectionResetError("client vanished")

    before = (await client.get("/v1/ledger/head", headers=A)).json()["tree_size"]
    # In-process the failing body surfaces as a 500; over a socket it is a client disconnect.
    try:
        failed = await upload(client, dies())
        assert failed.status_code == 500
    except ConnectionResetError:
        pass
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []
    assert not [p for p in (tmp_path / "blobs" / "sha256").rglob("*") if p.is_file()]
    assert (await client.get("/v1/ledger/head", headers=A)).json()["tree_size"] == before


async def test_events_land_once_proofs_checkpoints_and_corruption(
    client: httpx.AsyncClient, kafka: str, tmp_path: Path
) -> None:
    app = client.app  # type: ignore[attr-defined]
    factory = app.state.runtime.session_factory
    system = uuid.uuid4()
    event = make_event(
        SystemRegisteredV1(
            system_id=system,
            facts=SystemFactsV1(name="n", intended_purpose="p", business_owner="o"),
        ),
        source="/tests",
        subject=str(system),
        organisation_id="org-a",
    )
    publisher = Publisher(kafka, client_id="tests")
    await publisher.start()
    try:
        for _ in range(2):  # a redelivery
            await publisher.publish(INVENTORY_EVENTS, event, key=str(system))
    finally:
        await publisher.stop()
    created = await upload(client, b"precious bytes", system_id=str(system))
    evidence_event = None

    async def both_landed() -> bool:
        nonlocal evidence_event
        async with factory() as session:
            rows = (
                await session.scalars(select(LedgerEntry).where(LedgerEntry.subject == str(system)))
            ).all()
            ids = {r.event_id for r in rows}
            evidence_event = next(
                (r.event_id for r in rows if r.event_type == "aigov.evidence.item.added"), None
            )
            back = await session.scalar(
                select(func.count()).where(ProcessedEvent.event_id == evidence_event)
            )
        return event.id in ids and bool(back)

    await until(both_landed)
    await asyncio.sleep(1.0)  # the duplicate would have landed by now
    async with factory() as session:
        for event_id in (event.id, evidence_event):
            count = await session.scalar(
                select(func.count()).where(LedgerEntry.event_id == event_id)
            )
            assert count == 1, event_id
    listed = (await client.get("/v1/ledger", params={"system_id": str(system)}, headers=A)).json()
    assert sorted(e["event_type"] for e in listed["items"]) == [
        "aigov.evidence.item.added",
        "aigov.inventory.system.registered",
    ]
    assert (await client.get("/v1/ledger", params={"system_id": str(system)}, headers=B)).json()[
        "items"
    ] == []

    seq = min(e["seq"] for e in listed["items"])
    proof = (await client.get(f"/v1/ledger/entries/{seq}/proof", headers=A)).json()
    assert merkle.leaf_hash(proof["leaf_data"].encode()).hex() == proof["leaf_hash"]
    assert merkle.verify_inclusion(
        proof["leaf_index"],
        proof["tree_size"],
        bytes.fromhex(proof["leaf_hash"]),
        [bytes.fromhex(h) for h in proof["hashes"]],
        bytes.fromhex(proof["root_hash"]),
    )
    assert (await client.get(f"/v1/ledger/entries/{seq}/proof", headers=B)).status_code == 404
    forged = await client.get(
        f"/v1/ledger/entries/{seq}/proof", params={"tree_size": 10**9}, headers=A
    )
    assert forged.status_code == 422
    cp = await client.post("/v1/ledger/checkpoints", headers=A)
    assert cp.status_code == 201
    cons = (
        await client.get(
            "/v1/ledger/consistency",
            params={"first": seq, "second": cp.json()["tree_size"]},
            headers=A,
        )
    ).json()
    assert merkle.verify_consistency(
        seq,
        cp.json()["tree_size"],
        bytes.fromhex(cons["first_root"]),
        bytes.fromhex(cp.json()["root_hash"]),
        [bytes.fromhex(h) for h in cons["hashes"]],
    )
    verified = (await client.get("/v1/ledger/verify", headers=A)).json()
    assert verified["valid"] is True
    # A recent full verification is reused when the caller accepts one (the roadmap does)...
    await upload(client, b"one more entry", kind="test_report", system_id=str(uuid.uuid4()))
    reused = (await client.get("/v1/ledger/verify", params={"max_age_s": 3600}, headers=A)).json()
    assert reused == verified
    # ...and a new one is made when it is older than that, or by default.
    again = (await client.get("/v1/ledger/verify", params={"max_age_s": 0}, headers=A)).json()
    assert again["valid"] is True
    assert again["entries"] > verified["entries"]
    assert again["verified_at"] > verified["verified_at"]

    # Corrupt the stored blob: the scrub finds it, counts it and announces it on the bus.
    sha = created.json()["sha256"]
    path = tmp_path / "blobs" / "sha256" / sha[:2] / sha[2:4] / sha
    os.chmod(path, 0o644)
    path.write_bytes(b"precious bytes, altered")
    report = (await client.post("/v1/evidence/scrub", headers=A)).json()
    assert report["corrupt"] == [sha]
    records = await read_topic(kafka, EVIDENCE_EVENTS, expect=1, timeout=10)
    types = [
        dict(r.headers).get("ce_type", b"").decode()
        for r in records
        if sha.encode() in (r.value or b"")
    ]
    assert "aigov.evidence.blob.corruption_detected" in types
    metrics = (await client.get("/metrics")).text
    assert 'aigov_evidence_blob_corruptions_total{kind="mismatch"}' in metrics


async def test_audit_package_exports_and_verifies_offline(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    system = str(uuid.uuid4())
    for kind, data in (("risk_assessment", b"risks"), ("test_report", b"metrics")):
        assert (await upload(client, data, kind=kind, system_id=system)).status_code == 201
    await client.put(
        "/v1/controls/A.10.4",
        json={"applicable": False, "justification": "no external customers"},
        headers=A,
    )
    soa = (await client.get("/v1/controls/statement-of-applicability", headers=A)).json()
    assert soa["summary"]["not_applicable"] == 1
    html = await client.get(
        "/v1/controls/statement-of-applicability", params={"format": "html"}, headers=A
    )
    assert html.headers["content-type"].startswith("text/html")
    bad = await client.put("/v1/controls/A.2.2", json={"applicable": False}, headers=A)
    assert bad.status_code == 422

    package = tmp_path / "audit.zip"
    async with client.stream(
        "GET", "/v1/audit/package", params={"system_id": system}, headers=A
    ) as resp:
        assert resp.status_code == 200, await resp.aread()
        with package.open("wb") as out:
            async for chunk in resp.aiter_bytes():
                out.write(chunk)
    key = (await client.get("/v1/ledger/public-key", headers=A)).json()
    report = verify_package(package, key["pem"])
    assert report.ok, report.errors
    assert report.entries == 2
    reg = await client.get(f"/v1/audit/systems/{system}/registration", headers=A)
    assert reg.status_code == 200
    assert reg.json()["missing"]
    doc = await client.get(
        f"/v1/audit/systems/{system}/declaration-of-conformity",
        params={"format": "html"},
        headers=A,
    )
    assert doc.status_code == 200
    assert "Missing fields" in doc.text
    assert (
        await client.get(f"/v1/audit/systems/{system}/registration", headers=B)
    ).status_code == 404
