"""Organisation views read thousands of systems in bulk calls; they pace them (one at a time,
then idle as long as the call took) so the pages served meanwhile keep their speed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from types import SimpleNamespace

import httpx

from aigov.gateway.views import upstream
from aigov.gateway.views.upstream import Upstream
from aigov.shared.tenancy import CallerContext
from tests.unit.gateway.support import gateway_settings

CALL_S = 0.05


async def test_bulk_calls_run_one_at_a_time_with_as_long_again_between(tmp_path: Path) -> None:
    calls: list[tuple[float, float]] = []
    in_flight = 0
    most = 0

    async def classifier(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        started = time.monotonic()
        await asyncio.sleep(CALL_S)
        calls.append((started, time.monotonic()))
        in_flight -= 1
        ids = request.url.params.get_list("system_id")
        items = [{"system_id": i, "version": 1, "risk_tier": "minimal_risk"} for i in ids]
        return httpx.Response(200, json={"items": items})

    client = httpx.AsyncClient(
        transport=httpx.MockTransport(classifier), base_url="http://classifier"
    )
    state = SimpleNamespace(
        settings=gateway_settings(tmp_path), clients={"classifier": client}, breakers={}
    )
    request = SimpleNamespace(app=SimpleNamespace(state=state))
    up = Upstream(request, CallerContext("org", "tester"))  # type: ignore[arg-type]
    systems = [{"id": f"s{i}"} for i in range(4 * upstream.BULK)]
    try:
        found = await up.classifications(systems)
        finished = time.monotonic()
    finally:
        await client.aclose()

    assert found is not None
    assert len(found) == len(systems)
    assert all(found[s["id"]] for s in systems)
    assert len(calls) == 4
    assert most == upstream.FAN_OUT == 1
    for (_, previous_end), (next_start, _) in zip(calls, calls[1:], strict=False):
        # idle at least PACE x the call's time before the next call starts
        assert next_start - previous_end >= upstream.PACE * CALL_S * 0.9
    # the idle time comes before the next call: none after the last one
    assert finished - calls[-1][1] < CALL_S / 2
