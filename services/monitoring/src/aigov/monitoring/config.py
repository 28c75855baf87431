from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aigov.shared.config import ServiceSettings


class MonitoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MONITORING_", extra="ignore")

    service_name: str = "monitoring"
    database_url: str = "sqlite+aiosqlite:///var/monitoring.db"
