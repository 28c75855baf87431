"""Pure ASGI middleware of the gateway (pure, so streamed bodies are never buffered).

- :class:`BodyLimitMiddleware`: 413 for a declared ``Content-Length`` over the limit before the
  app runs; for streamed bodies, counts bytes as they arrive and stops at the limit.
- :class:`SecurityHeadersMiddleware`: the security headers of every answer, plus the headers a
  handler asked for through :func:`add_response_headers` (rate limits, ``Retry-After``,
  ``WWW-Authenticate``), which also reach problem answers raised as exceptions.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aigov.shared.problems import PROBLEM_JSON, TYPE_BASE, DomainError

EXTRA_HEADERS_KEY = "aigov.response_headers"

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The docs page loads Swagger UI from its CDN and starts it with an inline script.
DOCS_CSP = (
    "default-src 'none'; script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; "
    "style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data: "
    "https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc"})
# The console's pages: only their own stylesheet and forms; inline style attributes draw bars.
CONSOLE_CSP = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "script-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
API_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json"})


def csp_for(path: str) -> str:
    if path in DOCS_PATHS:
        return DOCS_CSP
    if path.startswith("/v1/") or path in API_PATHS:
        return API_CSP
    return CONSOLE_CSP


def add_response_headers(request: Request, headers: dict[str, str]) -> None:
    request.scope.setdefault(EXTRA_HEADERS_KEY, {}).update(headers)


class BodyTooLarge(DomainError):
    status, title, slug = 413, "Content too large", "content-too-large"


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, limit_for: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _send_problem(send, scope, limit)
            return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge(f"the request body exceeds {limit} bytes", limit_bytes=limit)
            return message

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if exceeded:
                # Whatever the app made of the cut-off body (FastAPI calls it a parse error),
                # the answer is 413.
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _send_problem(send, scope, limit)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, send_wrapper)
        except BodyTooLarge:
            if started:
                raise
            await _send_problem(send, scope, limit)


async def _send_problem(send: Send, scope: Scope, limit: int) -> None:
    body = json.dumps(
        {
            "type": TYPE_BASE + BodyTooLarge.slug,
            "title": BodyTooLarge.title,
            "status": 413,
            "detail": f"the request body exceeds {limit} bytes",
            "instance": scope.get("path"),
            "limit_bytes": limit,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts_max_age_s: int = 0) -> None:
        self.app = app
        self.static: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),
            (b"cross-origin-resource-policy", b"same-origin"),
        ]
        if hsts_max_age_s > 0:
            self.static.append((b"strict-transport-security", f"max-age={hsts_max_age_s}".encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = csp_for(scope.get("path", ""))

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in self.static} | {b"content-security-policy"}
                extra = scope.get(EXTRA_HEADERS_KEY, {})
                names |= {name.lower().encode() for name in extra}
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                headers += self.static
                headers.append((b"content-security-policy", csp.encode()))
                headers += [(k.lower().encode(), v.encode()) for k, v in extra.items()]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_wrapper)
