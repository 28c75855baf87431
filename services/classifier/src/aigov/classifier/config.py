from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aigov.shared.config import ServiceSettings


class ClassifierSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CLASSIFIER_", extra="ignore")

    service_name: str = "classifier"
    database_url: str = "sqlite+aiosqlite:///var/classifier.db"
