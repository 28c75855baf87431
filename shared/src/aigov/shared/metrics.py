"""Prometheus metrics: HTTP RED figures with templated paths, and the bus figures.

Labels stay bounded: the route template (never the raw path), the method, the status class, the
topic and the partition number.
"""

from __future__ import annotations

import time

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "aigov_http_requests_total",
    "HTTP requests handled, by route template, method and status class.",
    ["route", "method", "status"],
)
HTTP_DURATION = Histogram(
    "aigov_http_request_duration_seconds",
    "HTTP request duration by route template and method.",
    ["route", "method"],
)
OUTBOX_BACKLOG = Gauge("aigov_outbox_backlog", "Outbox events not yet published.")
EVENTS_PUBLISHED = Counter("aigov_events_published_total", "Events published to Kafka.", ["topic"])
EVENTS_HANDLED = Counter(
    "aigov_events_handled_total",
    "Inbound events by outcome (handled, duplicate).",
    ["topic", "outcome"],
)
EVENTS_RETRIED = Counter("aigov_events_retried_total", "Handler retries.", ["topic"])
EVENTS_DEAD_LETTERED = Counter(
    "aigov_events_dead_lettered_total", "Events sent to the dead-letter topic.", ["topic"]
)
BACKGROUND_YIELDED = Counter(
    "aigov_background_yielded_seconds_total",
    "Time background work (consumers, outbox relay) paused to leave the CPU to HTTP requests.",
    ["task"],
)
CONSUMER_LAG = Gauge(
    "aigov_consumer_lag", "Records behind the partition's high watermark.", ["topic", "partition"]
)


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is not None:
        return str(route.path)
    # Unmatched routes (404s) and mounted apps: fall back to one bounded label.
    app = scope.get("app")
    router = getattr(app, "router", None)
    for candidate in getattr(router, "routes", []):
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return str(getattr(candidate, "path", "unmatched"))
    return "unmatched"


class MetricsMiddleware:
    """Pure ASGI, so streaming responses are not buffered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = _route_template(scope)
            method = scope["method"]
            HTTP_REQUESTS.labels(route, method, f"{status // 100}xx").inc()
            HTTP_DURATION.labels(route, method).observe(time.perf_counter() - start)


async def metrics_endpoint(_: Request) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
