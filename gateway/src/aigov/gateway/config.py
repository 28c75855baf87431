from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aigov.shared.config import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    service_name: str = "gateway"
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

    def service_urls(self) -> dict[str, str]:
        return {
            "inventory": self.inventory_url,
            "classifier": self.classifier_url,
            "monitoring": self.monitoring_url,
            "evidence": self.evidence_url,
        }
