"""Start the whole platform on one machine: Kafka (unless one is given), the four services and
the gateway, each as its own process. Ctrl-C (or SIGTERM) stops everything it started.

Used by `make run` and by the end-to-end tests, so both start the platform the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("inventory", "classifier", "monitoring", "evidence")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--var-dir", default=os.environ.get("AIGOV_VAR_DIR", "var"))
    parser.add_argument("--gateway-port", type=int, default=8080)
    parser.add_argument("--service-port-base", type=int, default=8101)
    parser.add_argument("--kafka-port", type=int, default=9092)
    parser.add_argument("--ready-timeout", type=float, default=90.0)
    return parser.parse_args()


def say(message: str) -> None:
    print(f"[aigov] {message}", flush=True)  # noqa: T201


def wait_ready(url: str, deadline: float, procs: list[subprocess.Popen[bytes]]) -> None:
    while time.monotonic() < deadline:
        for proc in procs:
            if proc.poll() is not None:
                raise RuntimeError(f"a component exited early (pid {proc.pid}); see var/logs/")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} not ready in time")


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    var = (
        (ROOT / args.var_dir).resolve()
        if not Path(args.var_dir).is_absolute()
        else Path(args.var_dir)
    )
    logs = var / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    kafka_dir = var / "kafka"
    own_kafka = "KAFKA_BOOTSTRAP_SERVERS" not in env
    procs: list[subprocess.Popen[bytes]] = []

    def shutdown(*_: object) -> None:
        # One stop only: Ctrl-C reaches make, uv and us at once (uv forwards it too), and a
        # second signal must not cut the clean-up of the services and the broker short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)  # also when started with SIGINT ignored (`cmd &`)
    try:
        if own_kafka:
            say(f"starting Kafka on 127.0.0.1:{args.kafka_port}")
            subprocess.run(
                [
                    str(ROOT / "scripts/kafka.sh"),
                    "start",
                    "--data-dir",
                    str(kafka_dir),
                    "--port",
                    str(args.kafka_port),
                    "--controller-port",
                    str(args.kafka_port + 1),
                ],
                check=True,
            )
            env["KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{args.kafka_port}"
        bootstrap = env["KAFKA_BOOTSTRAP_SERVERS"]
        asyncio.run(_create_topics(bootstrap))
        if "GATEWAY_DEV_ORGANISATION" not in env:
            # Local only: unauthenticated calls act as admin of one organisation.
            env["GATEWAY_DEV_ORGANISATION"] = "local"
            env.setdefault("GATEWAY_SECURE_COOKIES", "false")  # plain http on localhost
            say("dev mode: unauthenticated requests act as admin of organisation 'local'")
        # The evidence service keeps its blobs and its dev signing key beside its database.
        env.setdefault("EVIDENCE_BLOB_DIR", f"{var}/evidence-blobs")
        env.setdefault("EVIDENCE_SIGNING_KEY_FILE", f"{var}/evidence-ledger-key.pem")
        urls: dict[str, str] = {}
        for index, service in enumerate(SERVICES):
            port = args.service_port_base + index
            urls[service] = f"http://127.0.0.1:{port}"
            env.setdefault(
                f"{service.upper()}_DATABASE_URL", f"sqlite+aiosqlite:///{var}/{service}.db"
            )
            env[f"GATEWAY_{service.upper()}_URL"] = urls[service]
            procs.append(_start(f"aigov.{service}.main:app", port, env, logs / f"{service}.log"))
        env.setdefault("GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{var}/gateway.db")
        procs.append(_start("aigov.gateway.main:app", args.gateway_port, env, logs / "gateway.log"))
        gateway = f"http://127.0.0.1:{args.gateway_port}"
        wait_ready(gateway + "/readyz", time.monotonic() + args.ready_timeout, procs)
        say(f"ready in {time.monotonic() - started:.1f} s (Kafka at {bootstrap}; logs in {logs})")
        say(f"gateway    {gateway}  (API under /v1, metrics /metrics, docs /docs)")
        for service, url in urls.items():
            say(f"{service:<10} {url}")
        say("Ctrl-C stops everything")
        while all(proc.poll() is None for proc in procs):
            time.sleep(0.5)
        say("a component exited; stopping the platform")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    except (RuntimeError, TimeoutError, subprocess.CalledProcessError) as exc:
        say(f"failed to start: {exc}")
        return 1
    finally:
        _stop(procs)
        if own_kafka:
            subprocess.run(
                [str(ROOT / "scripts/kafka.sh"), "stop", "--data-dir", str(kafka_dir)],
                check=False,
            )


async def _create_topics(bootstrap: str) -> None:
    from aigov.shared.bus import ensure_topics
    from aigov.shared.topics import ALL_TOPICS, with_dlqs

    await ensure_topics(bootstrap, with_dlqs(ALL_TOPICS), partitions=3, replication_factor=1)


def _start(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
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
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            # Own process group: a Ctrl-C in the terminal reaches us, and we stop them in order.
            start_new_session=True,
        )


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 15
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())
