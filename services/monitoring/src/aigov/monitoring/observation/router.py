from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aigov.monitoring.deps import SettingsDep
from aigov.monitoring.drift.service import maybe_run_automatic_drift
from aigov.monitoring.errors import InvalidObservation, PayloadTooLarge
from aigov.monitoring.observation import service
from aigov.shared.contracts.monitoring import ObservationRecord
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES, DomainError
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/monitoring", tags=["observations"], responses=PROBLEM_RESPONSES)

NDJSON_TYPES = ("application/x-ndjson", "application/ndjson", "application/jsonl")


class UnsupportedMediaType(DomainError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


class ObservationBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model_version: str = Field(default="default", min_length=1, max_length=100)
    window: Literal["reference", "current"] = "current"
    records: list[ObservationRecord] = Field(min_length=1)


class IngestRead(BaseModel):
    system_id: uuid.UUID
    model_version: str
    window: str
    accepted: int
    chunks: int
    drift_run_id: uuid.UUID | None = None


@router.post(
    "/systems/{system_id}/observations",
    response_model=IngestRead,
    status_code=202,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/ObservationBatchIn"}},
                "application/x-ndjson": {
                    "schema": {"$ref": "#/components/schemas/ObservationRecord"}
                },
            },
            "required": True,
        }
    },
)
async def post_observations(
    system_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: Annotated[CallerContext, requires("monitoring:write")],
    model_version: Annotated[str, Query(min_length=1, max_length=100)] = "default",
    window: Literal["reference", "current"] = "current",
) -> IngestRead:
    """Observations of one system: a JSON batch, or an NDJSON stream (one record per line,
    parsed as it arrives; ``model_version`` and ``window`` then come from the query)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in NDJSON_TYPES:
        result = await service.ingest_ndjson(
            session,
            organisation_id=caller.organisation_id,
            system_id=system_id,
            model_version=model_version,
            window=window,
            stream=request.stream(),
            chunk_rows=settings.chunk_rows,
            max_rows=settings.max_rows_per_request,
        )
    elif content_type in ("application/json", ""):
        try:
            body = ObservationBatchIn.model_validate_json(await request.body())
        except ValidationError as exc:
            raise InvalidObservation(
                f"{exc.error_count()} field(s) failed validation",
                errors=[
                    {"location": list(e["loc"]), "message": e["msg"]} for e in exc.errors()[:20]
                ],
            ) from exc
        if len(body.records) > settings.max_rows_per_request:
            raise PayloadTooLarge(
                f"at most {settings.max_rows_per_request} observations per request"
            )
        result = await service.ingest(
            session,
            organisation_id=caller.organisation_id,
            system_id=system_id,
            model_version=body.model_version,
            window=body.window,
            records=body.records,
            chunk_rows=settings.chunk_rows,
            max_rows=settings.max_rows_per_request,
            transport="json",
        )
    else:
        raise UnsupportedMediaType(
            f"send application/json or application/x-ndjson, not {content_type!r}"
        )
    run = None
    if result.window == "current":
        system = await service.get_system(
            session, organisation_id=caller.organisation_id, system_id=system_id
        )
        run = await maybe_run_automatic_drift(
            session,
            system=system,
            model_version=result.model_version,
            window_rows=settings.auto_drift_rows,
            min_samples=settings.min_samples,
            max_rows=settings.max_window_rows,
        )
    return IngestRead(
        system_id=result.system_id,
        model_version=result.model_version,
        window=result.window,
        accepted=result.accepted,
        chunks=result.chunks,
        drift_run_id=run.id if run else None,
    )
