from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field
from pydantic_settings import NoDecode, SettingsConfigDict

from aigov.shared.config import ServiceSettings


def _split(value: object) -> object:
    """Comma-separated lists from the environment (``GATEWAY_CORS_ORIGINS=a,b``)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split)]


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
    # The gateway's own small database: API keys (hashed) and nothing else.
    database_url: str = "sqlite+aiosqlite:///var/gateway.db"
    inventory_url: str = "http://127.0.0.1:8101"
    classifier_url: str = "http://127.0.0.1:8102"
    monitoring_url: str = "http://127.0.0.1:8103"
    evidence_url: str = "http://127.0.0.1:8104"
    connect_timeout_s: float = 2.0
    read_timeout_s: float = 30.0
    # Idempotent requests are retried on connection errors only (the request never arrived).
    connect_retries: int = 2
    # Local development only: unauthenticated callers act as admin of this organisation.
    # Unset (the default), every request needs credentials.
    dev_organisation: str | None = None
    # Console cookies carry the Secure flag; turn off only for plain-http local development.
    secure_cookies: bool = True

    # API keys: a verified key is remembered this long (revocation through this gateway is
    # immediate; on other replicas it takes at most this long). last_used_at is written at most
    # once per key per `api_key_touch_interval_s`, so reads do not turn into writes.
    api_key_cache_ttl_s: float = 5.0
    api_key_touch_interval_s: float = 60.0

    # OIDC bearer tokens (off unless an issuer is set).
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    # Defaults to the issuer's discovery document (`/.well-known/openid-configuration`).
    oidc_jwks_url: str | None = None
    # Never taken from the token header (RFC 8725 section 3.1).
    oidc_algorithms: CommaList = Field(default_factory=lambda: ["RS256", "ES256", "PS256"])
    oidc_role_claim: str = "aigov_role"
    oidc_organisation_claim: str = "aigov_org"
    oidc_leeway_s: float = 30.0
    oidc_jwks_ttl_s: float = 300.0
    # An unknown `kid` refetches the key set, but not more often than this (no fetch storms).
    oidc_jwks_min_refresh_s: float = 10.0

    # Token bucket per key (or per client address for unauthenticated webhook traffic).
    rate_limit_per_minute: int = 600
    rate_limit_burst: int | None = None  # bucket size; defaults to the per-minute figure

    # Request bodies: the general limit, and the higher one for evidence uploads.
    max_body_bytes: int = 1_048_576
    max_upload_bytes: int = 104_857_600

    cors_origins: CommaList = Field(default_factory=list)
    # Strict-Transport-Security is sent only when this is set (behind TLS).
    hsts_max_age_s: int = 0

    # Circuit breaker per service: opens after this many consecutive transport failures,
    # lets one probe through after `breaker_open_s`.
    breaker_failure_threshold: int = 5
    breaker_open_s: float = 30.0

    # The merged OpenAPI document: a part missing because its service was down is retried on
    # the next request for the document after this many seconds.
    openapi_retry_s: float = 5.0

    def service_urls(self) -> dict[str, str]:
        return {
            "inventory": self.inventory_url,
            "classifier": self.classifier_url,
            "monitoring": self.monitoring_url,
            "evidence": self.evidence_url,
        }

    def burst(self) -> int:
        return self.rate_limit_burst or self.rate_limit_per_minute
