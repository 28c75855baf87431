"""Organisation-wide views read every service and every system; with thousands of systems that
takes seconds. A recent answer is served at once and refreshed in the background
(stale-while-revalidate), one computation per key at a time. An answer stays fresh for the
TTL or for ``COST_FACTOR`` times what it took to compute, whichever is longer, so refreshing a
view that takes seconds never occupies the platform more than a tenth of the time. A write by the
organisation makes its answers stale at once. Keys are ``(organisation_id, ...)`` tuples, so no
tenant ever sees another's answer; partial answers are never kept; the least recently stored
answers go first beyond ``max_entries`` (exposure keys carry the caller's turnover figure)."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request

View = dict[str, Any]
Key = tuple[Any, ...]  # (organisation_id, view name, parameters...)


COST_FACTOR = 10


@dataclass
class _Entry:
    value: View
    started: float  # when its computation began: a write after that makes it stale
    cost_s: float


class ViewCache:
    def __init__(
        self, ttl_s: float = 30.0, cost_factor: float = COST_FACTOR, max_entries: int = 10_000
    ) -> None:
        self.ttl_s = ttl_s
        self.cost_factor = cost_factor
        self.max_entries = max_entries
        self._entries: OrderedDict[Key, _Entry] = OrderedDict()
        self._running: dict[Key, asyncio.Task[View]] = {}
        self._written: dict[str, float] = {}  # organisation -> time of its latest write

    async def get(
        self, key: Key, compute: Callable[[], Awaitable[View]], *, fresh: bool = False
    ) -> View:
        """``fresh`` (a request's ``Cache-Control: no-cache``) waits for a new computation."""
        entry = self._entries.get(key)
        if entry is not None and not fresh:
            if self._stale(key, entry):
                self._start(key, compute)  # answer now, refresh behind
            return entry.value
        return await asyncio.shield(self._start(key, compute))

    def mark_stale(self, organisation_id: str) -> None:
        """The organisation changed something: its next view read answers at once as before and
        starts a refresh, whatever the TTL."""
        self._written[organisation_id] = time.monotonic()

    def _stale(self, key: Key, entry: _Entry) -> bool:
        if entry.started <= self._written.get(key[0], float("-inf")):
            return True
        age = time.monotonic() - entry.started
        return age >= max(self.ttl_s, self.cost_factor * entry.cost_s)

    def _start(self, key: Key, compute: Callable[[], Awaitable[View]]) -> asyncio.Task[View]:
        task = self._running.get(key)
        if task is None:
            task = asyncio.create_task(self._compute(key, compute))
            self._running[key] = task
        return task

    async def _compute(self, key: Key, compute: Callable[[], Awaitable[View]]) -> View:
        try:
            started = time.monotonic()
            value = await compute()
            if not value.get("missing_parts"):
                self._entries.pop(key, None)
                self._entries[key] = _Entry(value, started, time.monotonic() - started)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
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
