"""Gateway overhead: the same read straight to the inventory and through the gateway.

Starts a Kafka broker (scripts/kafka.sh, unless KAFKA_BOOTSTRAP_SERVERS is set), the inventory
and the gateway as uvicorn processes on free ports with SQLite files in a temporary directory,
creates an API key with the key command and one AI system, then alternates rounds of
``GET /v1/systems/{id}``: straight to the inventory with a signed caller context, and through
the gateway with the API key (authentication, rate limit, breaker, proxying). Prints requests/s
and p50/p99 latency for each and the overhead ratios. Everything it started is stopped.

    python3 -m uv run python bench/gateway_overhead.py [--requests 1500] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aigov.shared.config import ServiceSettings  # noqa: E402
from aigov.shared.tenancy import CONTEXT_HEADER, SCOPES, CallerContext, sign_context  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def say(message: str) -> None:
    print(message, flush=True)  # noqa: T201


def start(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                app,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )


def wait_ready(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready")


async def run_round(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], requests: int, concurrency: int
) -> tuple[float, list[float]]:
    latencies: list[float] = []
    remaining = requests

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            response = await client.get(path, headers=headers)
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"{response.status_code}: {response.text}")

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began, latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def measure(args: argparse.Namespace, inventory: str, gateway: str, key: str) -> None:
    direct_headers = {
        CONTEXT_HEADER: sign_context(
            CallerContext("bench", "bench", frozenset(SCOPES), "admin"),
            ServiceSettings().internal_secret,
            ttl_s=3600,
        )
    }
    gateway_headers = {"x-api-key": key}
    limits = httpx.Limits(
        max_connections=args.concurrency, max_keepalive_connections=args.concurrency
    )
    async with (
        httpx.AsyncClient(base_url=gateway, limits=limits, timeout=30) as gw,
        httpx.AsyncClient(base_url=inventory, limits=limits, timeout=30) as inv,
    ):
        created = await gw.post(
            "/v1/systems",
            json={"name": "bench", "intended_purpose": "benchmark", "owner": "bench"},
            headers=gateway_headers,
        )
        created.raise_for_status()
        path = f"/v1/systems/{created.json()['id']}"
        # Warm up both paths (connections, caches, JIT-free but lazy imports).
        await run_round(inv, path, direct_headers, 200, args.concurrency)
        await run_round(gw, path, gateway_headers, 200, args.concurrency)
        results: dict[str, tuple[float, list[float]]] = {"direct": (0.0, []), "gateway": (0.0, [])}
        per_round = args.requests // args.rounds
        for _ in range(args.rounds):  # alternate, so machine noise hits both alike
            for name, client, headers in (
                ("direct", inv, direct_headers),
                ("gateway", gw, gateway_headers),
            ):
                elapsed, latencies = await run_round(
                    client, path, headers, per_round, args.concurrency
                )
                total, all_latencies = results[name]
                results[name] = (total + elapsed, all_latencies + latencies)
    summary = {}
    for name, (elapsed, latencies) in results.items():
        summary[name] = {
            "requests": len(latencies),
            "rps": len(latencies) / elapsed,
            "p50_ms": pct(latencies, 0.50),
            "p99_ms": pct(latencies, 0.99),
            "mean_ms": statistics.fmean(latencies) * 1000,
        }
    say(
        f"GET /v1/systems/{{id}}, {args.concurrency} concurrent clients, "
        f"{args.rounds} alternating rounds, {os.cpu_count()} CPUs"
    )
    say(f"{'path':<8} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, row in summary.items():
        say(
            f"{name:<8} {row['requests']:>8} {row['rps']:>8.0f} {row['p50_ms']:>8.2f} "
            f"{row['p99_ms']:>8.2f}"
        )
    d, g = summary["direct"], summary["gateway"]
    say(
        f"overhead: throughput x{d['rps'] / g['rps']:.2f} lower, "
        f"p50 x{g['p50_ms'] / d['p50_ms']:.2f}, p99 x{g['p99_ms'] / d['p99_ms']:.2f}; "
        f"+{g['p50_ms'] - d['p50_ms']:.2f} ms at p50"
    )
    say(json.dumps(summary, indent=None, default=lambda v: round(v, 3)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="aigov-bench-"))
    env = dict(os.environ)
    own_kafka = "KAFKA_BOOTSTRAP_SERVERS" not in env
    kafka_dir = tmp / "kafka"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        if own_kafka:
            port = free_port()
            subprocess.run(
                [
                    str(ROOT / "scripts/kafka.sh"),
                    "start",
                    "--data-dir",
                    str(kafka_dir),
                    "--port",
                    str(port),
                    "--controller-port",
                    str(free_port()),
                ],
                check=True,
            )
            env["KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{port}"
        inventory_port, gateway_port = free_port(), free_port()
        inventory = f"http://127.0.0.1:{inventory_port}"
        gateway = f"http://127.0.0.1:{gateway_port}"
        env |= {
            "INVENTORY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/inventory.db",
            "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/gateway.db",
            "GATEWAY_INVENTORY_URL": inventory,
            # Measure the proxy, not the limiter refusing: a bucket large enough for the run.
            "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000",
            "AIGOV_LOG_LEVEL": "WARNING",
        }
        env.pop("GATEWAY_DEV_ORGANISATION", None)
        created = subprocess.run(
            [
                sys.executable,
                "-m",
                "aigov.gateway.keys",
                "create",
                "--organisation",
                "bench",
                "--role",
                "admin",
                "--name",
                "bench",
            ],
            env=env,
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        key = json.loads(created.stdout)["key"]
        procs.append(start("aigov.inventory.main:app", inventory_port, env, tmp / "inventory.log"))
        wait_ready(inventory + "/readyz")
        procs.append(start("aigov.gateway.main:app", gateway_port, env, tmp / "gateway.log"))
        wait_ready(gateway + "/healthz")
        asyncio.run(measure(args, inventory, gateway, key))
        return 0
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if own_kafka:
            subprocess.run(
                [str(ROOT / "scripts/kafka.sh"), "stop", "--data-dir", str(kafka_dir)], check=False
            )


if __name__ == "__main__":
    sys.exit(main())
