from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aigov.shared.config import ServiceSettings


class EvidenceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", extra="ignore")

    service_name: str = "evidence"
    database_url: str = "sqlite+aiosqlite:///var/evidence.db"
