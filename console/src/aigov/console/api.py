"""The console's only way to data: the public /v1 API, called with the signed-in user's key.

Anything the console can do, an integration can do with the same key, and the API enforces the
same scopes (an auditor's edit is refused by the API even if a page offered it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx


class ApiError(Exception):
    """A problem+json answer from the API, kept whole so pages can show its detail."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(problem.get("detail") or problem.get("title") or f"HTTP {status}")
        self.status = status
        self.problem = problem


class Api:
    def __init__(self, client: httpx.AsyncClient, api_key: str | None) -> None:
        self._client = client
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {**self._headers, **kwargs.pop("headers", {})}
        response = await self._client.request(method, path, headers=headers, **kwargs)
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "status": response.status_code}
            raise ApiError(response.status_code, problem)
        if response.status_code == 204 or not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.content

    async def stream(self, path: str, **kwargs: Any) -> tuple[httpx.Response, AsyncIterator[bytes]]:
        """GET whose body is passed on chunk by chunk (audit packages, evidence files): the
        console never holds a whole file in memory."""
        request = self._client.build_request("GET", path, headers=self._headers, **kwargs)
        response = await self._client.send(request, stream=True)
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            try:
                problem = response.json()
            except ValueError:
                problem = {"title": response.reason_phrase, "status": response.status_code}
            raise ApiError(response.status_code, problem)

        async def body() -> AsyncIterator[bytes]:
            try:
                async for chunk in response.aiter_raw():
                    yield chunk
            finally:
                await response.aclose()

        return response, body()

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.request("POST", path, **kwargs)

    async def optional(self, path: str, *, wait_s: float | None = None, **kwargs: Any) -> Any:
        """GET that answers None when the part is missing, its service is down or (with
        ``wait_s``) it takes too long, so a page shows what it has instead of failing whole."""
        try:
            return await asyncio.wait_for(self.get(path, **kwargs), wait_s)
        except (ApiError, httpx.HTTPError, TimeoutError):
            return None
