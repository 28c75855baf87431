"""The monitoring service: drift, incidents and post-market monitoring of AI systems."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aigov.monitoring.config import MonitoringSettings
from aigov.monitoring.consumers import subscriptions
from aigov.monitoring.drift.router import router as drift_router
from aigov.monitoring.incident.router import router as incident_router
from aigov.monitoring.observation.router import router as observation_router
from aigov.monitoring.plan.router import router as plan_router
from aigov.monitoring.system.router import router as system_router
from aigov.monitoring.tasks import run_clock
from aigov.shared.service import Runtime, ServiceSpec, create_service_app


def create_app(settings: MonitoringSettings | None = None) -> FastAPI:
    settings = settings or MonitoringSettings()
    spec = ServiceSpec(
        title="aigov monitoring",
        description="Drift detection, incidents, serious-incident deadlines, post-market "
        "monitoring.",
        migrations="aigov.monitoring:migrations",
        routers=[system_router, observation_router, drift_router, incident_router, plan_router],
        subscriptions=subscriptions(settings),
    )
    app = create_service_app(spec, settings)
    base_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The shared lifespan builds the runtime; the reporting clock runs beside it.
        async with base_lifespan(app):
            runtime: Runtime = app.state.runtime
            clock = asyncio.create_task(
                run_clock(runtime.session_factory, settings.deadline_check_interval_s),
                name="reporting-clock",
            )
            try:
                yield
            finally:
                clock.cancel()
                await asyncio.gather(clock, return_exceptions=True)

    app.router.lifespan_context = lifespan
    return app
