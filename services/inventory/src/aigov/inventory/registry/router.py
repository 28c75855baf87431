"""Registry webhooks. They carry no caller context, so the URL names the organisation and the
delivery authenticates itself: MLflow's HMAC signature, or the organisation's token."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from aigov.inventory.deps import SettingsDep
from aigov.inventory.metrics import INGEST_DELIVERIES
from aigov.inventory.registry import service
from aigov.inventory.registry.normalise import (
    Malformed,
    Normalised,
    normalise_azureml,
    normalise_cloudevents,
    normalise_mlflow,
    normalise_sagemaker,
)
from aigov.inventory.registry.schemas import (
    AssignRequest,
    DeliveryRead,
    DiscoveredModelRead,
    IngestAccepted,
    SecretRead,
    SecretWrite,
)
from aigov.inventory.registry.signature import verify_mlflow, verify_token
from aigov.inventory.system import service as systems
from aigov.inventory.system.schemas import SystemRead
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES, DomainError, problem_response
from aigov.shared.tenancy import CallerContext, Unauthorized, requires

router = APIRouter(prefix="/v1/ingest", tags=["ingest"], responses=PROBLEM_RESPONSES)
triage = APIRouter(
    prefix="/v1/discovered-models", tags=["discovered models"], responses=PROBLEM_RESPONSES
)

Provider = Literal["mlflow", "sagemaker", "azureml", "cloudevents"]
OrgPath = Annotated[str, Query(min_length=1, max_length=100)]


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


# --- admin: per-organisation webhook secrets ---------------------------------------------------


@router.get("/secrets", response_model=list[SecretRead])
async def list_secrets(
    session: SessionDep, caller: Annotated[CallerContext, requires("admin")]
) -> list[SecretRead]:
    rows = await service.list_secrets(session, organisation_id=caller.organisation_id)
    return [SecretRead.model_validate(r) for r in rows]


@router.put("/secrets/{provider}", response_model=SecretRead)
async def set_secret(
    provider: Provider,
    body: SecretWrite,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("admin")],
) -> SecretRead:
    row = await service.set_secret(
        session,
        organisation_id=caller.organisation_id,
        provider=provider,
        secret=body.secret,
        actor=caller.subject,
    )
    return SecretRead.model_validate(row)


@router.delete("/secrets/{provider}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_secret(
    provider: Provider, session: SessionDep, caller: Annotated[CallerContext, requires("admin")]
) -> Response:
    await service.delete_secret(session, organisation_id=caller.organisation_id, provider=provider)
    return Response(status_code=204)


@router.get("/deliveries", response_model=list[DeliveryRead])
async def list_deliveries(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("admin")],
    status_: Annotated[Literal["accepted", "rejected"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryRead]:
    """Raw deliveries as received (rejected ones with the reason), for diagnosis."""
    rows = await service.list_deliveries(
        session, organisation_id=caller.organisation_id, status=status_, limit=limit
    )
    return [DeliveryRead.model_validate(r) for r in rows]


# --- the webhooks ------------------------------------------------------------------------------


async def _receive(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    *,
    provider: Provider,
    organisation_id: str,
) -> Response:
    body = await request.body()
    if len(body) > settings.ingest_max_body_bytes:
        raise PayloadTooLarge(f"deliveries are limited to {settings.ingest_max_body_bytes} bytes")
    headers = {k.lower(): v for k, v in request.headers.items()}
    secret = await service.get_secret(session, organisation_id=organisation_id, provider=provider)
    if secret is None:
        INGEST_DELIVERIES.labels(provider, "unauthorized").inc()
        raise Unauthorized(f"no {provider} webhook secret is configured for this organisation")
    header_delivery: str | None = None
    try:
        if provider == "mlflow":
            header_delivery = verify_mlflow(
                secret=secret, headers=headers, body=body, max_age_s=settings.ingest_max_age_s
            )
        else:
            verify_token(secret=secret, headers=headers)
    except Unauthorized:
        INGEST_DELIVERIES.labels(provider, "unauthorized").inc()
        raise
    try:
        normalised = _normalise(provider, body, headers, header_delivery)
    except Malformed as exc:
        return await _reject(
            request, session, provider, organisation_id, body, headers, header_delivery, exc
        )
    if normalised.validation_code is not None:
        # Event Grid's subscription handshake: echo the code, store and publish nothing.
        return JSONResponse({"validationResponse": normalised.validation_code})
    if await service.find_delivery(
        session,
        organisation_id=organisation_id,
        provider=provider,
        delivery_id=normalised.delivery_id,
    ):
        INGEST_DELIVERIES.labels(provider, "duplicate").inc()
        return _accepted(IngestAccepted(status="duplicate"))
    stored = await service.store_delivery(
        session,
        organisation_id=organisation_id,
        provider=provider,
        delivery_id=normalised.delivery_id,
        body=body,
        headers=headers,
        events=normalised.events,
    )
    if stored is None:
        INGEST_DELIVERIES.labels(provider, "duplicate").inc()
        return _accepted(IngestAccepted(status="duplicate"))
    INGEST_DELIVERIES.labels(provider, "accepted").inc()
    # The session commits before this answer is sent: 202 means stored and queued durably.
    return _accepted(
        IngestAccepted(status="accepted", ingest_id=stored.id, events=len(normalised.events))
    )


def _normalise(
    provider: Provider, body: bytes, headers: dict[str, str], header_delivery: str | None
) -> Normalised:
    if provider == "mlflow":
        assert header_delivery is not None
        return normalise_mlflow(body, header_delivery)
    if provider == "sagemaker":
        return normalise_sagemaker(body)
    if provider == "azureml":
        return normalise_azureml(body)
    return normalise_cloudevents(body, headers)


async def _reject(
    request: Request,
    session: SessionDep,
    provider: Provider,
    organisation_id: str,
    body: bytes,
    headers: dict[str, str],
    header_delivery: str | None,
    exc: Malformed,
) -> Response:
    """Authenticated but unreadable: keep the raw body for diagnosis and say precisely why.
    Returned (not raised) so the request's transaction commits the diagnosis record."""
    INGEST_DELIVERIES.labels(provider, "rejected").inc()
    delivery_id = header_delivery or f"rejected:{uuid.uuid4()}"
    existing = await service.find_delivery(
        session, organisation_id=organisation_id, provider=provider, delivery_id=delivery_id
    )
    stored = existing or await service.store_delivery(
        session,
        organisation_id=organisation_id,
        provider=provider,
        delivery_id=delivery_id,
        body=body,
        headers=headers,
        error=exc.detail,
    )
    return problem_response(
        request,
        status=exc.status,
        title="Malformed delivery" if exc.status == 400 else "Unprocessable delivery",
        slug="malformed-delivery" if exc.status == 400 else "unprocessable-delivery",
        detail=exc.detail,
        ingest_id=str(stored.id) if stored else None,
    )


