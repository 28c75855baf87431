"""Server time of the console's main pages with many AI systems registered.

Starts the platform as `make run` does (dev mode, SQLite, a local Kafka) in a temporary
directory, registers N systems (default 10,000) through the inventory's bulk import, then times
each page (median and p95 over repeated requests from localhost, so network time is ~0): while
the consumers catch up, in steady state, and while the organisation views are recomputed over
and over (the worst moment). A share of the systems (default 10%) is high-risk (Annex III point
4(a)), so their classifications carry the full list of high-risk obligations.

    python3 -m uv run python bench/console_pages.py [--systems 10000] [--repeat 30]
        [--high-risk-share 0.1] [--url http://127.0.0.1:8080]  # an already running platform
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(log: Path, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "[aigov] ready in" in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            sys.exit(f"platform exited:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.5)
    sys.exit("platform not ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--high-risk-share", type=float, default=0.1)
    parser.add_argument(
        "--url",
        help="time a running platform (dev mode) instead of starting one; systems are "
        "imported only if it has fewer than --systems",
    )
    args = parser.parse_args()
    if args.url:
        run(args.url, args.systems, args.repeat, args.high_risk_share)
        return
    var = Path(tempfile.mkdtemp(prefix="aigov-bench-console-"))
    gateway_port = free_port()
    base = 20000 + (free_port() % 20000)
    log = var / "platform.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "scripts/run_platform.py"),
                "--var-dir",
                str(var),
                "--gateway-port",
                str(gateway_port),
                "--service-port-base",
                str(base),
                "--kafka-port",
                str(free_port()),
            ],
            # Server time is measured here, not the per-caller rate limit (a page makes ~10 calls).
            env={**os.environ, "GATEWAY_RATE_LIMIT_PER_MINUTE": "1000000"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_ready(log, proc)
            run(f"http://127.0.0.1:{gateway_port}", args.systems, args.repeat, args.high_risk_share)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()


def import_systems(client: httpx.Client, n: int, high_risk_share: float) -> None:
    started = time.perf_counter()
    purposes = ["recruitment screening", "chat assistant", "spam filter"]
    for chunk in range(0, n, 5000):
        rows = [
            {
                "name": f"system {i:05d}",
                "intended_purpose": f"{purposes[i % 3]} number {i}",
                "owner": f"team-{i % 40}",
                "roles": ["provider"],
                "countries": ["DE"],
                # Annex III point 4(a): a high-risk system with all its obligations.
                "extra_facts": {"use.employment_recruitment": True}
                if int((i + 1) * high_risk_share) > int(i * high_risk_share)
                else {},
            }
            for i in range(chunk, min(n, chunk + 5000))
        ]
        answer = client.post("/v1/systems/import", params={"mode": "best_effort"}, json=rows)
        answer.raise_for_status()
    print(f"imported {n} systems in {time.perf_counter() - started:.1f} s")  # noqa: T201  (a benchmark prints its numbers)


def run(url: str, n: int, repeat: int, high_risk_share: float) -> None:
    with httpx.Client(base_url=url, timeout=300) as client:
        if client.get("/v1/systems/summary").json().get("total", 0) < n:
            import_systems(client, n, high_risk_share)
        print(f"systems by tier: {client.get('/v1/systems/summary').json()['by_risk_tier']}")  # noqa: T201
        one = client.get("/v1/systems", params={"limit": 1}).json()["items"][0]["id"]
        incident = client.post(
            "/v1/monitoring/incidents", json={"system_id": one, "title": "bench incident"}
        )
        pages = {
            "dashboard /": "/",
            "systems /systems": "/systems",
            "search /systems?q=recruitment": "/systems?q=recruitment",
            "system /systems/{id}": f"/systems/{one}",
            "incidents /incidents": "/incidents",
            "evidence /evidence": "/evidence",
        }
        if incident.status_code == 201:
            pages["incident /incidents/{id}"] = f"/incidents/{incident.json()['id']}"
        apis = {
            "api systems?risk_tier&limit=50": "/v1/systems?risk_tier=minimal_risk&limit=50",
            "api systems/{id}": f"/v1/systems/{one}",
            "api systems/{id}/revisions": f"/v1/systems/{one}/revisions",
            "api classifications/{id}": f"/v1/classifications/{one}",
            "api ledger?system_id": f"/v1/ledger?system_id={one}&limit=20",
            "api ledger/head": "/v1/ledger/head",
            "api evidence?system_id": f"/v1/evidence?system_id={one}",
            "api monitoring/incidents": "/v1/monitoring/incidents",
            "api rulebook/obligations": "/v1/rulebook/obligations",
        }
        head = client.get("/v1/ledger/head").json()
        print(f"-- while consumers catch up (ledger tree size {head.get('tree_size')})")  # noqa: T201
        timings(client, {**pages, **apis}, repeat)
        # Each system is registered and classified: two ledger entries per system at least.
        size, waited = wait_for_quiet_ledger(client, at_least=2 * n)
        print(f"-- after the consumers caught up (ledger tree size {size}, {waited:.0f} s later)")  # noqa: T201
        for view in ("roadmap", "gaps"):
            t0 = time.perf_counter()
            client.get(f"/v1/compliance/{view}", headers={"Cache-Control": "no-cache"})
            print(f"{view} view computed afresh in {time.perf_counter() - t0:.2f} s")  # noqa: T201
        print("-- steady state: organisation views cached")  # noqa: T201
        timings(client, {**pages, **apis}, repeat)
        # The worst moment: organisation views being recomputed (each at most every 30 s or 10x
        # its cost); here one after another without pause for as long as the pages are timed.
        print("-- while the organisation views are recomputed, one after another")  # noqa: T201
        done = threading.Event()
        refreshes: list[float] = []

        def recompute() -> None:
            with httpx.Client(base_url=url, timeout=300) as other:
                while not done.is_set():
                    for view in ("roadmap", "gaps", "exposure?turnover_eur=1e9"):
                        t0 = time.perf_counter()
                        other.get(f"/v1/compliance/{view}", headers={"Cache-Control": "no-cache"})
                        refreshes.append(time.perf_counter() - t0)

        worker = threading.Thread(target=recompute)
        worker.start()
        try:
            timings(client, pages, repeat)
        finally:
            done.set()
            worker.join()
        if refreshes:
            print(  # noqa: T201
                f"{len(refreshes)} view computations meanwhile, median "
                f"{statistics.median(refreshes):.2f} s, max {max(refreshes):.2f} s"
            )


def wait_for_quiet_ledger(
    client: httpx.Client, at_least: int, quiet_s: float = 10
) -> tuple[int, float]:
    """Wait until the ledger (which records every event of every service) holds ``at_least``
    entries and stops growing."""
    started = time.perf_counter()
    size, since = -1, time.perf_counter()
    while size < at_least or time.perf_counter() - since < quiet_s:
        now = int(client.get("/v1/ledger/head").json().get("tree_size", 0))
        if now != size:
            size, since = now, time.perf_counter()
        time.sleep(1)
    return size, time.perf_counter() - started - quiet_s


def timings(client: httpx.Client, pages: dict[str, str], repeat: int) -> None:
    print(f"{'page or API call':34} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")  # noqa: T201
    for name, path in pages.items():
        first = client.get(path)  # warm
        if first.status_code >= 400:
            print(f"{name:34} answered {first.status_code}")  # noqa: T201
            continue
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        median = statistics.median(times)
        print(f"{name:34} {median:10.1f} {p95:8.1f} {times[-1]:8.1f}")  # noqa: T201


if __name__ == "__main__":
    main()
