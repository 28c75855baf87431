"""Real infrastructure for the tests, started through the project's own scripts.

Each test run gets its own data directories and free ports, so it can run beside `make run`.
``AIGOV_TEST_KAFKA`` (host:port) or ``AIGOV_TEST_POSTGRES_URL`` point at existing servers instead.
"""

from __future__ import annotations

import socket
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
        return cls(data_dir, free_port(), free_port())

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
