"""Forwarding ``/v1/...`` to the services: streamed both ways, timeouts, safe retries, a circuit
breaker per service.

Problem+json answers from a service pass through unchanged; a service that cannot be reached
gives a 502/503/504 problem from the gateway itself, and while its circuit is open a 503 with
``Retry-After`` at once.
"""

from __future__ import annotations

import asyncio
import logging

import httpx
from fastapi import APIRouter, Request
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from aigov.gateway.auth import CREDENTIAL_HEADERS, client_bucket, get_authenticator
from aigov.gateway.breaker import CircuitBreaker, CircuitOpen
from aigov.gateway.config import GatewaySettings
from aigov.gateway.middleware import add_response_headers
from aigov.gateway.routes import is_public, service_for
from aigov.gateway.views.cache import view_cache
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
READS = frozenset({"GET", "HEAD", "OPTIONS"})


class BadGateway(DomainError):
    status, title, slug = 502, "Bad gateway", "bad-gateway"


class GatewayTimeout(DomainError):
    status, title, slug = 504, "Gateway timeout", "gateway-timeout"


# Set by the gateway only: a client's copy is dropped, never forwarded.
GATEWAY_OWNED = frozenset({"x-request-id", CONTEXT_HEADER})


def _forward_headers(
    request: Request, context_token: str | None, *, keep_credentials: bool
) -> list[tuple[str, str]]:
    dropped = HOP_BY_HOP | GATEWAY_OWNED
    if not keep_credentials:
        # The gateway checked them; services trust the signed context instead.
        dropped |= CREDENTIAL_HEADERS
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in dropped]
    if context_token is not None:
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
    # Dot segments (also percent-encoded ones, decoded by now) would climb out of /v1 on the
    # service once a URL library normalises them.
    if service is None or any(segment in (".", "..") for segment in path.split("/")):
        raise NotFound(f"no API at /v1/{path}")
    # Forward the path as the client encoded it (an encoded "/" stays inside its segment).
    raw_path = request.scope.get("raw_path") or request.url.path.encode()
    upstream_url = raw_path.decode("latin-1")
    if request.url.query:
        upstream_url += "?" + request.url.query
    settings: GatewaySettings = request.app.state.settings
    authenticator = get_authenticator(request)
    public = is_public(path)
    if public:
        # Registry webhooks: the inventory checks their signatures; no caller context is sent.
        authenticator.limit(request, client_bucket(request))
        token, organisation_id = None, None
    else:
        caller = await authenticator.authenticate(request)
        token, organisation_id = (
            sign_context(caller, settings.internal_secret),
            caller.organisation_id,
        )
    breaker: CircuitBreaker = request.app.state.breakers[service]
    try:
        breaker.before_call()
    except CircuitOpen as exc:
        add_response_headers(request, {"Retry-After": str(exc.retry_after_s)})
        raise
    client: httpx.AsyncClient = request.app.state.clients[service]
    # Only small bodies are kept for a retry: a large upload (even an idempotent PUT) streams
    # straight through and is not retried, so it never sits in the gateway's memory.
    declared = request.headers.get("content-length", "")
    small = "transfer-encoding" not in request.headers and (
        not declared or (declared.isdigit() and int(declared) <= settings.max_body_bytes)
    )
    retries = settings.connect_retries if request.method in IDEMPOTENT and small else 0
    body: bytes | None = await request.body() if retries else None
    headers = _forward_headers(request, token, keep_credentials=public)
    for attempt in range(retries + 1):
        upstream = client.build_request(
            request.method,
            upstream_url,
            headers=headers,
            content=body if body is not None else request.stream(),
        )
        try:
            response = await client.send(upstream, stream=True)
            break
        except httpx.ConnectError as exc:
            if attempt < retries:
                await asyncio.sleep(0.05 * 2**attempt)
                continue
            breaker.record_failure()
            raise ServiceUnavailable(f"the {service} service cannot be reached") from exc
        except httpx.TimeoutException as exc:
            breaker.record_failure()
            raise GatewayTimeout(f"the {service} service did not answer in time") from exc
        except httpx.TransportError as exc:
            breaker.record_failure()
            raise BadGateway(f"the {service} service broke the connection") from exc
    breaker.record_success()
    if organisation_id and request.method not in READS and response.status_code < 400:
        # A write through the API: the organisation's cached views refresh on their next read.
        view_cache(request).mark_stale(organisation_id)
    # Raw bytes pass through as they came, so the service's Content-Length stays true; the
    # request id is the gateway's own (the same value), added once by its middleware.
    dropped = (HOP_BY_HOP - {"content-length"}) | {"x-request-id"}
    streamed = StreamingResponse(
        response.aiter_raw(),
        status_code=response.status_code,
        background=BackgroundTask(response.aclose),
    )
    streamed.raw_headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1"))
        for k, v in response.headers.multi_items()
        if k.lower() not in dropped
    ]
    return streamed
