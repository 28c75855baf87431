"""Requests come first: background work pauses between batches while its component serves HTTP
requests (probes and scrapes do not count), and not otherwise."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI

from aigov.shared import activity
from aigov.shared.metrics import BACKGROUND_YIELDED
from aigov.shared.web import create_base_app


@asynccontextmanager
async def nothing(_: FastAPI) -> AsyncIterator[None]:
    yield


@pytest.fixture(autouse=True)
def idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(activity, "_last_request", float("-inf"))


async def test_requests_count_probes_and_scrapes_do_not() -> None:
    app = create_base_app(title="t", version="1", description="d", lifespan=nothing)

    @app.get("/v1/things")
    async def things() -> list[str]:
        return []

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for probe in ("/healthz", "/metrics"):
            await client.get(probe)
        assert not activity.serving_requests()
        await client.get("/v1/things")
        assert activity.serving_requests()


async def test_background_work_pauses_as_long_as_its_batch_took_only_while_serving() -> None:
    yielded = BACKGROUND_YIELDED.labels("unit-yield")

    started = time.monotonic()
    await activity.pause_for_requests(0.2, "unit-yield")
    assert time.monotonic() - started < 0.05  # nobody asking: no pause
    assert yielded._value.get() == 0

    activity.request_seen("/v1/systems")
    started = time.monotonic()
    await activity.pause_for_requests(0.2, "unit-yield")
    assert time.monotonic() - started >= 0.19
    assert yielded._value.get() == pytest.approx(0.2)
