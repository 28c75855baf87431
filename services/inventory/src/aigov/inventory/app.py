"""The inventory service: the register of AI systems."""

from __future__ import annotations

from fastapi import FastAPI

from aigov.inventory.config import InventorySettings
from aigov.inventory.consumers import SUBSCRIPTION
from aigov.inventory.registry.router import router as ingest_router
from aigov.inventory.registry.router import triage as triage_router
from aigov.inventory.system.router import router as system_router
from aigov.shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    title="aigov inventory",
    description="The register of AI systems, their models, roles and suppliers.",
    migrations="aigov.inventory:migrations",
    routers=[system_router, ingest_router, triage_router],
    subscriptions=[SUBSCRIPTION],
)


def create_app(settings: InventorySettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or InventorySettings())
