"""ISO/IEC 42001 control records and the Statement of Applicability (no HTTP, no commit)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.evidence.control.models import ControlRecord
from aigov.evidence.control.schemas import (
    ControlRecordWrite,
    ControlView,
    LinkedEvidence,
    SoASummary,
    StatementOfApplicability,
)
from aigov.evidence.item.models import EvidenceItem
from aigov.evidence.refs import Control, rulebook
from aigov.shared.db import utcnow
from aigov.shared.problems import NotFound, Unprocessable


def _control(control_id: str) -> Control:
    control = rulebook().controls.get(control_id)
    if control is None:
        raise NotFound(f"no ISO/IEC 42001 clause requirement or Annex A control {control_id!r}")
    return control


async def upsert_record(
    session: AsyncSession,
    *,
    organisation_id: str,
    actor: str,
    control_id: str,
    data: ControlRecordWrite,
) -> ControlRecord:
    control = _control(control_id)
    if not data.applicable:
        if control.kind == "clause":
            raise Unprocessable(
                f"clause {control_id} is a requirement of the management system; it cannot be "
                "excluded (only Annex A controls can)"
            )
        if not (data.justification or "").strip():
            raise Unprocessable("excluding an Annex A control needs a justification")
    record = await session.scalar(
        select(ControlRecord).where(
            ControlRecord.organisation_id == organisation_id,
            ControlRecord.control_id == control_id,
        )
    )
    if record is None:
        record = ControlRecord(organisation_id=organisation_id, control_id=control_id)
        session.add(record)
    record.applicable = data.applicable
    record.justification = data.justification
    record.status = data.status
    record.owner = data.owner
    record.notes = data.notes
    record.updated_at = utcnow()
    record.updated_by = actor
    await session.flush()
    return record


async def control_views(
    session: AsyncSession, *, organisation_id: str, only: str | None = None
) -> list[ControlView]:
    rules = rulebook()
    records = {
        r.control_id: r
        for r in (
            await session.scalars(
                select(ControlRecord).where(ControlRecord.organisation_id == organisation_id)
            )
        ).all()
    }
    items = (
        await session.scalars(
            select(EvidenceItem).where(
                EvidenceItem.organisation_id == organisation_id,
                EvidenceItem.status == "current",
            )
        )
    ).all()
    controls = [_control(only)] if only else rules.clauses + rules.annex_a
    views = []
    for control in controls:
        record = records.get(control.id)
        linked = [
            LinkedEvidence(
                id=str(i.id),
                title=i.title,
                kind=i.kind,
                version=i.version,
                sha256=i.sha256,
                ledger_seq=i.ledger_seq,
            )
            for i in items
            if control.id in i.iso_refs
        ]
        views.append(
            ControlView(
                id=control.id,
                kind="clause" if control.kind == "clause" else "annex_a",
                title=control.title,
                group=control.group,
                group_title=control.group_title,
                applicable=record.applicable if record else True,
                justification=record.justification if record else None,
                status=record.status if record else "not_started",
                owner=record.owner if record else None,
                notes=record.notes if record else None,
                updated_at=record.updated_at if record else None,
                evidence=linked,
                covered=bool(linked),
            )
        )
    return views


async def statement_of_applicability(
    session: AsyncSession, *, organisation_id: str
) -> StatementOfApplicability:
    """Every Annex A control: applicable or not (with the justification), implementation status,
    owner and the evidence that shows it."""
    views = [
        v
        for v in await control_views(session, organisation_id=organisation_id)
        if v.kind == "annex_a"
    ]
    decided = set(
        (
            await session.scalars(
                select(ControlRecord.control_id).where(
                    ControlRecord.organisation_id == organisation_id
                )
            )
        ).all()
    )
    rules = rulebook()
    return StatementOfApplicability(
        organisation_id=organisation_id,
        generated_at=utcnow(),
        standard="ISO/IEC 42001:2023 Annex A",
        rulebook=rules.iso_version,
        summary=SoASummary(
            controls=len(views),
            applicable=sum(v.applicable for v in views),
            not_applicable=sum(not v.applicable for v in views),
            implemented=sum(v.applicable and v.status == "implemented" for v in views),
            with_evidence=sum(v.covered for v in views),
            undecided=sum(v.id not in decided for v in views),
        ),
        controls=views,
    )
