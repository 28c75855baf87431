"""Settings: one base class; each component subclasses it with its own env prefix."""

from __future__ import annotations

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
