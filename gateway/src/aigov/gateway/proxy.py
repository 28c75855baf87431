"""Forwarding ``/v1/...`` to the services: streamed both ways, timeouts, safe retries.

Problem+json answers from a service pass through unchanged; a service that cannot be reached
gives a 502/503/504 problem from the gateway itself.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from aigov.gateway.auth import authenticate
from aigov.gateway.config import GatewaySettings
from aigov.gateway.routes import service_for
from aigov.shared.logs import request_id_var
from aigov.shared.problems import DomainError, NotFound, ServiceUnavailable
from aigov.shared.tenancy import CONTEXT_HEADER, sign_context

logger = logging.getLogger(__name__)

router = APIRouter()

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


class GatewayTimeout(DomainError):
    status, title, slug = 504, "Gateway timeout", "gateway-timeout"


# Set by the gateway only: a client's copy is dropped, never forwarded.
GATEWAY_OWNED = frozenset({"x-request-id", CONTEXT_HEADER})


def _forward_headers(request: Request, context_token: str) -> list[tuple[str, str]]:
    headers = [
        (k, v)
        for k, v in request.headers.items()
        if k.lower() not in HOP_BY_HOP and k.lower() not in GATEWAY_OWNED
    ]
    headers.append((CONTEXT_HEADER, context_token))
    if (request_id := request_id_var.get()) is not None:
        headers.append(("x-request-id", request_id))
    return headers


@router.api_route(
    "/v1/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    include_in_schema=False,
)
async def forward(path: str, request: Request) -> Response:
    service = service_for(path)
    if service is None:
        raise NotFound(f"no API at /v1/{path}")
    settings: GatewaySettings = request.app.state.settings
    caller = authenticate(request, settings)
    token = sign_context(caller, settings.internal_secret)
    clients: dict[str, httpx.AsyncClient] = request.app.state.clients
    client = clients[service]
    retries = settings.connect_retries if request.method in IDEMPOTENT else 0
    # A body that may need re-sending is read once; other bodies stream straight through.
    body: bytes | None = await request.body() if retries else None
    for attempt in range(retries + 1):
        upstream = client.build_request(
            request.method,
            "/v1/" + path,
            params=request.url.query,
            headers=_forward_headers(request, token),
            content=body if body is not None else request.stream(),
        )
        try:
            response = await client.send(upstream, stream=True)
            break
        except httpx.ConnectError as exc:
            if attempt < retries:
                await asyncio.sleep(0.05 * 2**attempt)
                continue
            raise ServiceUnavailable(f"the {service} service cannot be reached") from exc
        except httpx.TimeoutException as exc:
            raise GatewayTimeout(f"the {service} service did not answer in time") from exc
    headers = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
    return StreamingResponse(
        response.aiter_raw(),
        status_code=response.status_code,
        headers=headers,
        background=BackgroundTask(response.aclose),
    )
