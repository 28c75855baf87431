"""The platform, started the way `make run` starts it, for the end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.infra import ROOT, free_port


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    var = tmp_path_factory.mktemp("var")
    # The broker's controller listens on the port after it; the four services on consecutive ports.
    gateway_port, kafka_port, base = free_port(), free_port(span=2), free_port(span=4)
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
