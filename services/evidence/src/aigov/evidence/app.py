"""The evidence service: the tamper-evident audit trail and the evidence store."""

from __future__ import annotations

from fastapi import FastAPI

from aigov.evidence.config import EvidenceSettings
from aigov.evidence.consumers import ledger_subscription
from aigov.evidence.ledger.router import router as ledger_router
from aigov.shared.service import ServiceSpec, create_service_app

SPEC = ServiceSpec(
    title="aigov evidence",
    description="Tamper-evident evidence and audit trail, documentation and audit exports.",
    migrations="aigov.evidence:migrations",
    routers=[ledger_router],
    subscriptions=[ledger_subscription],
)


def create_app(settings: EvidenceSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings or EvidenceSettings())
