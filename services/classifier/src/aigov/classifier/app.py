"""The classifier service: EU AI Act classification of the registered AI systems."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aigov.classifier.assessment.router import router as assessment_router
from aigov.classifier.classification.router import router as classification_router
from aigov.classifier.classification.service import reclassify_if_rulebook_changed
from aigov.classifier.config import ClassifierSettings
from aigov.classifier.consumers import inventory_subscription
from aigov.classifier.questionnaire.router import router as questionnaire_router
from aigov.classifier.rulebook.loader import Rulebook, load_rulebook
from aigov.classifier.rulebook.router import router as rulebook_router
from aigov.classifier.system.router import router as system_router
from aigov.shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    title="aigov classifier",
    description="EU AI Act risk classification with legal basis, obligations and ISO mapping.",
    migrations="aigov.classifier:migrations",
    routers=[
        system_router,
        classification_router,
        questionnaire_router,
        rulebook_router,
        assessment_router,
    ],
    subscriptions=[inventory_subscription],
)


def create_app(
    settings: ClassifierSettings | None = None, *, rulebook: Rulebook | None = None
) -> FastAPI:
    app = create_service_app(SPEC, settings or ClassifierSettings())
    app.state.rulebook = rulebook or load_rulebook()
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with inner(app_):
            # A changed rulebook reclassifies the systems it may affect before serving.
            await reclassify_if_rulebook_changed(
                app_.state.runtime.session_factory, app_.state.rulebook
            )
            yield

    app.router.lifespan_context = lifespan
    return app
