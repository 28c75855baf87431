from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from aigov.classifier.classification import service
from aigov.classifier.classification.models import Classification
from aigov.classifier.classification.schemas import (
    ClassificationOut,
    ClassificationSummary,
    ClassifyRequest,
    LatestClassification,
    LatestPage,
    ReclassifyOut,
)
from aigov.classifier.deps import RulebookDep
from aigov.classifier.rulebook.engine import ClassificationResult
from aigov.shared.deps import SessionDep
from aigov.shared.params import PositiveIntId
from aigov.shared.problems import PROBLEM_RESPONSES, NotFound, Unprocessable
from aigov.shared.tenancy import CallerContext, requires
from aigov.shared.web import ModelResponse

router = APIRouter(tags=["classifications"], responses=PROBLEM_RESPONSES)
BULK_MAX = 100


def to_out(row: Classification) -> ClassificationOut:
    return ClassificationOut(
        id=row.id,
        system_id=row.system_id,
        version=row.version,
        trigger=row.trigger,
        created_by=row.created_by,
        created_at=row.created_at,
        facts=row.facts,
        result=ClassificationResult.model_validate(row.full_result),
    )


@router.post("/v1/classifications/{system_id}", response_model=ClassificationOut)
async def classify_system(
    system_id: uuid.UUID,
    body: ClassifyRequest,
    session: SessionDep,
    rulebook: RulebookDep,
    caller: Annotated[CallerContext, requires("classification:write")],
) -> ClassificationOut:
    """Classify now from the stored facts plus optional overrides; `save=false` is a what-if."""
    row, result = await service.classify_system(
        session,
        rulebook=rulebook,
        organisation_id=caller.organisation_id,
        system_id=system_id,
        actor=caller.subject,
        trigger="manual" if body.save else "what_if",
        overrides=body.facts,
        as_of=body.as_of,
        save=body.save,
    )
    if row is not None:
        return to_out(row)
    return ClassificationOut(
        id=None,
        system_id=system_id,
        version=None,
        trigger="what_if",
        created_by=caller.subject,
        created_at=None,
        facts={},
        result=result,
    )


# Result fields the bulk read can return: all but the reasoning trace (read one system for it).
BULK_FIELDS = tuple(name for name in ClassificationResult.model_fields if name != "trace")


@router.get("/v1/classifications", response_model=LatestPage)
async def list_latest_classifications(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("classification:read")],
    system_id: Annotated[list[uuid.UUID], Query(min_length=1, max_length=BULK_MAX)],
    field: Annotated[
        list[str] | None,
        Query(description="result fields to return (default: all but `trace`)"),
    ] = None,
) -> ModelResponse:
    """The latest classification of each of up to 100 systems in one call, without the facts
    and the reasoning trace (organisation-wide views read many systems at once)."""
    unknown = sorted(set(field or ()) - set(BULK_FIELDS))
    if unknown:
        raise Unprocessable(
            f"unknown result field(s) {', '.join(unknown)}; choose from {', '.join(BULK_FIELDS)}"
        )
    rows = await service.latest_many(
        session,
        organisation_id=caller.organisation_id,
        system_ids=system_id,
        fields=list(dict.fromkeys(field)) if field else BULK_FIELDS,
    )
    page = LatestPage(
        items=[
            LatestClassification(system_id=sid, version=version, risk_tier=tier, result=result)
            for sid, version, tier, result in rows
        ]
    )
    return ModelResponse(page)


@router.get("/v1/classifications/{system_id}", response_model=ClassificationOut)
async def get_latest_classification(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("classification:read")],
) -> ClassificationOut:
    row = await service.latest(session, organisation_id=caller.organisation_id, system_id=system_id)
    return to_out(row)


@router.get("/v1/classifications/{system_id}/history", response_model=list[ClassificationSummary])
async def list_classification_history(
    system_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("classification:read")],
) -> object:
    return await service.history(
        session, organisation_id=caller.organisation_id, system_id=system_id
    )


@router.get("/v1/classifications/{system_id}/versions/{version}", response_model=ClassificationOut)
async def get_classification_version(
    system_id: uuid.UUID,
    version: PositiveIntId,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("classification:read")],
) -> ClassificationOut:
    for row in await service.history(
        session, organisation_id=caller.organisation_id, system_id=system_id
    ):
        if row.version == version:
            return to_out(row)
    raise NotFound(f"system {system_id} has no classification version {version}")


@router.post("/v1/rulebook/reclassify", response_model=ReclassifyOut)
async def reclassify_after_rulebook_change(
    session: SessionDep,
    rulebook: RulebookDep,
    caller: Annotated[CallerContext, requires("classification:write")],
) -> ReclassifyOut:
    """Reclassify the organisation's systems whose latest classification used another rulebook."""
    count = await service.reclassify_stale(
        session, rulebook=rulebook, organisation_id=caller.organisation_id, actor=caller.subject
    )
    return ReclassifyOut(
        reclassified=count,
        rulebook_version=rulebook.version,
        rulebook_hash=rulebook.content_hash,
    )
