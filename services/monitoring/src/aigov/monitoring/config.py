from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aigov.shared.config import ServiceSettings


class MonitoringSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MONITORING_", extra="ignore")

    service_name: str = "monitoring"
    database_url: str = "sqlite+aiosqlite:///var/monitoring.db"
    # Observations are stored in columnar chunks of at most this many rows.
    chunk_rows: int = 2000
    # One HTTP request or NDJSON stream may carry at most this many observations (else 413).
    max_rows_per_request: int = 1_000_000
    # A window read for an evaluation holds at most this many rows (the newest are kept).
    max_window_rows: int = 1_000_000
    # Current-window rows that trigger an automatic drift run (0 turns it off).
    auto_drift_rows: int = 1000
    # Fewest finite values per window and feature for a drift test; fewer => insufficient data.
    min_samples: int = 30
    # How often the reporting clock is checked (deadline approaching / missed events, gauges).
    deadline_check_interval_s: float = 60.0
