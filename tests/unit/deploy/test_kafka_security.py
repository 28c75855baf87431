"""Broker security settings reach every aiokafka client; PLAINTEXT changes nothing."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path

import pytest
from pydantic import ValidationError

from aigov.classifier.config import ClassifierSettings
from aigov.shared import consumer as consumer_module
from aigov.shared.bus import Publisher, kafka_client_options
from aigov.shared.config import ServiceSettings
from aigov.shared.consumer import ConsumerRunner, Subscription
from aigov.shared.ops import main as ops_main


def test_plaintext_default_passes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert kafka_client_options(ServiceSettings()) == {}


def test_sasl_ssl_from_the_platform_wide_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "aigov")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "s3cret")
    options = kafka_client_options(ClassifierSettings())  # a prefixed component reads them too
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("aigov", "s3cret")
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED


def test_sasl_without_credentials_is_refused() -> None:
    settings = ServiceSettings(kafka_security_protocol="SASL_PLAINTEXT")
    with pytest.raises(ValueError, match="KAFKA_SASL_USERNAME"):
        kafka_client_options(settings)


def test_plain_ssl_has_no_sasl() -> None:
    options = kafka_client_options(ServiceSettings(kafka_security_protocol="SSL"))
    assert set(options) == {"security_protocol", "ssl_context"}


def test_missing_ca_file_fails_early(tmp_path: Path) -> None:
    settings = ServiceSettings(
        kafka_security_protocol="SSL", kafka_ssl_cafile=str(tmp_path / "absent.crt")
    )
    with pytest.raises(FileNotFoundError):
        kafka_client_options(settings)


def test_unknown_protocol_is_a_settings_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_TLS")
    with pytest.raises(ValidationError):
        ServiceSettings()


class FakeConsumer:
    """Stands in for AIOKafkaConsumer to capture how the runner builds it."""

    built: dict[str, object] = {}

    def __init__(self, *topics: str, **kwargs: object) -> None:
        FakeConsumer.built = kwargs

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def getmany(self, **_: object) -> dict[object, object]:
        await asyncio.sleep(0.05)
        return {}


async def test_publisher_and_consumer_pass_the_options_to_aiokafka(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    options = kafka_client_options(
        ServiceSettings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_username="u",
            kafka_sasl_password="p",
            kafka_sasl_mechanism="SCRAM-SHA-256",
        )
    )
    publisher = Publisher("127.0.0.1:1", client_id="t", kafka_options=options)
    client = publisher._producer.client
    assert client._security_protocol == "SASL_PLAINTEXT"
    assert client._sasl_mechanism == "SCRAM-SHA-256"
    assert client._sasl_plain_username == "u"

    async def handler(*_: object, **__: object) -> None:
        return None

    runner = ConsumerRunner(
        Subscription("g", ["t"], handler),
        factory=None,  # type: ignore[arg-type]
        publisher=publisher,
        bootstrap_servers="127.0.0.1:1",
        kafka_options=options,
    )
    monkeypatch.setattr(consumer_module, "AIOKafkaConsumer", FakeConsumer)
    await runner.start()
    await runner.stop()
    assert FakeConsumer.built["sasl_plain_password"] == "p"
    assert FakeConsumer.built["security_protocol"] == "SASL_PLAINTEXT"
    assert FakeConsumer.built["group_id"] == "g"


def test_ops_migrate_upgrades_the_named_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    db = tmp_path / "inventory.db"
    monkeypatch.setenv("INVENTORY_DATABASE_URL", f"sqlite+aiosqlite:///{db}")
    assert ops_main(["migrate", "inventory"]) == 0
    tables = {r[0] for r in sqlite3.connect(db).execute("select name from sqlite_master")}
    assert {"outbox_event", "processed_event", "alembic_version"} <= tables


def test_ops_migrate_without_url_says_which_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLASSIFIER_DATABASE_URL", raising=False)
    with pytest.raises(SystemExit, match="CLASSIFIER_DATABASE_URL"):
        ops_main(["migrate", "classifier"])
