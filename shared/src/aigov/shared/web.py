"""What every component's HTTP app has: request ids, problem+json, metrics, health and readiness."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Literal

from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aigov.shared import activity
from aigov.shared.logs import request_id_var
from aigov.shared.metrics import MetricsMiddleware, metrics_endpoint
from aigov.shared.problems import PROBLEM_JSON, install_problem_handlers

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "x-request-id"
ReadinessCheck = Callable[[], Awaitable[None]]


class RequestContextMiddleware:
    """Takes or makes the request id, echoes it, and turns escaped errors into a 500 problem.

    Catching here (inside Starlette's ServerErrorMiddleware) answers with problem+json and logs
    once with the request id, without leaking the exception to the client.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        activity.request_seen(scope["path"])
        incoming = dict(scope["headers"]).get(REQUEST_ID_HEADER.encode(), b"").decode()
        request_id = incoming[:128] if incoming else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER.encode(), request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            logger.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = {
                "type": "https://aigov.dev/problems/internal",
                "title": "Internal server error",
                "status": 500,
                "detail": "An unexpected error occurred; quote the request id when reporting it.",
                "instance": scope.get("path"),
                "request_id": request_id,
            }
            response = JSONResponse(body, status_code=500, media_type=PROBLEM_JSON)
            await response(scope, receive, send_wrapper)
        finally:
            activity.request_seen(scope["path"])
            request_id_var.reset(token)


class ModelResponse(Response):
    """A response model serialised once, by pydantic's core. Returned instead of the model, it
    skips FastAPI's re-validation against ``response_model`` (a dump to dicts, a validation and
    a second serialisation), which on pages of a thousand items costs more than the query. The
    route keeps ``response_model`` for its documentation; the model is already that type."""

    media_type = "application/json"

    def __init__(
        self, model: BaseModel, status_code: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(model.model_dump_json(), status_code=status_code, headers=headers)


def create_base_app(
    *,
    title: str,
    version: str,
    description: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
) -> FastAPI:
    app = FastAPI(title=title, version=version, description=description, lifespan=lifespan)
    app.state.readiness_checks = {}
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(MetricsMiddleware)
    app.add_api_route("/metrics", metrics_endpoint, include_in_schema=False)
    app.add_api_route("/healthz", healthz, tags=["operations"], summary="Liveness")
    app.add_api_route("/readyz", readyz, tags=["operations"], summary="Readiness")
    return app


def add_readiness_check(
    app: FastAPI, name: str, check: ReadinessCheck, *, downstream: bool = False
) -> None:
    """``downstream`` checks (the gateway's services) are left out of ``/readyz?scope=self``."""
    app.state.readiness_checks[name] = (check, downstream)


async def healthz() -> dict[str, str]:
    return {"status": "ok"}


async def readyz(request: Request, scope: Literal["all", "self"] = "all") -> Response:
    """``scope=self``: only this component's own dependencies. A load balancer's probe uses it,
    so one service being down never takes the gateway (and its partial views) out of rotation."""
    registered: dict[str, tuple[ReadinessCheck, bool]] = request.app.state.readiness_checks
    checks = {
        name: check
        for name, (check, downstream) in registered.items()
        if scope == "all" or not downstream
    }

    async def run(name: str, check: ReadinessCheck) -> tuple[str, str]:
        try:
            await asyncio.wait_for(check(), timeout=3.0)
        except Exception as exc:
            return name, f"unavailable: {type(exc).__name__}"
        return name, "ok"

    results = dict(await asyncio.gather(*(run(n, c) for n, c in checks.items())))
    body: dict[str, Any] = {"checks": results}
    if all(v == "ok" for v in results.values()):
        return JSONResponse({"status": "ready", **body})
    body |= {
        "type": "https://aigov.dev/problems/not-ready",
        "title": "Not ready",
        "status": 503,
        "detail": "A dependency is unavailable: "
        + ", ".join(n for n, v in results.items() if v != "ok"),
    }
    return JSONResponse(body, status_code=503, media_type=PROBLEM_JSON)
