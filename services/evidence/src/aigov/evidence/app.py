"""The evidence service: the tamper-evident audit trail and the evidence store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from aigov.evidence.blobstore import FilesystemBlobStore
from aigov.evidence.config import EvidenceSettings
from aigov.evidence.consumers import ledger_subscription
from aigov.evidence.control.router import router as control_router
from aigov.evidence.deps import EvidenceRuntime
from aigov.evidence.export.router import router as export_router
from aigov.evidence.item.router import router as item_router
from aigov.evidence.ledger.router import router as ledger_router
from aigov.evidence.ledger.signing import Signer
from aigov.evidence.tasks import checkpoint_once, every, scrub_once
from aigov.shared.service import Runtime, ServiceSpec, create_service_app

SPEC = ServiceSpec(
    title="aigov evidence",
    description="Tamper-evident evidence and audit trail, documentation and audit exports.",
    migrations="aigov.evidence:migrations",
    routers=[ledger_router, item_router, control_router, export_router],
    subscriptions=[ledger_subscription],
)


def create_app(settings: EvidenceSettings | None = None) -> FastAPI:
    settings = settings or EvidenceSettings()
    app = create_service_app(SPEC, settings)
    shared_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The shared lifespan builds the database, bus and consumers; this adds the blob store,
        # the signing key and the scheduled work on top, and stops them first.
        async with shared_lifespan(app):
            runtime: Runtime = app.state.runtime
            evidence = EvidenceRuntime(
                settings=settings,
                store=FilesystemBlobStore(settings.blob_dir),
                signer=Signer.from_settings(
                    key_b64=settings.signing_key,
                    key_file=settings.signing_key_file,
                    generate=settings.generate_signing_key,
                ),
            )
            app.state.evidence = evidence
            factory = runtime.session_factory
            tasks = []
            if settings.checkpoint_interval_s > 0:
                tasks.append(
                    asyncio.create_task(
                        every(
                            settings.checkpoint_interval_s,
                            lambda: checkpoint_once(factory, evidence),
                            "checkpoint",
                        ),
                        name="ledger-checkpoints",
                    )
                )
            if settings.scrub_interval_s > 0:
                tasks.append(
                    asyncio.create_task(
                        every(
                            settings.scrub_interval_s,
                            lambda: scrub_once(factory, evidence),
                            "scrub",
                            run_first=False,
                        ),
                        name="blob-scrub",
                    )
                )
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)

    app.router.lifespan_context = lifespan
    return app
