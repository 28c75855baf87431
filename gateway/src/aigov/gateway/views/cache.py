"""Organisation-wide views read every service and every system; with thousands of systems that
takes seconds. A recent answer is served at once and refreshed in the background
(stale-while-revalidate), one computation per key at a time. An answer stays fresh for the
TTL or for ``COST_FACTOR`` times what it took to compute, whichever is longer, so refreshing a
view that takes seconds never occupies the platform more than a tenth of the time. Keys always
carry the organisation, so no tenant ever sees another's answer; partial answers are never kept."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

View = dict[str, Any]


COST_FACTOR = 10


@dataclass
class _Entry:
    value: View
    at: float
    cost_s: float


class ViewCache:
    def __init__(self, ttl_s: float = 30.0, cost_factor: float = COST_FACTOR) -> None:
        self.ttl_s = ttl_s
        self.cost_factor = cost_factor
        self._entries: dict[Hashable, _Entry] = {}
        self._running: dict[Hashable, asyncio.Task[View]] = {}

    async def get(
        self, key: Hashable, compute: Callable[[], Awaitable[View]], *, fresh: bool = False
    ) -> View:
        """``fresh`` (a request's ``Cache-Control: no-cache``) waits for a new computation."""
        entry = self._entries.get(key)
        if entry is not None and not fresh:
            if time.monotonic() - entry.at >= max(self.ttl_s, self.cost_factor * entry.cost_s):
                self._start(key, compute)  # stale: answer now, refresh behind
            return entry.value
        return await asyncio.shield(self._start(key, compute))

    def mark_stale(self, organisation_id: str) -> None:
        """The organisation changed something: its next view read answers at once as before and
        starts a refresh, whatever the TTL (keys are ``(organisation_id, ...)`` tuples)."""
        for key, entry in self._entries.items():
            if isinstance(key, tuple) and key and key[0] == organisation_id:
                entry.at = float("-inf")

    def _start(self, key: Hashable, compute: Callable[[], Awaitable[View]]) -> asyncio.Task[View]:
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._compute(key, compute))
            self._running[key] = task
        return task

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[View]]) -> View:
        try:
            started = time.monotonic()
            value = await compute()
            if not value.get("missing_parts"):
                now = time.monotonic()
                self._entries[key] = _Entry(value, now, now - started)
            return value
        finally:
            self._running.pop(key, None)


def wants_fresh(request: Request) -> bool:
    return "no-cache" in request.headers.get("cache-control", "").lower()


def view_cache(request: Request) -> ViewCache:
    cache: ViewCache | None = getattr(request.app.state, "view_cache", None)
    if cache is None:
        cache = request.app.state.view_cache = ViewCache()
    return cache
