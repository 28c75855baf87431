from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aigov.shared.config import ServiceSettings


class InventorySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    service_name: str = "inventory"
    database_url: str = "sqlite+aiosqlite:///var/inventory.db"
    # Registry webhooks: how old (or how far in the future) a signed timestamp may be. MLflow
    # retries a delivery with its original timestamp for about 6 s, so keep this well above.
    ingest_max_age_s: int = 300
    ingest_max_body_bytes: int = 1_000_000
    import_max_body_bytes: int = 5_000_000
    import_max_rows: int = 5_000
