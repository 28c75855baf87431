from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aigov.shared.config import ServiceSettings


class EvidenceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="EVIDENCE_", extra="ignore")

    service_name: str = "evidence"
    database_url: str = "sqlite+aiosqlite:///var/evidence.db"
    # Content-addressed blobs live here (one file per SHA-256).
    blob_dir: str = "var/evidence-blobs"
    max_upload_bytes: int = 1024 * 1024 * 1024
    # Ed25519 checkpoint key: a secret (base64 of the 32-byte seed) or a PEM file; a dev key is
    # generated into the file when it is missing and generation is allowed.
    signing_key: str | None = None
    signing_key_file: str = "var/evidence-ledger-key.pem"
    generate_signing_key: bool = True
    # Scheduled work (0 turns a task off).
    checkpoint_interval_s: float = 60.0
    scrub_interval_s: float = 3600.0
