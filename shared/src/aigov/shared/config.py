"""Settings: one base class; each component subclasses it with its own env prefix."""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Settings every component shares.

    Subclasses set ``env_prefix`` (``INVENTORY_``, ``GATEWAY_``...). The broker address and the log
    level are platform-wide, so they are also read without a prefix.
    """

    model_config = SettingsConfigDict(env_prefix="AIGOV_", extra="ignore")

    service_name: str = "aigov"
    database_url: str = "sqlite+aiosqlite:///var/aigov.db"
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    # Broker security, platform-wide like the address. PLAINTEXT (the default) passes nothing more
    # to aiokafka, so a local broker works as before. SSL/SASL_SSL verify the broker against
    # KAFKA_SSL_CAFILE (or the system CAs); SASL_* authenticate with the mechanism and credentials.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL", "kafka_security_protocol"),
    )
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field(
        default="PLAIN",
        validation_alias=AliasChoices("KAFKA_SASL_MECHANISM", "kafka_sasl_mechanism"),
    )
    kafka_sasl_username: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_SASL_USERNAME", "kafka_sasl_username"),
    )
    kafka_sasl_password: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_SASL_PASSWORD", "kafka_sasl_password"),
    )
    kafka_ssl_cafile: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SSL_CAFILE", "kafka_ssl_cafile")
    )
    # Client certificate for mutual TLS (optional).
    kafka_ssl_certfile: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SSL_CERTFILE", "kafka_ssl_certfile")
    )
    kafka_ssl_keyfile: str | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SSL_KEYFILE", "kafka_ssl_keyfile")
    )
    log_level: str = Field(
        default="INFO", validation_alias=AliasChoices("AIGOV_LOG_LEVEL", "log_level")
    )
    # Signs the caller context the gateway forwards (aigov.shared.tenancy). Set in production.
    internal_secret: str = Field(
        default="aigov-dev-internal-secret-change-me",
        validation_alias=AliasChoices("AIGOV_INTERNAL_SECRET", "internal_secret"),
    )
    # Migrations run in the lifespan for `make run` and tests; Helm runs them in a hook Job instead.
    migrate_on_start: bool = True
    # Topics are created on start-up locally; in production a Job or Strimzi owns them.
    create_topics: bool = True
    topic_partitions: int = 3
    topic_replication_factor: int = 1
    outbox_poll_interval_s: float = 0.5
    outbox_batch_size: int = 100
    consumer_max_retries: int = 3
    consumer_retry_backoff_s: float = 0.2
    readiness_timeout_s: float = 2.0
