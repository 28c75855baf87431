"""The platform started the way `make run` starts it, driven through the gateway."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.infra import ROOT, free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("var")
    gateway_port, kafka_port = free_port(), free_port()
    base = free_port()
    while any(_busy(base + i) for i in range(4)):
        base = free_port()
    env = {k: v for k, v in os.environ.items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    log = (var / "platform.log").open("wb")
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
            str(kafka_port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{gateway_port}"
    try:
        _wait_for_line(var / "platform.log", "ready in", proc, timeout=150)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert proc.returncode == 0, (var / "platform.log").read_text()
    # Ctrl-C leaves nothing behind: the ports are free again.
    assert not _busy(gateway_port)
    assert not _busy(kafka_port)


def _busy(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_for_line(log: Path, needle: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if needle in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            raise AssertionError(f"platform exited:\n{log.read_text(errors='replace')}")
        time.sleep(0.3)
    raise AssertionError(f"platform not ready:\n{log.read_text(errors='replace')}")


def test_registration_reaches_the_ledger_and_the_chain_verifies(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=10) as client:
        created = client.post(
            "/v1/systems",
            json={"name": "CV screener", "intended_purpose": "rank job applicants", "owner": "hr"},
        )
        assert created.status_code == 201, created.text
        system_id = created.json()["id"]
        assert client.get(f"/v1/systems/{system_id}").json()["name"] == "CV screener"

        entries: list[dict[str, object]] = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not entries:
            entries = client.get("/v1/ledger", params={"system_id": system_id}).json()["items"]
            time.sleep(0.2)
        assert [e["event_type"] for e in entries] == ["aigov.inventory.system.registered"]
        assert len(str(entries[0]["entry_hash"])) == 64

        verification = client.get("/v1/ledger/verify").json()
        assert verification["valid"] is True
        assert verification["entries"] >= 1

        # The other consumers learnt of it too.
        for path in ("/v1/classifier/systems", "/v1/monitoring/systems"):
            deadline = time.monotonic() + 15
            ids: list[str] = []
            while time.monotonic() < deadline and system_id not in ids:
                ids = [s["system_id"] for s in client.get(path).json()]
                time.sleep(0.2)
            assert system_id in ids, path


def test_errors_pass_through_as_problem_json(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=10) as client:
        missing = client.get("/v1/systems/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"
        invalid = client.post("/v1/systems", json={"name": ""})
        assert invalid.status_code == 422
        assert invalid.json()["errors"]
        assert client.get("/v1/unknown").status_code == 404


def test_gateway_is_ready_and_metrics_parse(gateway: str) -> None:
    with httpx.Client(base_url=gateway, timeout=10) as client:
        ready = client.get("/readyz").json()
        assert ready["status"] == "ready"
        assert set(ready["checks"]) == {
            "database",
            "inventory",
            "classifier",
            "monitoring",
            "evidence",
        }
        families = {f.name for f in text_string_to_metric_families(client.get("/metrics").text)}
        assert "aigov_http_requests" in families
