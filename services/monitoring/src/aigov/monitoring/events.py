"""Staging the service's events in the outbox (same transaction as the change)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from aigov.shared.events import EventPayload, make_event
from aigov.shared.outbox import stage_event
from aigov.shared.topics import MONITORING_EVENTS

SOURCE = "urn:aigov:monitoring"


def emit(
    session: AsyncSession, payload: EventPayload, *, organisation_id: str, system_id: uuid.UUID
) -> None:
    event = make_event(
        payload, source=SOURCE, subject=str(system_id), organisation_id=organisation_id
    )
    stage_event(session, MONITORING_EVENTS, event, key=str(system_id))
