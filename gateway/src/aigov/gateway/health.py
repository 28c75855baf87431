"""Readiness of the whole platform: the gateway is ready when every service is."""

from __future__ import annotations

import httpx

from aigov.shared.web import ReadinessCheck


def service_readiness_check(client: httpx.AsyncClient, service: str) -> ReadinessCheck:
    async def check() -> None:
        response = await client.get("/readyz")
        if response.status_code != 200:
            raise RuntimeError(f"{service} is not ready")

    return check
