"""Organisation views: served at once when recent, refreshed behind, partial answers not kept."""

from __future__ import annotations

import asyncio

from aigov.gateway.views.cache import ViewCache

KEY = ("org-a", "roadmap")


class Counter:
    def __init__(self, missing: list[str] | None = None, cost_s: float = 0.01) -> None:
        self.calls = 0
        self.missing = missing or []
        self.cost_s = cost_s

    async def __call__(self) -> dict[str, object]:
        self.calls += 1
        await asyncio.sleep(self.cost_s)
        return {"n": self.calls, "missing_parts": self.missing}


async def test_fresh_answers_come_from_the_cache_per_key() -> None:
    cache, compute = ViewCache(ttl_s=60), Counter()
    assert (await cache.get(("org-a", "gaps"), compute))["n"] == 1
    assert (await cache.get(("org-a", "gaps"), compute))["n"] == 1
    assert (await cache.get(("org-b", "gaps"), compute))["n"] == 2  # never another tenant's
    assert compute.calls == 2


async def test_concurrent_first_requests_compute_once() -> None:
    cache, compute = ViewCache(ttl_s=60), Counter()
    answers = await asyncio.gather(*(cache.get(KEY, compute) for _ in range(5)))
    assert [a["n"] for a in answers] == [1] * 5
    assert compute.calls == 1


async def test_stale_answer_is_served_and_refreshed_behind() -> None:
    cache, compute = ViewCache(ttl_s=0, cost_factor=0), Counter()
    assert (await cache.get(KEY, compute))["n"] == 1
    assert (await cache.get(KEY, compute))["n"] == 1  # stale, served at once
    await asyncio.sleep(0.05)
    assert compute.calls == 2  # refreshed in the background
    assert (await cache.get(KEY, compute))["n"] == 2


async def test_an_expensive_view_stays_fresh_longer_than_the_ttl() -> None:
    cache, compute = ViewCache(ttl_s=0), Counter(cost_s=0.05)
    await cache.get(KEY, compute)
    await asyncio.sleep(0.1)  # past the TTL, within COST_FACTOR times the computation
    await cache.get(KEY, compute)
    await asyncio.sleep(0.06)
    assert compute.calls == 1


async def test_partial_answers_are_not_kept() -> None:
    cache, compute = ViewCache(ttl_s=60), Counter(missing=["evidence"])
    await cache.get(KEY, compute)
    await cache.get(KEY, compute)
    assert compute.calls == 2


async def test_no_cache_waits_for_a_new_answer() -> None:
    cache, compute = ViewCache(ttl_s=60), Counter()
    await cache.get(KEY, compute)
    assert (await cache.get(KEY, compute, fresh=True))["n"] == 2
    assert (await cache.get(KEY, compute))["n"] == 2


async def test_a_write_marks_only_that_organisations_views_stale() -> None:
    cache, compute = ViewCache(ttl_s=60), Counter()
    await cache.get(("org-a", "roadmap"), compute)
    await cache.get(("org-b", "roadmap"), compute)
    cache.mark_stale("org-a")
    assert (await cache.get(("org-a", "roadmap"), compute))["n"] == 1  # served at once...
    await asyncio.sleep(0.05)
    assert (await cache.get(("org-a", "roadmap"), compute))["n"] == 3  # ...then refreshed
    assert (await cache.get(("org-b", "roadmap"), compute))["n"] == 2  # untouched


async def test_a_write_during_a_computation_leaves_its_answer_stale() -> None:
    cache, compute = ViewCache(ttl_s=60), Counter(cost_s=0.05)
    running = asyncio.create_task(cache.get(KEY, compute))
    await asyncio.sleep(0.01)
    cache.mark_stale("org-a")  # the answer being computed may miss this write
    assert (await running)["n"] == 1
    assert (await cache.get(KEY, compute))["n"] == 1  # served, and refreshed behind
    await asyncio.sleep(0.1)
    assert compute.calls == 2


async def test_the_least_recently_stored_answers_go_beyond_the_limit() -> None:
    cache, compute = ViewCache(ttl_s=60, max_entries=2), Counter()
    for turnover in (1, 2, 3):
        await cache.get(("org-a", "exposure", turnover), compute)
    assert (await cache.get(("org-a", "exposure", 3), compute))["n"] == 3  # kept
    assert (await cache.get(("org-a", "exposure", 1), compute))["n"] == 4  # evicted, recomputed
