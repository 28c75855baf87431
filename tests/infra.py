"""Real infrastructure for the tests, started through the project's own scripts.

Each test run gets its own data directories and free ports, so it can run beside `make run`.
``AIGOV_TEST_KAFKA`` (host:port) or ``AIGOV_TEST_POSTGRES_URL`` point at existing servers instead.
"""

from __future__ import annotations

import random
import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"


# Ports are picked below the kernel's ephemeral range (32768-60999 by default): a port the
# kernel handed out as free can be taken by any outgoing connection (a service's Kafka client,
# say) before our server binds it, which once failed a CI run with "address already in use".
PORTS = range(20_000, 32_000)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


_handed_out: set[int] = set()


def free_port(span: int = 1) -> int:
    """A port free to bind now, with the ``span - 1`` ports after it, none handed out before
    in this test run (two picks made before either server binds must not coincide)."""
    for _ in range(500):
        port = random.randrange(PORTS.start, PORTS.stop - span)
        block = range(port, port + span)
        if _handed_out.isdisjoint(block) and all(_bindable(p) for p in block):
            _handed_out.update(block)
            return port
    raise RuntimeError(f"no {span} free consecutive ports in {PORTS}")


@dataclass
class KafkaBroker:
    data_dir: Path
    port: int
    controller_port: int

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @classmethod
    def create(cls, data_dir: Path) -> KafkaBroker:
        port = free_port(span=2)
        return cls(data_dir, port, port + 1)

    def start(self) -> None:
        subprocess.run(
            [
                str(SCRIPTS / "kafka.sh"),
                "start",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
                "--controller-port",
                str(self.controller_port),
            ],
            check=True,
        )

    def stop(self) -> None:
        subprocess.run(
            [str(SCRIPTS / "kafka.sh"), "stop", "--data-dir", str(self.data_dir)], check=True
        )


@dataclass
class PostgresServer:
    data_dir: Path
    port: int

    @property
    def admin_dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @classmethod
    def create(cls, data_dir: Path) -> PostgresServer:
        return cls(data_dir, free_port())

    def start(self) -> None:
        subprocess.run(
            [
                str(SCRIPTS / "postgres.sh"),
                "start",
                "--data-dir",
                str(self.data_dir),
                "--port",
                str(self.port),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        subprocess.run(
            [str(SCRIPTS / "postgres.sh"), "stop", "--data-dir", str(self.data_dir)], check=True
        )


async def create_database(admin_dsn: str) -> str:
    """A fresh, empty database; returns its SQLAlchemy asyncpg URL."""
    name = "aigov_test_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = admin_dsn.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"
