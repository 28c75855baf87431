"""The gateway: one compliance API in front of the services."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from aigov.console.app import create_console
from aigov.gateway.config import GatewaySettings
from aigov.gateway.health import service_readiness_check
from aigov.gateway.me import router as me_router
from aigov.gateway.proxy import router as proxy_router
from aigov.shared.logs import configure_logging
from aigov.shared.web import add_readiness_check, create_base_app


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level)
        timeout = httpx.Timeout(settings.read_timeout_s, connect=settings.connect_timeout_s)
        clients = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout)
            for name, url in settings.service_urls().items()
        }
        app.state.settings = settings
        app.state.clients = clients
        for name, client in clients.items():
            add_readiness_check(app, name, service_readiness_check(client, name))
        try:
            yield
        finally:
            for client in clients.values():
                await client.aclose()
            await app.state.console_client.aclose()

    app = create_base_app(
        title="aigov",
        version="0.1.0",
        description="One compliance API for the EU AI Act and ISO/IEC 42001.",
        lifespan=lifespan,
    )
    app.include_router(me_router)
    app.include_router(proxy_router)
    # The console calls the public API in-process, through this very app: same auth, same scopes.
    console_client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.internal"
    )
    app.state.console_client = console_client
    app.mount(
        "/",
        create_console(
            secret=settings.internal_secret,
            client=console_client,
            secure_cookies=settings.secure_cookies,
        ),
    )
    return app
