"""The gateway: one secure compliance API in front of the services."""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route
from starlette.types import Scope

from aigov.console.app import create_console
from aigov.gateway.apikey.router import router as api_key_router
from aigov.gateway.auth import Authenticator
from aigov.gateway.breaker import CircuitBreaker
from aigov.gateway.config import GatewaySettings
from aigov.gateway.docs import router as docs_router
from aigov.gateway.health import service_readiness_check
from aigov.gateway.me import router as me_router
from aigov.gateway.middleware import BodyLimitMiddleware, SecurityHeadersMiddleware
from aigov.gateway.oidc import OidcConfig, OidcVerifier
from aigov.gateway.openapi import OpenApiAggregator
from aigov.gateway.proxy import router as proxy_router
from aigov.gateway.ratelimit import TokenBucketLimiter
from aigov.gateway.routes import service_for
from aigov.gateway.views.router import router as views_router
from aigov.shared.db import create_engine, create_session_factory, ping
from aigov.shared.logs import configure_logging
from aigov.shared.migrations import upgrade_async
from aigov.shared.web import add_readiness_check, create_base_app

MIGRATIONS = "aigov.gateway:migrations"
UPLOAD_METHODS = frozenset({"POST", "PUT", "PATCH"})
CORS_HEADERS = [
    "Authorization",
    "Content-Type",
    "X-API-Key",
    "X-Request-ID",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
]
EXPOSED_HEADERS = [
    "X-Request-ID",
    "RateLimit",
    "RateLimit-Policy",
    "Retry-After",
    "ETag",
    "Location",
    "Content-Disposition",
]


def body_limit(settings: GatewaySettings) -> Callable[[Scope], int]:
    def limit_for(scope: Scope) -> int:
        path: str = scope.get("path", "")
        if scope.get("method") not in UPLOAD_METHODS:
            return settings.max_body_bytes
        api_upload = path.startswith("/v1/") and service_for(path[len("/v1/") :]) == "evidence"
        # The console's evidence forms stream on to the same evidence API.
        console_upload = path == "/evidence" or (
            path.startswith("/evidence/") and path.endswith("/versions")
        )
        return (
            settings.max_upload_bytes if api_upload or console_upload else settings.max_body_bytes
        )

    return limit_for


def no_cookie_jar() -> http.cookiejar.CookieJar:
    """The upstream clients are shared by every caller: a cookie one answer sets must never
    ride along on someone else's request, so they keep none (the caller's own pass through)."""
    return http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))


def oidc_config(settings: GatewaySettings) -> OidcConfig | None:
    if not settings.oidc_issuer:
        return None
    return OidcConfig(
        issuer=settings.oidc_issuer,
        audience=settings.oidc_audience,
        algorithms=tuple(settings.oidc_algorithms),
        jwks_url=settings.oidc_jwks_url,
        role_claim=settings.oidc_role_claim,
        organisation_claim=settings.oidc_organisation_claim,
        leeway_s=settings.oidc_leeway_s,
        jwks_ttl_s=settings.oidc_jwks_ttl_s,
        min_refresh_s=settings.oidc_jwks_min_refresh_s,
    )


def create_app(
    settings: GatewaySettings | None = None,
    *,
    oidc_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """``oidc_transport`` replaces the network for the identity provider's keys (tests)."""
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        # httpx logs every upstream request at INFO: one line per proxied call is noise.
        logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
        if settings.migrate_on_start:
            await upgrade_async(MIGRATIONS, settings.database_url)
        engine = create_engine(settings.database_url)
        session_factory = create_session_factory(engine)
        timeout = httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s)
        clients = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout, cookies=no_cookie_jar())
            for name, url in settings.service_urls().items()
        }
        oidc_client = httpx.AsyncClient(timeout=5.0, transport=oidc_transport)
        config = oidc_config(settings)
        limiter = TokenBucketLimiter(
            per_minute=settings.rate_limit_per_minute, burst=settings.burst()
        )
        app.state.settings = settings
        app.state.session_factory = session_factory
        app.state.clients = clients
        app.state.breakers = {
            name: CircuitBreaker(
                name,
                failure_threshold=settings.breaker_failure_threshold,
                open_s=settings.breaker_open_s,
            )
            for name in clients
        }
        app.state.authenticator = Authenticator(
            settings,
            session_factory,
            limiter,
            OidcVerifier(config, oidc_client) if config else None,
        )
        app.state.openapi = OpenApiAggregator(
            app, clients, retry_s=settings.openapi_retry_s, oidc_issuer=settings.oidc_issuer
        )
        add_readiness_check(app, "database", lambda: ping(engine))
        for name, client in clients.items():
            add_readiness_check(app, name, service_readiness_check(client, name), downstream=True)
        await app.state.openapi.refresh()
        fill_in = asyncio.create_task(app.state.openapi.fill_in())
        try:
            yield
        finally:
            fill_in.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await fill_in
            for client in clients.values():
                await client.aclose()
            await oidc_client.aclose()
            await engine.dispose()
            await app.state.console_client.aclose()

    app = create_base_app(
        title="aigov",
        version="0.1.0",
        description="One compliance API for the EU AI Act and ISO/IEC 42001.",
        lifespan=lifespan,
    )
    # The merged document replaces FastAPI's own (which would only know the gateway's routes).
    app.router.routes = [
        route
        for route in app.router.routes
        if not (isinstance(route, Route) and route.path in ("/openapi.json", "/docs"))
    ]
    app.include_router(docs_router)
    app.include_router(api_key_router)
    app.include_router(me_router)
    app.include_router(views_router)  # aggregated views, before the catch-all
    app.include_router(proxy_router)  # it catches every other /v1/ path
    # The console calls the public API in-process, through this very app: same auth, same scopes.
    console_client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.internal"
    )
    app.state.console_client = console_client
    app.mount(  # last: everything outside /v1 and the operational paths is the console
        "/",
        create_console(
            secret=settings.internal_secret,
            client=console_client,
            secure_cookies=settings.secure_cookies,
        ),
    )
    app.add_middleware(BodyLimitMiddleware, limit_for=body_limit(settings))
    app.add_middleware(SecurityHeadersMiddleware, hsts_max_age_s=settings.hsts_max_age_s)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=CORS_HEADERS,
            expose_headers=EXPOSED_HEADERS,
            max_age=600,
        )
    return app
