"""What the gateway forwards and how: headers, the signed context, webhooks without a key,
uploads and downloads streamed, timeouts. The upstream is a small echo app on a real socket."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from aigov.gateway.config import GatewaySettings
from aigov.shared.tenancy import CONTEXT_HEADER, verify_context
from tests.infra import free_port
from tests.integration.gateway.servers import serve
from tests.unit.gateway.support import gateway_settings, make_key, serve_gateway

pytestmark = pytest.mark.integration

DOWNLOAD = bytes(range(256)) * 16_384  # 4 MiB


async def echo(request: Request) -> Response:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    response = JSONResponse(
        {
            "path": request.url.path,
            "raw_path": request.scope["raw_path"].decode(),
            "query": request.url.query,
            "headers": dict(request.headers),
            "received": size,
        }
    )
    response.set_cookie("upstream-session", "for-this-caller-only")
    return response


async def download(_: Request) -> Response:
    async def body() -> AsyncIterator[bytes]:
        for start in range(0, len(DOWNLOAD), 65_536):
            yield DOWNLOAD[start : start + 65_536]

    return StreamingResponse(body(), media_type="application/octet-stream")


async def slow(_: Request) -> Response:
    await asyncio.sleep(10)
    return Response("late")


async def teapot(_: Request) -> Response:
    problem = {"type": "https://example.test/teapot", "title": "Teapot", "status": 418, "x": 1}
    return JSONResponse(problem, status_code=418, media_type="application/problem+json")


UPSTREAM = Starlette(
    routes=[
        Route("/v1/ledger/download", download),
        Route("/v1/ledger/slow", slow),
        Route("/v1/ledger/teapot", teapot),
        Route("/v1/{rest:path}", echo, methods=["GET", "POST", "PUT", "DELETE"]),
    ]
)


def settings_for(upstream: str, tmp_path: Path) -> GatewaySettings:
    return gateway_settings(
        tmp_path,
        inventory_url=upstream,
        evidence_url=upstream,
        read_timeout_s=0.5,
        max_body_bytes=100_000,
        max_upload_bytes=3_000_000,
        rate_limit_per_minute=5,
    )


async def test_forwarded_headers_context_and_webhooks(tmp_path: Path) -> None:
    port = free_port()
    async with (
        serve(UPSTREAM, port) as upstream,
        serve_gateway(settings_for(upstream, tmp_path)) as (app, gw),
    ):
        key = await make_key(app, organisation="org-a", role="viewer")
        seen = await gw.get(
            "/v1/systems?limit=5",
            headers={
                "x-api-key": key,
                CONTEXT_HEADER: "forged",
                "x-request-id": "req-1",
                "accept": "application/json",
            },
        )
        assert seen.status_code == 200, seen.text
        forwarded = seen.json()["headers"]
        assert seen.json()["query"] == "limit=5"
        assert "x-api-key" not in forwarded  # credentials stop at the gateway
        assert forwarded["x-request-id"] == "req-1"
        assert forwarded["accept"] == "application/json"
        assert "upstream-session" in seen.headers["set-cookie"]  # passed back to its caller...
        # Paths go on as the client encoded them; none climbs out of /v1 on the service.
        encoded = await gw.get("/v1/systems/a%2Fb", headers={"x-api-key": key})
        assert encoded.json()["raw_path"] == "/v1/systems/a%2Fb"
        for sneaky in ("/v1/systems/%2E%2E/%2E%2E/metrics", "/v1/systems/%2e%2e/x"):
            climbed = await gw.get(sneaky, headers={"x-api-key": key})
            assert climbed.status_code == 404
            assert climbed.headers["content-type"] == "application/problem+json"
        gw.cookies.clear()  # this test client is the caller: it sends nothing itself
        again = await gw.get("/v1/systems", headers={"x-api-key": key})
        assert "cookie" not in again.json()["headers"]  # ...and never kept by the gateway
        caller = verify_context(forwarded[CONTEXT_HEADER], app.state.settings.internal_secret)
        assert caller.organisation_id == "org-a"
        assert caller.role == "viewer"
        assert "systems:read" in caller.scopes
        assert "systems:write" not in caller.scopes

        # Registry webhooks: no key needed, signatures and their Authorization pass through,
        # no caller context is invented, and a client's forged one is dropped.
        hook = await gw.post(
            "/v1/ingest/mlflow/org-a",
            content=b'{"entity": "model_version", "action": "created"}',
            headers={
                "content-type": "application/json",
                "x-mlflow-signature": "v1,abc",
                "authorization": "Bearer wandb-token",
                CONTEXT_HEADER: "forged",
            },
        )
        assert hook.status_code == 200, hook.text
        hook_headers = hook.json()["headers"]
        assert hook_headers["x-mlflow-signature"] == "v1,abc"
        assert hook_headers["authorization"] == "Bearer wandb-token"
        assert CONTEXT_HEADER not in hook_headers
        assert hook.json()["received"] == 48
        assert hook.headers["ratelimit-policy"] == '"default";q=5;w=60'

        too_big = await gw.post("/v1/ingest/mlflow/org-a", content=b"x" * 100_001)
        assert too_big.status_code == 413
        statuses = [
            (await gw.post("/v1/ingest/mlflow/org-a", content=b"{}")).status_code for _ in range(5)
        ]
        assert statuses[-1] == 429  # webhooks share the client address's bucket
        assert 200 in statuses


async def test_streaming_problems_and_timeouts(tmp_path: Path) -> None:
    port = free_port()
    async with (
        serve(UPSTREAM, port) as upstream,
        serve_gateway(settings_for(upstream, tmp_path)) as (app, gw),
    ):
        key = {"x-api-key": await make_key(app, organisation="org-a", role="contributor")}

        async def upload() -> AsyncIterator[bytes]:
            for _ in range(40):
                yield b"e" * 65_536  # 2.5 MiB: over the general limit, under the upload one

        stored = await gw.post("/v1/ledger/items", content=upload(), headers=key)
        assert stored.status_code == 200, stored.text
        assert stored.json()["received"] == 40 * 65_536
        assert "transfer-encoding" in stored.json()["headers"]  # streamed, never buffered
        replaced = await gw.put("/v1/ledger/items/1", content=upload(), headers=key)
        assert replaced.json()["received"] == 40 * 65_536
        assert "transfer-encoding" in replaced.json()["headers"]  # idempotent, still streamed

        got = await gw.get("/v1/ledger/download", headers=key)
        assert got.status_code == 200
        assert got.content == DOWNLOAD

        teapot = await gw.get("/v1/ledger/teapot", headers=key)
        assert teapot.status_code == 418
        assert teapot.headers["content-type"] == "application/problem+json"
        assert teapot.json() == {
            "type": "https://example.test/teapot",
            "title": "Teapot",
            "status": 418,
            "x": 1,
        }

        loop = asyncio.get_running_loop()
        started = loop.time()
        late = await gw.get("/v1/ledger/slow", headers=key)
        assert late.status_code == 504
        assert late.headers["content-type"] == "application/problem+json"
        assert loop.time() - started < 3
