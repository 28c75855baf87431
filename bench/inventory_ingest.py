"""Inventory benchmark on real PostgreSQL + Kafka (started here through tests/infra.py).

1. Registry deliveries per second, from HTTP receipt (signed MLflow webhooks posted to a real
   uvicorn server) to applied in the inventory (the consumer has written the change).
2. Latency of ``GET /v1/systems`` (p50/p95/p99) with 10,000 systems registered.

Run: ``python3 -m uv run python bench/inventory_ingest.py`` (a few minutes on 2 cores).
Env: BENCH_DELIVERIES (default 1000), BENCH_SYSTEMS (10000), BENCH_GETS (300 per query).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aigov.inventory.config import InventorySettings  # noqa: E402
from aigov.inventory.registry.signature import mlflow_signature  # noqa: E402
from aigov.shared.bus_tables import OutboxEvent, ProcessedEvent  # noqa: E402
from aigov.shared.db import create_engine, create_session_factory  # noqa: E402
from aigov.shared.tenancy import CONTEXT_HEADER, SCOPES, CallerContext, sign_context  # noqa: E402
from aigov.shared.topics import REGISTRY_LIFECYCLE  # noqa: E402
from tests.infra import KafkaBroker, PostgresServer, create_database, free_port  # noqa: E402

DELIVERIES = int(os.environ.get("BENCH_DELIVERIES", "1000"))
SYSTEMS = int(os.environ.get("BENCH_SYSTEMS", "10000"))
GETS = int(os.environ.get("BENCH_GETS", "300"))
MODELS = 50  # deliveries spread over 50 registry models, each listed by its own system
CONCURRENCY = 16
SECRET = "bench-secret-0123456789abcdef"
ORG = "org-bench"


def caller() -> dict[str, str]:
    ctx = CallerContext(ORG, "bench", frozenset(SCOPES))
    return {CONTEXT_HEADER: sign_context(ctx, InventorySettings().internal_secret, ttl_s=3600)}


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc), to tell work from waiting on a busy
    machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="inv-bench-") as tmp:
        pg = PostgresServer.create(Path(tmp) / "pg")
        kafka = KafkaBroker.create(Path(tmp) / "kafka")
        pg.start()
        kafka.start()
        try:
            await run(await create_database(pg.admin_dsn), kafka.bootstrap)
        finally:
            kafka.stop()
            pg.stop()


async def run(database_url: str, bootstrap: str) -> None:
    # The service runs as its own process (as in production); this process is the client.
    port = free_port()
    env = {
        **os.environ,
        "INVENTORY_DATABASE_URL": database_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "AIGOV_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "aigov.inventory.main:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    engine = create_engine(database_url)
    factory = create_session_factory(engine)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(600):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            await bench_ingest(factory, client, server.pid)
            await bench_list(factory, client)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
        await engine.dispose()


async def bench_ingest(
    factory: async_sessionmaker[AsyncSession], client: httpx.AsyncClient, server_pid: int
) -> None:
    headers = caller()
    r = await client.put("/v1/ingest/secrets/mlflow", json={"secret": SECRET}, headers=headers)
    r.raise_for_status()
    for m in range(MODELS):
        system_body = {
            "name": f"bench system {m}",
            "intended_purpose": "benchmark",
            "business_owner": "bench",
            "models": [{"registry": "mlflow", "name": f"model-{m}"}],
        }
        (await client.post("/v1/systems", json=system_body, headers=headers)).raise_for_status()

    deliveries: list[tuple[bytes, dict[str, str]]] = []
    for i in range(DELIVERIES):
        data: dict[str, Any] = {
            "name": f"model-{i % MODELS}",
            "version": str(i // MODELS + 1),
            "source": "s",
            "run_id": None,
            "tags": {},
            "description": None,
        }
        body = json.dumps(
            {
                "entity": "model_version",
                "action": "created",
                "timestamp": "2026-11-27T21:00:00+00:00",
                "data": data,
            }
        ).encode()
        delivery_id, stamp = str(uuid.uuid4()), str(int(time.time()))
        deliveries.append(
            (
                body,
                {
                    "Content-Type": "application/json",
                    "X-MLflow-Delivery-Id": delivery_id,
                    "X-MLflow-Timestamp": stamp,
                    "X-MLflow-Signature": mlflow_signature(SECRET, delivery_id, stamp, body),
                },
            )
        )
    queue: asyncio.Queue[tuple[bytes, dict[str, str]]] = asyncio.Queue()
    for d in deliveries:
        queue.put_nowait(d)
    receipt: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            body, hdrs = queue.get_nowait()
            t = time.perf_counter()
            resp = await client.post(f"/v1/ingest/mlflow/{ORG}", content=body, headers=hdrs)
            assert resp.status_code == 202, resp.text
            receipt.append(time.perf_counter() - t)

    async def applied() -> int:
        async with factory() as session:
            n = await session.scalar(
                select(func.count()).where(
                    ProcessedEvent.consumer == "inventory",
                    ProcessedEvent.topic == REGISTRY_LIFECYCLE,
                )
            )
        return int(n or 0)

    cpu_before = cpu_seconds(server_pid)
    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    accepted_at = time.perf_counter()
    while (done := await applied()) < DELIVERIES:
        if time.perf_counter() - start > 600:
            raise RuntimeError(f"only {done}/{DELIVERIES} applied after 600 s")
        await asyncio.sleep(0.05)
    applied_at = time.perf_counter()
    cpu = cpu_seconds(server_pid) - cpu_before
    say(
        f"registry deliveries: {DELIVERIES} signed MLflow webhooks (model_version.created), "
        f"{CONCURRENCY} concurrent clients, {MODELS} models each linked to a system"
    )
    say(
        f"  accepted (HTTP 202: verified, stored, outboxed) "
        f"{DELIVERIES / (accepted_at - start):7.1f}"
        f"/s  receipt latency p50 {pct(receipt, 0.5) * 1000:.1f} ms"
        f"  p99 {pct(receipt, 0.99) * 1000:.1f} ms"
    )
    say(
        f"  HTTP receipt -> applied to the system       {DELIVERIES / (applied_at - start):7.1f}"
        f"/s  ({applied_at - start:.2f} s for all {DELIVERIES})"
    )
    say(
        f"  service CPU: {cpu:.1f} s for receipt+publish+apply = {cpu / DELIVERIES * 1000:.1f} ms "
        f"per delivery (~{DELIVERIES / cpu:.0f} deliveries per CPU-second); machine load "
        f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


async def bench_list(factory: async_sessionmaker[AsyncSession], client: httpx.AsyncClient) -> None:
    headers = caller()
    roles = ["provider", "deployer", "importer"]
    countries = ["DE", "FR", "IT", "ES", "NL", "US"]
    t0 = time.perf_counter()
    remaining = SYSTEMS - MODELS
    batch = 5000
    while remaining > 0:
        n = min(batch, remaining)
        rows = [
            {
                "name": f"system {remaining - i}",
                "intended_purpose": "benchmark register entry "
                + ("chatbot" if i % 97 == 0 else ""),
                "business_owner": f"owner-{i % 40}",
                "roles": [roles[i % 3]],
                "countries": [countries[i % 6], countries[(i + 2) % 6]],
                "lifecycle_stage": "deployment" if i % 4 == 0 else "operation_and_monitoring",
                "tags": [f"team-{i % 25}"],
            }
            for i in range(n)
        ]
        r = await client.post(
            "/v1/systems/import",
            content=json.dumps(rows),
            headers={**headers, "Content-Type": "application/json"},
        )
        assert r.status_code == 200, r.text[:500]
        assert r.json()["created"] == n, r.text[:500]
        remaining -= n
    imported = time.perf_counter() - t0
    while True:  # let the outbox relay drain so it does not compete with the reads
        async with factory() as session:
            pending = await session.scalar(
                select(func.count()).where(OutboxEvent.published_at.is_(None))
            )
        if not pending:
            break
        await asyncio.sleep(0.2)
    say(
        f"bulk import (JSON, {batch} rows per request): {SYSTEMS - MODELS} systems in "
        f"{imported:.1f} s ({(SYSTEMS - MODELS) / imported:.0f}/s); outbox drained after "
        f"{time.perf_counter() - t0:.1f} s"
    )
    queries: dict[str, dict[str, Any] | None] = {
        "first page (limit 50)": {"limit": 50},
        "deep page via cursor": None,
        "role=provider&country=DE": {"limit": 50, "role": "provider", "country": "DE"},
        "tag=team-7&stage=deployment": {"limit": 50, "tag": "team-7", "stage": "deployment"},
        "q=chatbot (full text)": {"limit": 50, "q": "chatbot"},
    }
    # A cursor halfway down the list.
    token = None
    for _ in range(SYSTEMS // 100):
        page = (
            await client.get(
                "/v1/systems",
                params={"limit": 50, **({"page_token": token} if token else {})},
                headers=headers,
            )
        ).json()
        token = page["next_page_token"]
    queries["deep page via cursor"] = {"limit": 50, "page_token": token}
    total = (await client.get("/v1/systems", params={"limit": 1}, headers=headers)).json()
    assert total["items"]
    say(f"GET /v1/systems with {SYSTEMS} systems registered ({GETS} sequential requests each):")
    all_times: list[float] = []
    for label, params in queries.items():
        times = []
        for _ in range(GETS):
            t = time.perf_counter()
            r = await client.get("/v1/systems", params=params, headers=headers)
            times.append(time.perf_counter() - t)
            assert r.status_code == 200
        all_times += times
        say(
            f"  {label:30s} p50 {pct(times, 0.5) * 1000:6.1f} ms"
            f"  p95 {pct(times, 0.95) * 1000:6.1f} ms  p99 {pct(times, 0.99) * 1000:6.1f} ms"
            f"  ({len(r.json()['items'])} items)"
        )
    say(
        f"  {'all of the above':30s} p50 {pct(all_times, 0.5) * 1000:6.1f} ms"
        f"  p99 {pct(all_times, 0.99) * 1000:6.1f} ms"
    )


if __name__ == "__main__":
    asyncio.run(main())
