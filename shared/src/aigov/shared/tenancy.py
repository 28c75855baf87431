"""Who is calling, for which organisation, with which scopes: told by the gateway, trusted by the
services because it is signed.

The gateway authenticates the client (API key or OIDC), then forwards a short-lived context token
in ``X-Aigov-Context``: ``base64url(json) "." base64url(HMAC-SHA256(secret, json))``. A client
cannot forge it without the platform's internal secret, and the gateway drops any copy a client
sends. Services read it with :data:`CallerDep` or :func:`requires` and filter every query by
``caller.organisation_id``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request

from aigov.shared.problems import DomainError

CONTEXT_HEADER = "x-aigov-context"
CONTEXT_TTL_S = 60

# Every scope a route can require; the gateway maps roles onto these.
SCOPES: dict[str, str] = {
    "systems:read": "read the AI system register",
    "systems:write": "register and change AI systems",
    "classification:read": "read classifications and obligations",
    "classification:write": "answer questionnaires, (re)classify",
    "monitoring:read": "read drift results, incidents and plans",
    "monitoring:write": "send observations, manage incidents and plans",
    "evidence:read": "read evidence, the ledger and proofs",
    "evidence:write": "upload and supersede evidence",
    "audit:export": "export audit packages",
    "admin": "manage API keys and organisation settings",
}


class Unauthorized(DomainError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(DomainError):
    status, title, slug = 403, "Forbidden", "forbidden"


@dataclass(frozen=True)
class CallerContext:
    organisation_id: str
    subject: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    role: str | None = None

    def can(self, scope: str) -> bool:
        return scope in self.scopes or "admin" in self.scopes


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_context(ctx: CallerContext, secret: str, *, ttl_s: int = CONTEXT_TTL_S) -> str:
    claims: dict[str, Any] = {
        "org": ctx.organisation_id,
        "sub": ctx.subject,
        "scopes": sorted(ctx.scopes),
        "role": ctx.role,
        "exp": int(time.time()) + ttl_s,
    }
    body = json.dumps(claims, separators=(",", ":"), sort_keys=True).encode()
    mac = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return f"{_b64(body)}.{_b64(mac)}"


def verify_context(token: str, secret: str) -> CallerContext:
    try:
        body_b64, mac_b64 = token.split(".", 1)
        body, mac = _unb64(body_b64), _unb64(mac_b64)
    except ValueError as exc:
        raise Unauthorized("malformed caller context") from exc
    expected = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise Unauthorized("caller context signature does not verify")
    claims = json.loads(body)
    if int(claims.get("exp", 0)) < time.time():
        raise Unauthorized("caller context expired")
    return CallerContext(
        organisation_id=str(claims["org"]),
        subject=str(claims["sub"]),
        scopes=frozenset(claims.get("scopes", ())),
        role=claims.get("role"),
    )


def get_caller(request: Request) -> CallerContext:
    token = request.headers.get(CONTEXT_HEADER)
    if not token:
        raise Unauthorized("this service is reached through the gateway; no caller context")
    secret: str = request.app.state.internal_secret
    return verify_context(token, secret)


CallerDep = Annotated[CallerContext, Depends(get_caller)]


def requires(scope: str) -> Any:
    """``caller: Annotated[CallerContext, requires("systems:write")]``: the route's scope."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope}")

    def check(caller: CallerDep) -> CallerContext:
        if not caller.can(scope):
            raise Forbidden(f"this action needs the {scope!r} scope", required_scope=scope)
        return caller

    return Depends(check)
