from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import IO, Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.responses import HTMLResponse, StreamingResponse

from aigov.evidence.deps import EvidenceDep
from aigov.evidence.export import documents
from aigov.evidence.export.html import render_document
from aigov.evidence.export.package import build_package
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/audit", tags=["audit"], responses=PROBLEM_RESPONSES)

Format = Annotated[Literal["json", "html"], Query()]


def _stream(file: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := file.read(1024 * 1024):
            yield chunk
    finally:
        file.close()


@router.get("/package", response_class=StreamingResponse)
async def export_audit_package(
    session: SessionDep,
    evidence: EvidenceDep,
    caller: Annotated[CallerContext, requires("audit:export")],
    system_id: uuid.UUID | None = None,
) -> StreamingResponse:
    """A zip with a manifest, the evidence files, the ledger entries with inclusion proofs against
    a signed checkpoint, the Statement of Applicability, the Annex IV outline and a readable
    summary; verify it offline with ``python -m aigov.evidence.verify``."""
    file = await build_package(
        session, evidence, organisation_id=caller.organisation_id, system_id=system_id
    )
    name = f"audit-{system_id or caller.organisation_id}.zip"
    return StreamingResponse(
        _stream(file),
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


def _render(doc: dict[str, Any], format: str) -> object:
    return HTMLResponse(render_document(doc["document"], doc)) if format == "html" else doc


@router.get("/systems/{system_id}/registration")
async def get_registration_data(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("audit:export")],
    section: Annotated[Literal["A", "B", "C"] | None, Query()] = None,
    format: Format = "json",
) -> object:
    """EU database registration data (Art. 49, Annex VIII; the section follows the system's role
    and classification unless given), with every field the platform cannot fill listed."""
    doc = await documents.registration_data(
        session, organisation_id=caller.organisation_id, system_id=system_id, section=section
    )
    return _render(doc, format)


@router.get("/systems/{system_id}/declaration-of-conformity")
async def get_declaration_of_conformity(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("audit:export")],
    format: Format = "json",
) -> object:
    """The EU declaration of conformity (Art. 47, Annex V) as far as the platform can fill it."""
    doc = await documents.declaration_of_conformity(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )
    return _render(doc, format)


@router.get("/systems/{system_id}/annex-iv")
async def get_annex_iv_outline(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("audit:export")],
    format: Format = "json",
) -> object:
    """The nine Annex IV sections filled with what the platform knows, each gap listed."""
    doc = await documents.annex_iv_outline(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )
    return _render(doc, format)
