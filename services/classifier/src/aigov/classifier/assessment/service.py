"""Art. 27 fundamental rights impact assessments: structured, versioned, notified, kept current.

Whether one is required comes from the latest classification (obligation ``art27_fria``); the
contents are the Art. 27(1)(a)-(f) items in ``fria.yaml``; a completed assessment is emitted so
the evidence service records it; a reclassification on changed facts flags it for update
(Art. 27(2)).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.classifier.assessment.models import FriaAssessment
from aigov.classifier.classification.models import Classification
from aigov.classifier.rulebook.loader import Rulebook
from aigov.classifier.system.service import get_known_system
from aigov.shared.contracts.classifier import FundamentalRightsImpactAssessedV1
from aigov.shared.db import utcnow
from aigov.shared.events import make_event
from aigov.shared.outbox import stage_event
from aigov.shared.problems import Conflict, NotFound, Unprocessable
from aigov.shared.topics import CLASSIFIER_EVENTS

FRIA_OBLIGATION = "art27_fria"


async def _latest_classification(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> Classification | None:
    return await session.scalar(
        select(Classification)
        .where(
            Classification.organisation_id == organisation_id,
            Classification.system_id == system_id,
        )
        .order_by(Classification.version.desc())
        .limit(1)
    )


async def requirement(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> dict[str, Any]:
    await get_known_system(session, organisation_id=organisation_id, system_id=system_id)
    latest = await _latest_classification(
        session, organisation_id=organisation_id, system_id=system_id
    )
    if latest is None:
        return {"required": None, "reason": "not classified yet", "classification_id": None}
    obligation = next(
        (o for o in latest.result.get("obligations", []) if o["id"] == FRIA_OBLIGATION), None
    )
    return {
        "required": obligation is not None,
        "reason": obligation["title"] if obligation else "Art. 27(1) does not apply",
        "applies_from": obligation["applies_from"] if obligation else None,
        "classification_id": latest.id,
        "needs_review": latest.needs_review,
        "missing_facts": latest.result.get("missing_facts", []),
    }


def _validate(rulebook: Rulebook, contents: Mapping[str, str], *, complete: bool) -> dict[str, str]:
    items = {c["id"]: c for c in rulebook.files["fria"]["contents"]}
    unknown = sorted(set(contents) - set(items))
    if unknown:
        raise Unprocessable(f"unknown FRIA items {unknown}", allowed=sorted(items))
    if complete:
        empty = [i for i in items if not str(contents.get(i, "")).strip()]
        if empty:
            raise Unprocessable(
                "a completed FRIA needs every Art. 27(1) item",
                missing=[{"item": i, "reference": items[i]["reference"]} for i in empty],
            )
    return {k: str(v) for k, v in contents.items()}


async def save(
    session: AsyncSession,
    *,
    rulebook: Rulebook,
    organisation_id: str,
    system_id: uuid.UUID,
    contents: Mapping[str, str],
    status: str,
    actor: str,
) -> FriaAssessment:
    clean = _validate(rulebook, contents, complete=status == "completed")
    need = await requirement(session, organisation_id=organisation_id, system_id=system_id)
    latest = await _latest_classification(
        session, organisation_id=organisation_id, system_id=system_id
    )
    version = await session.scalar(
        select(func.max(FriaAssessment.version)).where(FriaAssessment.system_id == system_id)
    )
    row = FriaAssessment(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        system_id=system_id,
        version=(version or 0) + 1,
        status=status,
        contents=clean,
        required=bool(need["required"]),
        classification_id=latest.id if latest else None,
        facts_hash=latest.facts_hash if latest else None,
        needs_update=False,
        created_by=actor,
    )
    session.add(row)
    await session.flush()
    if status == "completed":
        _emit(session, rulebook, row, "completed")
    return row


async def notify(
    session: AsyncSession,
    *,
    rulebook: Rulebook,
    organisation_id: str,
    system_id: uuid.UUID,
    version: int,
    actor: str,
) -> FriaAssessment:
    """Record the Art. 27(3) notification to the market surveillance authority."""
    row = await session.scalar(
        select(FriaAssessment).where(
            FriaAssessment.organisation_id == organisation_id,
            FriaAssessment.system_id == system_id,
            FriaAssessment.version == version,
        )
    )
    if row is None:
        raise NotFound(f"system {system_id} has no FRIA version {version}")
    if row.status != "completed":
        raise Conflict("only a completed FRIA can be notified")
    if row.notified_at is not None:
        raise Conflict(f"FRIA version {version} was already notified")
    row.notified_at = utcnow()
    row.notified_by = actor
    await session.flush()
    _emit(session, rulebook, row, "notified")
    return row


def _emit(session: AsyncSession, rulebook: Rulebook, row: FriaAssessment, status: str) -> None:
    items = rulebook.files["fria"]["contents"]
    payload = FundamentalRightsImpactAssessedV1(
        system_id=row.system_id,
        assessment_id=row.id,
        version=row.version,
        required=row.required,
        status="notified" if status == "notified" else "completed",
        contents=row.contents,
        references=[i["reference"] for i in items],
        iso_controls=sorted({str(ref) for i in items for ref in i["iso"]}),
    )
    event = make_event(
        payload,
        source="aigov/classifier",
        subject=str(row.system_id),
        organisation_id=row.organisation_id,
    )
    stage_event(session, CLASSIFIER_EVENTS, event, key=str(row.system_id))


async def history(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> Sequence[FriaAssessment]:
    rows = (
        await session.scalars(
            select(FriaAssessment)
            .where(
                FriaAssessment.organisation_id == organisation_id,
                FriaAssessment.system_id == system_id,
            )
            .order_by(FriaAssessment.version.desc())
        )
    ).all()
    if not rows:
        raise NotFound(f"system {system_id} has no FRIA")
    return rows


async def flag_updates(session: AsyncSession, *, system_id: uuid.UUID, facts_hash: str) -> None:
    """Completed assessments made on other facts need an update (Art. 27(2))."""
    await session.execute(
        update(FriaAssessment)
        .where(
            FriaAssessment.system_id == system_id,
            FriaAssessment.status == "completed",
            FriaAssessment.facts_hash != facts_hash,
            FriaAssessment.needs_update.is_(False),
        )
        .values(needs_update=True)
    )
