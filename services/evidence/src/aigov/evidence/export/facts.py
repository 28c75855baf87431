"""What the platform knows about a system, read back from the ledger (the event stream), since
the evidence service never reads another service's database."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.evidence.ledger.models import LedgerEntry
from aigov.shared.contracts.classifier import SystemClassifiedV1
from aigov.shared.contracts.inventory import SystemRegisteredV1, SystemRetiredV1, SystemUpdatedV1

FACT_EVENTS = (SystemRegisteredV1.event_type, SystemUpdatedV1.event_type)


@dataclass
class SystemKnowledge:
    system_id: uuid.UUID
    facts: dict[str, Any] | None = None
    revision: int | None = None
    classification: dict[str, Any] | None = None
    retired: bool = False
    changes: list[dict[str, Any]] = field(default_factory=list)
    monitoring_events: list[dict[str, Any]] = field(default_factory=list)


async def system_knowledge(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> SystemKnowledge:
    known = SystemKnowledge(system_id=system_id)
    rows = (
        await session.scalars(
            select(LedgerEntry)
            .where(
                LedgerEntry.organisation_id == organisation_id,
                LedgerEntry.subject == str(system_id),
            )
            .order_by(LedgerEntry.seq)
        )
    ).all()
    for row in rows:
        data = row.envelope.get("data", {})
        if row.event_type in FACT_EVENTS:
            known.facts, known.revision = data.get("facts"), data.get("revision")
            known.changes.append(
                {
                    "seq": row.seq,
                    "time": row.event_time.isoformat(),
                    "type": row.event_type,
                    "changed": data.get("changed", ["registered"]),
                }
            )
        elif row.event_type == SystemClassifiedV1.event_type:
            known.classification = data
        elif row.event_type == SystemRetiredV1.event_type:
            known.retired = True
        elif row.topic == "aigov.monitoring.events":
            known.monitoring_events.append(
                {"seq": row.seq, "type": row.event_type, "time": row.event_time.isoformat()}
            )
    return known
