"""The monitoring service: drift, incidents and post-market monitoring of AI systems."""

from __future__ import annotations

from fastapi import FastAPI

from aigov.monitoring.config import MonitoringSettings
from aigov.monitoring.consumers import inventory_subscription
from aigov.monitoring.system.router import router as system_router
from aigov.shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    title="aigov monitoring",
    description="Drift detection, incidents, serious-incident deadlines, post-market monitoring.",
    migrations="aigov.monitoring:migrations",
    routers=[system_router],
    subscriptions=[inventory_subscription],
)


def create_app(settings: MonitoringSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or MonitoringSettings())
