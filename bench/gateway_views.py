"""The aggregated views' latency on a running platform.

Starts the platform the way `make run` does (scripts/run_platform.py: Kafka, the four services
and the gateway in dev mode, SQLite files in a temporary directory), registers ``--systems``
high-risk AI systems (Annex III point 4(a)), uploads evidence for some of their obligations,
waits until all are classified, then measures p50/p99 latency and requests/s of
``GET /v1/systems/{id}/compliance`` (five service calls in parallel and the composition) next to
the plain ``GET /v1/classifications/{id}`` proxied through the same gateway, and, fewer times,
the organisation-wide views (roadmap, gaps, exposure). Everything it started is stopped.

    python3 -m uv run python bench/gateway_views.py [--requests 400] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def say(message: str) -> None:
    print(message, flush=True)  # noqa: T201


def start_platform(var: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    base = free_port()
    while any(_busy(base + i) for i in range(4)):
        base = free_port()
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    log = var / "platform.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts/run_platform.py"),
                "--var-dir",
                str(var),
                "--gateway-port",
                str(port),
                "--service-port-base",
                str(base),
                "--kafka-port",
                str(free_port()),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if "ready in" in log.read_text(errors="replace"):
            return proc, f"http://127.0.0.1:{port}"
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    stop(proc)
    raise RuntimeError(log.read_text(errors="replace"))


def _busy(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()


async def seed(client: httpx.AsyncClient, systems: int) -> list[str]:
    ids = []
    for n in range(systems):
        created = await client.post(
            "/v1/systems",
            json={
                "name": f"bench screener {n}",
                "intended_purpose": "rank job applicants",
                "owner": "hr",
                "roles": ["provider"],
                "countries": ["FR"],
                "extra_facts": {"use.employment_recruitment": True},
            },
        )
        created.raise_for_status()
        system_id = created.json()["id"]
        ids.append(system_id)
        for provision in ("Art. 9(2)", "Art. 10", "Art. 11", "Art. 12"):
            uploaded = await client.post(
                "/v1/evidence",
                params={
                    "kind": "other",
                    "title": f"{provision} file",
                    "system_id": system_id,
                    "provisions": [provision],
                },
                content=f"{system_id} {provision}".encode(),
                headers={"content-type": "text/plain"},
            )
            uploaded.raise_for_status()
    deadline = time.monotonic() + 60
    for system_id in ids:
        while (await client.get(f"/v1/classifications/{system_id}")).status_code != 200:
            if time.monotonic() > deadline:
                raise TimeoutError("systems not classified in time")
            await asyncio.sleep(0.3)
    return ids


async def run(
    client: httpx.AsyncClient, paths: list[str], requests: int, concurrency: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            path = paths[remaining % len(paths)]
            started = time.perf_counter()
            response = await client.get(path)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200 or response.json().get("missing_parts"):
                raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began, latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def row(name: str, elapsed: float, latencies: list[float]) -> None:
    say(
        f"{name:<36} {len(latencies):>6} {len(latencies) / elapsed:>8.1f} "
        f"{pct(latencies, 0.5):>8.1f} {pct(latencies, 0.99):>8.1f} "
        f"{statistics.fmean(latencies) * 1000:>8.1f}"
    )


async def measure(gateway: str, args: argparse.Namespace) -> None:
    limits = httpx.Limits(max_connections=args.concurrency * 2)
    async with httpx.AsyncClient(base_url=gateway, timeout=60, limits=limits) as client:
        ids = await seed(client, args.systems)
        compliance = [f"/v1/systems/{i}/compliance" for i in ids]
        classifications = [f"/v1/classifications/{i}" for i in ids]
        await run(client, compliance, 40, args.concurrency)  # warm up
        say(
            f"{args.systems} high-risk systems, 4 evidence items each, {args.concurrency} "
            f"concurrent clients, {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        say(f"{'GET':<36} {'n':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
        totals: dict[str, tuple[float, list[float]]] = {"proxy": (0.0, []), "view": (0.0, [])}
        per_round = args.requests // args.rounds
        for _ in range(args.rounds):  # alternate, so machine noise hits both alike
            for name, paths in (("proxy", classifications), ("view", compliance)):
                elapsed, latencies = await run(client, paths, per_round, args.concurrency)
                t, ls = totals[name]
                totals[name] = (t + elapsed, ls + latencies)
        row("/v1/classifications/{id} (proxied)", *totals["proxy"])
        row("/v1/systems/{id}/compliance (view)", *totals["view"])
        for path in (
            "/v1/compliance/gaps",
            "/v1/compliance/exposure?turnover_eur=100000000",
            "/v1/compliance/roadmap",
        ):
            elapsed, latencies = await run(client, [path], args.org_requests, 2)
            row(path.split("?")[0], elapsed, latencies)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=10)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--org-requests", type=int, default=40)
    args = parser.parse_args()
    var = Path(tempfile.mkdtemp(prefix="aigov-bench-views-"))
    proc, gateway = start_platform(var)
    try:
        asyncio.run(measure(gateway, args))
    finally:
        stop(proc)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
