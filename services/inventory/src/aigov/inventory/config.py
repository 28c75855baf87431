from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aigov.shared.config import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    service_name: str = "inventory"
    database_url: str = "sqlite+aiosqlite:///var/inventory.db"
