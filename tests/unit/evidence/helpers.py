from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from aigov.evidence.blobstore import FilesystemBlobStore, StoredBlob
from aigov.evidence.config import EvidenceSettings
from aigov.evidence.deps import EvidenceRuntime
from aigov.evidence.ledger.signing import Signer
from aigov.shared.contracts.inventory import SystemFactsV1, SystemRegisteredV1
from aigov.shared.events import CloudEvent, make_event


def registered_event(system_id: uuid.UUID, org: str = "org-a", **facts: object) -> CloudEvent:
    payload = SystemRegisteredV1(
        system_id=system_id,
        facts=SystemFactsV1.model_validate(
            {"name": "CV screener", "intended_purpose": "rank applicants", "business_owner": "hr"}
            | facts
        ),
    )
    return make_event(payload, source="/t", subject=str(system_id), organisation_id=org)


def runtime(tmp_path: Path) -> EvidenceRuntime:
    settings = EvidenceSettings(
        blob_dir=str(tmp_path / "blobs"), signing_key_file=str(tmp_path / "key.pem")
    )
    return EvidenceRuntime(
        settings=settings,
        store=FilesystemBlobStore(settings.blob_dir),
        signer=Signer.from_settings(
            key_b64=None, key_file=settings.signing_key_file, generate=True
        ),
    )


async def chunks(data: bytes, size: int = 1000) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


async def put(rt: EvidenceRuntime, data: bytes) -> StoredBlob:
    return await rt.store.put(chunks(data), max_bytes=10_000_000, expected_sha256=None)