def _accepted(body: IngestAccepted) -> Response:
    return JSONResponse(body.model_dump(mode="json"), status_code=202)


@router.post("/mlflow/{organisation_id}", status_code=202, response_model=IngestAccepted)
async def ingest_mlflow(
    organisation_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """MLflow 3.x model-registry webhooks (HMAC-signed)."""
    return await _receive(
        request, session, settings, provider="mlflow", organisation_id=organisation_id
    )


@router.post("/sagemaker/{organisation_id}", status_code=202, response_model=IngestAccepted)
async def ingest_sagemaker(
    organisation_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """SageMaker Model Package State Change events from an EventBridge API destination."""
    return await _receive(
        request, session, settings, provider="sagemaker", organisation_id=organisation_id
    )


@router.post("/azureml/{organisation_id}", status_code=202, response_model=IngestAccepted)
async def ingest_azureml(
    organisation_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Azure Machine Learning events from Event Grid (Event Grid or CloudEvents schema)."""
    return await _receive(
        request, session, settings, provider="azureml", organisation_id=organisation_id
    )


@router.post("/cloudevents/{organisation_id}", status_code=202, response_model=IngestAccepted)
async def ingest_cloudevents(
    organisation_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Any CloudEvents 1.0 sender, structured, batch or binary HTTP mode."""
    return await _receive(
        request, session, settings, provider="cloudevents", organisation_id=organisation_id
    )


@router.options(
    "/{provider}/{organisation_id}",
    response_class=Response,
    responses={
        200: {"description": "Allowed; see the WebHook-Allowed-Origin header", "content": {}}
    },
)
async def webhook_handshake(provider: Provider, organisation_id: str, request: Request) -> Response:
    """CloudEvents HTTP webhook abuse protection (used by Event Grid's CloudEvents schema)."""
    origin = request.headers.get("webhook-request-origin", "*")
    return Response(status_code=200, headers={"WebHook-Allowed-Origin": origin})


# --- triage of discovered models ------------------------------------------------------------


@triage.get("", response_model=list[DiscoveredModelRead])
async def list_discovered_models(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("systems:read")],
    status_: Annotated[Literal["awaiting_triage", "assigned"] | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DiscoveredModelRead]:
    rows = await service.list_discovered(
        session, organisation_id=caller.organisation_id, status=status_, limit=limit
    )
    return [DiscoveredModelRead.model_validate(r) for r in rows]


@triage.post("/{discovered_id}/assign", response_model=SystemRead)
async def assign_discovered_model(
    discovered_id: uuid.UUID,
    body: AssignRequest,
    session: SessionDep,
    response: Response,
    caller: Annotated[CallerContext, requires("systems:write")],
) -> SystemRead:
    """Attach a discovered model to a system: it is listed there from now on."""
    _, system = await service.assign_discovered(
        session,
        organisation_id=caller.organisation_id,
        discovered_id=discovered_id,
        system_id=body.system_id,
        actor=caller.subject,
    )
    response.headers["ETag"] = systems.etag_of(system)
    return systems.to_read(system, await systems.risk_tier_of(session, system.id))
