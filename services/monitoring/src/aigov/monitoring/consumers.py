"""Handlers for the topics the monitoring service consumes."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from aigov.monitoring.config import MonitoringSettings
from aigov.monitoring.drift.service import maybe_run_automatic_drift
from aigov.monitoring.observation.service import get_system, ingest
from aigov.monitoring.system import service as systems
from aigov.shared.consumer import Handler, Subscription, dispatch_by_type, required_org
from aigov.shared.contracts.classifier import SystemClassifiedV1
from aigov.shared.contracts.inventory import SystemRegisteredV1, SystemRetiredV1, SystemUpdatedV1
from aigov.shared.contracts.monitoring import ObservationBatchV1
from aigov.shared.events import CloudEvent
from aigov.shared.topics import CLASSIFIER_EVENTS, INVENTORY_EVENTS, MONITORING_OBSERVATIONS

logger = logging.getLogger(__name__)


async def on_system_registered(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    payload = event.payload(SystemRegisteredV1)
    await systems.upsert_from_inventory(
        session,
        organisation_id=required_org(event),
        system_id=payload.system_id,
        facts=payload.facts,
    )


async def on_system_updated(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    payload = event.payload(SystemUpdatedV1)
    await systems.upsert_from_inventory(
        session,
        organisation_id=required_org(event),
        system_id=payload.system_id,
        facts=payload.facts,
    )


async def on_system_retired(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    await systems.retire(
        session, organisation_id=required_org(event), payload=event.payload(SystemRetiredV1)
    )


async def on_system_classified(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
    await systems.apply_classification(
        session, organisation_id=required_org(event), payload=event.payload(SystemClassifiedV1)
    )


def observations_handler(settings: MonitoringSettings) -> Handler:
    async def on_observations(session: AsyncSession, event: CloudEvent, *, topic: str) -> None:
        batch = event.payload(ObservationBatchV1)
        result = await ingest(
            session,
            organisation_id=required_org(event),
            system_id=batch.system_id,
            model_version=batch.model_version,
            window=batch.window,
            records=batch.records,
            chunk_rows=settings.chunk_rows,
            max_rows=settings.max_rows_per_request,
            transport="kafka",
        )
        if result.window == "current":
            system = await get_system(
                session, organisation_id=required_org(event), system_id=batch.system_id
            )
            await maybe_run_automatic_drift(
                session,
                system=system,
                model_version=batch.model_version,
                window_rows=settings.auto_drift_rows,
                min_samples=settings.min_samples,
                max_rows=settings.max_window_rows,
            )

    return dispatch_by_type({ObservationBatchV1.event_type: on_observations})


def subscriptions(settings: MonitoringSettings) -> list[Subscription]:
    return [
        Subscription(
            group_id="aigov-monitoring",
            topics=[INVENTORY_EVENTS, CLASSIFIER_EVENTS],
            handler=dispatch_by_type(
                {
                    SystemRegisteredV1.event_type: on_system_registered,
                    SystemUpdatedV1.event_type: on_system_updated,
                    SystemRetiredV1.event_type: on_system_retired,
                    SystemClassifiedV1.event_type: on_system_classified,
                }
            ),
        ),
        # Telemetry has its own group, so a burst of observations never delays control events.
        Subscription(
            group_id="aigov-monitoring-observations",
            topics=[MONITORING_OBSERVATIONS],
            handler=observations_handler(settings),
        ),
    ]
