"""Calls from the views to the services: the gateway's own clients, the caller's signed context,
a deadline per call, the circuit breakers honoured. A service that is down, slow, open-circuited
or answering 5xx is *missing*; the view goes on without it."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import httpx
from fastapi import Request

from aigov.gateway.breaker import CircuitBreaker, CircuitOpen
from aigov.gateway.config import GatewaySettings
from aigov.shared.logs import request_id_var
from aigov.shared.tenancy import CONTEXT_HEADER, CallerContext, sign_context

logger = logging.getLogger(__name__)

# A view answers within about this long whatever the services do.
CALL_TIMEOUT_S = 5.0
# Bulk calls of one view run at most this many at a time, and after each the view waits PACE
# times as long as the call took before its next: a refresh over thousands of systems then
# takes longer but leaves the services room for the pages served meanwhile (measured in
# bench/console_pages.py; the README has the figures).
FAN_OUT = 1
PACE = 1.0
# Systems per bulk classification call (the classifier's limit).
BULK = 100
# Systems a page (the views read the inventory's brief listing: id, name, status, risk tier) and
# the pages an organisation view reads (100,000 systems); beyond, the view says the inventory
# part is missing rather than answer for a part of the register.
PAGE = 1000
MAX_PAGES = 100
# The classification result fields the organisation views read (the rest stays in the classifier).
VIEW_FIELDS = ("risk_tier", "needs_review", "obligations", "prohibitions")


class Missing(Exception):
    """The service did not answer usefully."""

    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


class NotThere(Exception):
    """The service answered 404."""


class Upstream:
    def __init__(self, request: Request, caller: CallerContext) -> None:
        settings: GatewaySettings = request.app.state.settings
        self.clients: dict[str, httpx.AsyncClient] = request.app.state.clients
        self.breakers: dict[str, CircuitBreaker] = request.app.state.breakers
        self.token = sign_context(caller, settings.internal_secret)
        self.timeout = min(CALL_TIMEOUT_S, settings.read_timeout_s)
        self.missing: set[str] = set()
        self.fan_out = asyncio.Semaphore(FAN_OUT)
        self._owed_s = 0.0  # idle time the previous bulk call earned (see :meth:`paced`)

    def _headers(self) -> dict[str, str]:
        headers = {CONTEXT_HEADER: self.token, "accept": "application/json"}
        if (request_id := request_id_var.get()) is not None:
            headers["x-request-id"] = request_id
        return headers

    async def get(self, service: str, path: str, **params: Any) -> Any:
        """The JSON of a 2xx answer; :class:`NotThere` on 404; :class:`Missing` otherwise."""
        if service in self.missing:
            raise Missing(service)
        breaker = self.breakers.get(service)
        try:
            if breaker is not None:
                breaker.before_call()
            query = {k: v for k, v in params.items() if v is not None}
            response = await asyncio.wait_for(
                self.clients[service].get(path, params=query, headers=self._headers()),
                timeout=self.timeout,
            )
        except (CircuitOpen, httpx.HTTPError, TimeoutError, KeyError) as exc:
            if breaker is not None and isinstance(exc, httpx.TransportError | TimeoutError):
                breaker.record_failure()
            logger.warning("view: %s %s failed: %r", service, path, exc)
            self.missing.add(service)
            raise Missing(service) from exc
        if breaker is not None:
            breaker.record_success()
        if response.status_code == 404:
            raise NotThere(path)
        if response.status_code >= 300:
            logger.warning("view: %s %s answered %s", service, path, response.status_code)
            self.missing.add(service)
            raise Missing(service)
        try:
            return response.json()
        except ValueError as exc:
            self.missing.add(service)
            raise Missing(service) from exc

    async def part(self, service: str, path: str, *, default: Any = None, **params: Any) -> Any:
        """Like :meth:`get`, but a missing service or a 404 gives ``default``."""
        try:
            return await self.get(service, path, **params)
        except (Missing, NotThere):
            return default

    async def paced(self, service: str, path: str, **params: Any) -> Any:
        """A bulk call (:meth:`part`), at most :data:`FAN_OUT` at a time, paced by :data:`PACE`:
        the idle time a call earns is spent before the next one, so the last call of a view and
        a failed call (its service is then skipped) add none."""
        async with self.fan_out:
            await asyncio.sleep(self._owed_s)
            self._owed_s = 0.0
            started = time.monotonic()
            answer = await self.part(service, path, **params)
            if service not in self.missing:
                self._owed_s = PACE * (time.monotonic() - started)
            return answer

    async def systems(self) -> list[dict[str, Any]] | None:
        """Every system of the organisation from the inventory (all pages); ``None`` if down."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        for _ in range(MAX_PAGES):
            page = await self.paced(
                "inventory", "/v1/systems", view="brief", limit=PAGE, page_token=token
            )
            if page is None:
                return None
            items += page.get("items") or []
            token = page.get("next_page_token")
            if not token:
                return items
        logger.warning("view: more than %d systems; the view leaves the register out", len(items))
        self.missing.add("inventory")
        return None

    async def classifications(
        self, systems: list[dict[str, Any]]
    ) -> dict[str, dict[str, Any] | None] | None:
        """The latest classification of each system (``None`` when never classified), fetched
        in bulk, :data:`BULK` systems a call: an organisation has thousands of systems."""
        ids = [str(s.get("id")) for s in systems]
        chunks = [ids[i : i + BULK] for i in range(0, len(ids), BULK)]
        pages = await asyncio.gather(
            *(
                self.paced("classifier", "/v1/classifications", system_id=c, field=VIEW_FIELDS)
                for c in chunks
            )
        )
        if "classifier" in self.missing:
            return None
        found: dict[str, dict[str, Any] | None] = dict.fromkeys(ids)
        for page in pages:
            for item in (page or {}).get("items") or []:
                found[str(item.get("system_id"))] = item
        return found
