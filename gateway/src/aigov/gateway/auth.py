"""Who the caller is. Secure by default: no credentials, no access.

Credentials, in order: ``X-API-Key: <key>``; ``Authorization: Bearer <key>`` for API keys
(they start with ``aigov_``); ``Authorization: Bearer <JWT>`` from the configured OIDC issuer.
Credentials that are sent are always checked, dev mode or not. Only a request without any falls
back to dev mode (``GATEWAY_DEV_ORGANISATION``, for `make run`), and otherwise answers 401.

Every authenticated request also takes a token from its key's rate-limit bucket; failed
attempts take one from the client address's bucket, which slows down guessing.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.gateway.apikey import service as keys
from aigov.gateway.authz import scopes_for
from aigov.gateway.config import GatewaySettings
from aigov.gateway.middleware import add_response_headers
from aigov.gateway.oidc import OidcVerifier
from aigov.gateway.ratelimit import RateLimited, TokenBucketLimiter
from aigov.shared.db import utcnow
from aigov.shared.tenancy import SCOPES, CallerContext, Forbidden, Unauthorized

API_KEY_HEADER = "x-api-key"
CREDENTIAL_HEADERS = frozenset({"authorization", API_KEY_HEADER})


@dataclass(frozen=True)
class KeyInfo:
    id: uuid.UUID
    organisation_id: str
    name: str
    role: str
    expires_at: datetime | None
    rate_limit_per_minute: int | None


@dataclass(frozen=True)
class Identity:
    caller: CallerContext
    # The rate-limit bucket and its per-key override.
    bucket: str
    per_minute: int | None = None


class Authenticator:
    def __init__(
        self,
        settings: GatewaySettings,
        session_factory: async_sessionmaker[AsyncSession],
        limiter: TokenBucketLimiter,
        oidc: OidcVerifier | None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self.limiter = limiter
        self.oidc = oidc
        self._cache: dict[str, tuple[KeyInfo, float]] = {}
        self._touched: dict[uuid.UUID, float] = {}

    def forget(self, key_id: uuid.UUID) -> None:
        """Drop a key from the cache at once (it was revoked)."""
        self._cache = {h: v for h, v in self._cache.items() if v[0].id != key_id}

    async def _api_key(self, secret: str) -> KeyInfo:
        digest = keys.hash_secret(secret)
        now = time.monotonic()
        cached = self._cache.get(digest)
        if cached is not None and now - cached[1] < self.settings.api_key_cache_ttl_s:
            info = cached[0]
            if info.expires_at is not None and info.expires_at <= utcnow():
                raise Unauthorized("API key expired")
        else:
            async with self.session_factory() as session:
                key = await keys.find_active(session, secret=secret)
            if key is None:
                self._cache.pop(digest, None)
                raise Unauthorized("unknown, revoked or expired API key")
            info = KeyInfo(
                key.id,
                key.organisation_id,
                key.name,
                key.role,
                key.expires_at,
                key.rate_limit_per_minute,
            )
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (info, now)
        if now - self._touched.get(info.id, -1e18) >= self.settings.api_key_touch_interval_s:
            self._touched[info.id] = now
            async with self.session_factory() as session, session.begin():
                await keys.touch(session, key_id=info.id, when=utcnow())
        return info

    async def identify(self, request: Request) -> Identity:
        api_key = request.headers.get(API_KEY_HEADER)
        authorization = request.headers.get("authorization")
        bearer: str | None = None
        if authorization is not None:
            scheme, _, value = authorization.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                raise Unauthorized("use 'Authorization: Bearer <API key or token>'")
            bearer = value.strip()
        if api_key is None and bearer is not None and keys.looks_like_api_key(bearer):
            api_key = bearer
        if api_key is not None:
            info = await self._api_key(api_key)
            caller = CallerContext(
                organisation_id=info.organisation_id,
                subject=f"api-key:{info.id}",
                scopes=scopes_for(info.role),
                role=info.role,
            )
            return Identity(caller, f"key:{info.id}", info.rate_limit_per_minute)
        if bearer is not None:
            if self.oidc is None:
                raise Unauthorized("bearer tokens are not accepted here (no OIDC issuer set)")
            claims = await self.oidc.verify(bearer)
            scopes = frozenset().union(*(scopes_for(role) for role in claims.roles))
            caller = CallerContext(
                organisation_id=claims.organisation_id,
                subject=f"oidc:{claims.subject}",
                scopes=scopes,
                role=next((r for r in claims.roles if scopes_for(r)), None),
            )
            return Identity(caller, f"sub:{claims.organisation_id}:{claims.subject}")
        if self.settings.dev_organisation:
            caller = CallerContext(
                organisation_id=self.settings.dev_organisation,
                subject="local-developer",
                scopes=frozenset(SCOPES),
                role="admin",
            )
            return Identity(caller, f"dev:{self.settings.dev_organisation}")
        raise Unauthorized("credentials required: an API key or an OIDC bearer token")

    def limit(self, request: Request, bucket: str, per_minute: int | None = None) -> None:
        decision = self.limiter.take(bucket, per_minute=per_minute)
        add_response_headers(request, decision.headers())
        if not decision.allowed:
            raise RateLimited(
                f"rate limit reached; retry in {decision.retry_after_s} s",
                retry_after_s=decision.retry_after_s,
            )

    async def authenticate(self, request: Request) -> CallerContext:
        """The caller, rate limited; 401 (or 429 when guessing too fast) otherwise."""
        try:
            identity = await self.identify(request)
        except Unauthorized:
            self.limit(request, client_bucket(request))
            add_response_headers(request, {"WWW-Authenticate": 'Bearer realm="aigov"'})
            raise
        self.limit(request, identity.bucket, identity.per_minute)
        return identity.caller


def client_bucket(request: Request) -> str:
    return f"ip:{request.client.host if request.client else 'unknown'}"


def get_authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


async def authenticated(request: Request) -> CallerContext:
    return await get_authenticator(request).authenticate(request)


def requires(scope: str) -> Any:
    """``caller: Annotated[CallerContext, requires("admin")]``: a gateway route's scope."""
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope}")

    async def check(caller: Annotated[CallerContext, Depends(authenticated)]) -> CallerContext:
        if not caller.can(scope):
            raise Forbidden(f"this action needs the {scope!r} scope", required_scope=scope)
        return caller

    return Depends(check)
