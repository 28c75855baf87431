from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from starlette.responses import StreamingResponse

from aigov.evidence.blobstore import PayloadTooLarge, StoredBlob, valid_digest
from aigov.evidence.deps import EvidenceDep
from aigov.evidence.item import service
from aigov.evidence.item.schemas import EvidenceMeta, EvidenceRead, ScrubReport
from aigov.evidence.metrics import EVIDENCE_BYTES_INGESTED, UPLOADS_REJECTED
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES, Conflict, DomainError, Unprocessable
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/evidence", tags=["evidence"], responses=PROBLEM_RESPONSES)

UPLOAD_DOC = (
    "The raw request body is the content (streamed to storage while hashed, never held in "
    "memory); the metadata is in the query. `X-Content-SHA256` declares the expected hash."
)


async def _store_body(
    request: Request, evidence: EvidenceDep, declared: str | None
) -> tuple[StoredBlob, str]:
    limit = evidence.settings.max_upload_bytes
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        UPLOADS_REJECTED.labels("too_large").inc()
        raise PayloadTooLarge(f"the content exceeds the limit of {limit} bytes", max_bytes=limit)
    if declared is not None and not valid_digest(declared.lower()):
        raise Unprocessable("X-Content-SHA256 must be 64 hexadecimal characters")

    async def body() -> AsyncIterator[bytes]:
        async for chunk in request.stream():
            if chunk:
                yield chunk

    try:
        stored = await evidence.store.put(
            body(), max_bytes=limit, expected_sha256=declared.lower() if declared else None
        )
    except DomainError as exc:
        UPLOADS_REJECTED.labels("too_large" if exc.status == 413 else "hash_mismatch").inc()
        raise
    except BaseException:
        UPLOADS_REJECTED.labels("interrupted").inc()
        raise
    if stored.size == 0:
        await evidence.store.delete(stored.sha256)
        UPLOADS_REJECTED.labels("invalid").inc()
        raise Unprocessable("the content is empty")
    EVIDENCE_BYTES_INGESTED.inc(stored.size)
    return stored, request.headers.get("content-type") or "application/octet-stream"


@router.post("", response_model=EvidenceRead, status_code=201, description=UPLOAD_DOC)
async def upload_evidence(
    request: Request,
    session: SessionDep,
    evidence: EvidenceDep,
    caller: Annotated[CallerContext, requires("evidence:write")],
    meta: Annotated[EvidenceMeta, Query()],
    x_content_sha256: Annotated[str | None, Header()] = None,
) -> object:
    service.validate_meta(meta)  # before reading a byte of the body
    stored, media_type = await _store_body(request, evidence, x_content_sha256)
    return await service.add_item(
        session,
        organisation_id=caller.organisation_id,
        actor=caller.subject,
        meta=meta,
        stored=stored,
        media_type=media_type,
    )


@router.post(
    "/{item_id}/versions", response_model=EvidenceRead, status_code=201, description=UPLOAD_DOC
)
async def supersede_evidence(
    item_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    evidence: EvidenceDep,
    caller: Annotated[CallerContext, requires("evidence:write")],
    meta: Annotated[EvidenceMeta, Query()],
    x_content_sha256: Annotated[str | None, Header()] = None,
) -> object:
    """A new version of the item: the previous one stays, marked superseded."""
    service.validate_meta(meta)
    current = await service.get_item(
        session, item_id=item_id, organisation_id=caller.organisation_id
    )
    if current.status != "current":
        raise Conflict(f"evidence {item_id} is {current.status}")
    stored, media_type = await _store_body(request, evidence, x_content_sha256)
    return await service.add_item(
        session,
        organisation_id=caller.organisation_id,
        actor=caller.subject,
        meta=meta,
        stored=stored,
        media_type=media_type,
        supersedes=item_id,
    )


@router.get("", response_model=list[EvidenceRead])
async def list_evidence(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
    system_id: uuid.UUID | None = None,
    kind: str | None = None,
    status: str | None = None,
    control: Annotated[str | None, Query(description="An ISO/IEC 42001 reference")] = None,
    provision: Annotated[str | None, Query(description="An EU AI Act reference")] = None,
) -> object:
    return await service.list_items(
        session,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        kind=kind,
        status=status,
        control=control,
        provision=provision,
    )


@router.post("/scrub", response_model=ScrubReport)
async def scrub_blobs(
    session: SessionDep,
    evidence: EvidenceDep,
    caller: Annotated[CallerContext, requires("admin")],
) -> object:
    """Re-hash every stored blob now (the schedule does it too)."""
    return await service.scrub(session, store=evidence.store)


@router.get("/{item_id}", response_model=EvidenceRead)
async def get_evidence(
    item_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
) -> object:
    return await service.get_item(session, item_id=item_id, organisation_id=caller.organisation_id)


@router.get("/{item_id}/versions", response_model=list[EvidenceRead])
async def list_versions(
    item_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
) -> object:
    item = await service.get_item(session, item_id=item_id, organisation_id=caller.organisation_id)
    return await service.list_items(
        session, organisation_id=caller.organisation_id, lineage_id=item.lineage_id
    )


@router.get("/{item_id}/content", response_class=StreamingResponse)
async def download_evidence(
    item_id: uuid.UUID,
    session: SessionDep,
    evidence: EvidenceDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
) -> StreamingResponse:
    """The stored bytes, streamed; `X-Content-SHA256` and the ETag carry their hash."""
    item = await service.get_item(session, item_id=item_id, organisation_id=caller.organisation_id)
    service.ensure_readable(item)
    if not await evidence.store.exists(item.sha256):
        raise service.Gone(f"the content of evidence {item_id} is missing from storage")
    headers = {
        "x-content-sha256": item.sha256,
        "etag": f'"{item.sha256}"',
        "content-length": str(item.size),
    }
    if item.filename:
        headers["content-disposition"] = f'attachment; filename="{item.filename}"'
    return StreamingResponse(
        evidence.store.read(item.sha256), media_type=item.media_type, headers=headers
    )


@router.delete("/{item_id}", response_model=EvidenceRead)
async def delete_evidence(
    item_id: uuid.UUID,
    session: SessionDep,
    evidence: EvidenceDep,
    caller: Annotated[CallerContext, requires("evidence:write")],
    reason: Annotated[str | None, Query(max_length=500)] = None,
) -> object:
    """Refused (409) before the retention ends; afterwards the content goes and a tombstone with
    its hash stays (the item and a ledger entry)."""
    return await service.tombstone_item(
        session,
        store=evidence.store,
        item_id=item_id,
        organisation_id=caller.organisation_id,
        reason=reason,
    )
