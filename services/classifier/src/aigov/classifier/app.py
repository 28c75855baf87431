"""The classifier service: EU AI Act classification of the registered AI systems."""

from __future__ import annotations

from fastapi import FastAPI

from aigov.classifier.config import ClassifierSettings
from aigov.classifier.consumers import inventory_subscription
from aigov.classifier.system.router import router as system_router
from aigov.shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    title="aigov classifier",
    description="EU AI Act risk classification with legal basis, obligations and ISO mapping.",
    migrations="aigov.classifier:migrations",
    routers=[system_router],
    subscriptions=[inventory_subscription],
)


def create_app(settings: ClassifierSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or ClassifierSettings())
