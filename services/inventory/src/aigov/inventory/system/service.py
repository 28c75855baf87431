"""System register logic: no HTTP, no commit (the caller owns the transaction)."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from sqlalchemy import and_, delete, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.inventory.metrics import IMPORT_ROWS, SYSTEM_CHANGES
from aigov.inventory.system.models import (
    AISystem,
    SystemAttribute,
    SystemClassification,
    SystemRevision,
)
from aigov.inventory.system.schemas import (
    ImportReport,
    RowReport,
    SystemBrief,
    SystemCreate,
    SystemRead,
    SystemRecord,
    SystemSummary,
)
from aigov.shared.contracts.inventory import (
    ChangeSource,
    DeploymentChangedV1,
    DeploymentRefV1,
    ModelVersionAddedV1,
    ModelVersionRefV1,
    SupplierChangedV1,
    SystemFactsV1,
    SystemRegisteredV1,
    SystemRetiredV1,
    SystemUpdatedV1,
)
from aigov.shared.db import utcnow
from aigov.shared.events import EventPayload, make_event
from aigov.shared.outbox import stage_event
from aigov.shared.problems import (
    Conflict,
    DomainError,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
)
from aigov.shared.topics import INVENTORY_EVENTS

SOURCE = "/aigov/inventory"
FACT_FIELDS = tuple(SystemFactsV1.model_fields)

# The risk tier of a system no classification has reached yet (filters and counts).
UNCLASSIFIED = "unclassified"


class BadPageToken(DomainError):
    status, title, slug = 400, "Invalid page token", "invalid-page-token"


def etag_of(system: AISystem) -> str:
    return f'"r{system.revision}"'


def facts_of(record: dict[str, Any]) -> SystemFactsV1:
    return SystemFactsV1.model_validate({k: record[k] for k in FACT_FIELDS if k in record})


def emit(session: AsyncSession, system: AISystem, payload: EventPayload) -> None:
    event = make_event(
        payload, source=SOURCE, subject=str(system.id), organisation_id=system.organisation_id
    )
    stage_event(session, INVENTORY_EVENTS, event, key=str(system.id))


def _attributes(record: dict[str, Any]) -> set[tuple[str, str]]:
    attrs: set[tuple[str, str]] = set()
    attrs.update(("role", r) for r in record.get("roles", []))
    attrs.update(("country", c) for c in record.get("countries", []))
    attrs.update(("tag", t[:400]) for t in record.get("tags", []))
    for owner in (record.get("business_owner"), record.get("technical_owner")):
        if owner:
            attrs.add(("owner", owner))
    for model in record.get("models", []):
        attrs.add(("model", model_key(model["registry"], model["name"])))
    return attrs


def model_key(registry: str, name: str) -> str:
    return f"{registry}:{name}"[:400]


def _search_text(record: dict[str, Any]) -> str:
    parts: list[str] = [
        record.get("name", ""),
        record.get("description", ""),
        record.get("intended_purpose", ""),
        record.get("business_owner", ""),
        record.get("technical_owner") or "",
        *record.get("tags", []),
        *(m["name"] for m in record.get("models", [])),
        *(s["name"] for s in record.get("suppliers", [])),
        *(g["model"] for g in record.get("gpai_models", [])),
        *record.get("external_ids", {}).values(),
    ]
    return " ".join(p for p in parts if p).lower()


async def _write_attributes(
    session: AsyncSession, system: AISystem, *, old_record: dict[str, Any] | None = None
) -> None:
    """Bring the filter rows in line with the record, touching only what changed."""
    old = _attributes(old_record) if old_record is not None else set()
    new = _attributes(system.record)
    removed = old - new
    if removed:
        await session.execute(
            delete(SystemAttribute).where(
                SystemAttribute.system_id == system.id,
                or_(
                    *(
                        and_(SystemAttribute.kind == kind, SystemAttribute.value == value)
                        for kind, value in removed
                    )
                ),
            )
        )
    for kind, value in sorted(new - old):
        session.add(
            SystemAttribute(
                system_id=system.id,
                kind=kind,
                value=value,
                organisation_id=system.organisation_id,
            )
        )


def _sync_columns(system: AISystem, record: dict[str, Any]) -> None:
    system.record = record
    system.name = record["name"]
    system.intended_purpose = record["intended_purpose"]
    system.owner = record["business_owner"]
    system.lifecycle_stage = record["lifecycle_stage"]
    system.search_text = _search_text(record)


def _is_set(value: Any) -> bool:
    return value not in (None, "", [], {}, False)


async def register_system(
    session: AsyncSession,
    *,
    organisation_id: str,
    data: SystemCreate,
    actor: str = "system",
    source: ChangeSource = "api",
    flush: bool = True,
) -> AISystem:
    """Register a system; ``flush=False`` lets a bulk import write many rows in one flush."""
    record = data.model_dump(mode="json")
    now = utcnow()
    system = AISystem(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        status="active",
        revision=1,
        created_by=actor,
        updated_by=actor,
        created_at=now,
        updated_at=now,
    )
    _sync_columns(system, record)
    session.add(system)
    await _write_attributes(session, system)
    changes = [{"field": k, "before": None, "after": v} for k, v in record.items() if _is_set(v)]
    session.add(_revision(system, actor=actor, action="registered", changes=changes))
    emit(session, system, SystemRegisteredV1(system_id=system.id, facts=facts_of(record)))
    _emit_derived(session, system, {}, record, source=source)
    SYSTEM_CHANGES.labels("registered").inc()
    if flush:
        await session.flush()
    return system


def _revision(
    system: AISystem, *, actor: str, action: str, changes: list[dict[str, Any]]
) -> SystemRevision:
    return SystemRevision(
        system_id=system.id,
        organisation_id=system.organisation_id,
        revision=system.revision,
        actor=actor,
        action=action,
        changes=changes,
        snapshot=system.record,
        created_at=utcnow(),
    )


def _model_id(m: dict[str, Any]) -> tuple[str, str, str | None]:
    return (m["registry"], m["name"], m.get("version"))


def _emit_derived(
    session: AsyncSession,
    system: AISystem,
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    source: ChangeSource,
) -> None:
    """The specific events a change implies: model versions added, deployments, suppliers."""
    old_models = {_model_id(m) for m in old.get("models", [])}
    for m in new.get("models", []):
        if _model_id(m) not in old_models:
            ref = ModelVersionRefV1.model_validate({k: v for k, v in m.items() if k != "tags"})
            emit(
                session,
                system,
                ModelVersionAddedV1(
                    system_id=system.id, revision=system.revision, model=ref, source=source
                ),
            )
    keep = set(DeploymentRefV1.model_fields)
    old_deps = {d["environment"]: d for d in old.get("deployments", [])}
    new_deps = {d["environment"]: d for d in new.get("deployments", [])}
    for env in sorted(old_deps.keys() | new_deps.keys()):
        before, after = old_deps.get(env), new_deps.get(env)
        if before == after:
            continue
        emit(
            session,
            system,
            DeploymentChangedV1(
                system_id=system.id,
                revision=system.revision,
                environment=env,
                before=DeploymentRefV1.model_validate(
                    {k: v for k, v in before.items() if k in keep}
                )
                if before
                else None,
                after=DeploymentRefV1.model_validate({k: v for k, v in after.items() if k in keep})
                if after
                else None,
                source=source,
            ),
        )
    old_sup = {s["name"]: s for s in old.get("suppliers", [])}
    new_sup = {s["name"]: s for s in new.get("suppliers", [])}
    added = sorted(new_sup.keys() - old_sup.keys())
    removed = sorted(old_sup.keys() - new_sup.keys())
    changed = sorted(n for n in old_sup.keys() & new_sup.keys() if old_sup[n] != new_sup[n])
    if added or removed or changed:
        emit(
            session,
            system,
            SupplierChangedV1(
                system_id=system.id,
                revision=system.revision,
                added=added,
                removed=removed,
                changed=changed,
            ),
        )


def validate_record(record: dict[str, Any]) -> dict[str, Any]:
    try:
        return SystemRecord.model_validate(record).model_dump(mode="json")
    except ValidationError as exc:
        errors = [
            {"location": list(e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        raise Unprocessable(f"{len(errors)} field(s) failed validation", errors=errors) from exc


async def apply_change(
    session: AsyncSession,
    system: AISystem,
    new_record: dict[str, Any],
    *,
    actor: str,
    action: str,
    source: ChangeSource,
) -> list[str]:
    """Write ``new_record`` as the next revision and emit its events; returns what changed."""
    old = system.record
    changed = sorted(k for k in old.keys() | new_record.keys() if old.get(k) != new_record.get(k))
    if not changed:
        return []
    system.revision += 1
    system.updated_by = actor
    system.updated_at = utcnow()
    _sync_columns(system, new_record)
    await _write_attributes(session, system, old_record=old)
    changes = [{"field": k, "before": old.get(k), "after": new_record.get(k)} for k in changed]
    session.add(_revision(system, actor=actor, action=action, changes=changes))
    emit(
        session,
        system,
        SystemUpdatedV1(
            system_id=system.id,
            revision=system.revision,
            changed=changed,
            facts=facts_of(new_record),
        ),
    )
    _emit_derived(session, system, old, new_record, source=source)
    SYSTEM_CHANGES.labels(action).inc()
    await session.flush()
    return changed


def check_if_match(system: AISystem, if_match: str | None) -> None:
    if not if_match:
        raise PreconditionRequired(
            "send If-Match with the ETag from your last read of this system",
            current_etag=etag_of(system),
        )
    tags = [t.strip() for t in if_match.split(",")]
    current = etag_of(system)
    if "*" not in tags and current not in tags and f"W/{current}" not in tags:
        raise PreconditionFailed(
            "the system changed since you read it; read it again and reapply your change",
            current_etag=current,
        )


async def update_system(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    patch: dict[str, Any],
    if_match: str | None,
    actor: str,
) -> AISystem:
    system = await get_system(
        session, organisation_id=organisation_id, system_id=system_id, for_update=True
    )
    check_if_match(system, if_match)
    if system.status == "retired":
        raise Conflict("a retired system cannot be changed")
    new_record = validate_record({**system.record, **patch})
    await apply_change(session, system, new_record, actor=actor, action="updated", source="api")
    return system


async def retire_system(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    if_match: str | None,
    actor: str,
    reason: str | None,
) -> AISystem:
    system = await get_system(
        session, organisation_id=organisation_id, system_id=system_id, for_update=True
    )
    check_if_match(system, if_match)
    if system.status == "retired":
        raise Conflict("the system is already retired")
    old_stage = system.record["lifecycle_stage"]
    new_record = {**system.record, "lifecycle_stage": "retirement"}
    system.revision += 1
    system.status = "retired"
    system.retired_at = utcnow()
    system.retired_reason = reason
    system.updated_by = actor
    system.updated_at = system.retired_at
    _sync_columns(system, new_record)
    changes = [
        {"field": "status", "before": "active", "after": "retired"},
        {"field": "lifecycle_stage", "before": old_stage, "after": "retirement"},
    ]
    if reason:
        changes.append({"field": "retired_reason", "before": None, "after": reason})
    session.add(_revision(system, actor=actor, action="retired", changes=changes))
    emit(
        session,
        system,
        SystemRetiredV1(system_id=system.id, revision=system.revision, reason=reason),
    )
    SYSTEM_CHANGES.labels("retired").inc()
    await session.flush()
    return system


async def get_system(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID, for_update: bool = False
) -> AISystem:
    """``for_update`` locks the row (PostgreSQL), so a concurrent writer holding the same ETag
    waits, then sees the new revision and gets 412 instead of a lost update."""
    system = await session.get(
        AISystem, system_id, with_for_update=for_update, populate_existing=for_update
    )
    # Another organisation's system answers exactly like a missing one.
    if system is None or system.organisation_id != organisation_id:
        raise NotFound(f"AI system {system_id} is not registered")
    return system


async def risk_tier_of(session: AsyncSession, system_id: uuid.UUID) -> str | None:
    return await session.scalar(
        select(SystemClassification.risk_tier).where(SystemClassification.system_id == system_id)
    )


def to_read(system: AISystem, risk_tier: str | None) -> SystemRead:
    return SystemRead.model_validate(
        {
            **system.record,
            "id": system.id,
            "revision": system.revision,
            "status": system.status,
            "risk_tier": risk_tier,
            "owner": system.owner,
            "created_at": system.created_at,
            "updated_at": system.updated_at,
            "created_by": system.created_by,
            "updated_by": system.updated_by,
            "retired_at": system.retired_at,
            "retired_reason": system.retired_reason,
        }
    )


async def list_revisions(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> Sequence[SystemRevision]:
    await get_system(session, organisation_id=organisation_id, system_id=system_id)
    rows = await session.scalars(
        select(SystemRevision)
        .where(SystemRevision.system_id == system_id)
        .order_by(SystemRevision.revision.desc())
    )
    return rows.all()


@dataclass(frozen=True)
class SystemFilters:
    roles: Sequence[str] = ()
    stages: Sequence[str] = ()
    countries: Sequence[str] = ()
    owner: str | None = None
    tags: Sequence[str] = ()
    risk_tiers: Sequence[str] = ()
    text: str | None = None
    status: str | None = None
    model: str | None = None


def encode_cursor(created_at: datetime, system_id: uuid.UUID) -> str:
    raw = json.dumps({"c": created_at.isoformat(), "i": str(system_id)}).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(token: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        return datetime.fromisoformat(data["c"]), uuid.UUID(data["i"])
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise BadPageToken("page_token is not one this service issued") from exc


async def list_systems(
    session: AsyncSession,
    *,
    organisation_id: str,
    filters: SystemFilters,
    limit: int,
    page_token: str | None,
    brief: bool = False,
) -> tuple[list[SystemRead] | list[SystemBrief], str | None]:
    """A page of systems in registration order; ``brief`` reads a few columns, not the record."""
    columns: tuple[Any, ...] = (
        (
            AISystem.id,
            AISystem.name,
            AISystem.status,
            AISystem.lifecycle_stage,
            AISystem.created_at,
        )
        if brief
        else (AISystem,)
    )
    query = (
        select(*columns, SystemClassification.risk_tier)
        .outerjoin(SystemClassification, SystemClassification.system_id == AISystem.id)
        .where(AISystem.organisation_id == organisation_id)
    )

    def having(kind: str, values: Sequence[str]) -> Any:
        return AISystem.id.in_(
            select(SystemAttribute.system_id).where(
                SystemAttribute.organisation_id == organisation_id,
                SystemAttribute.kind == kind,
                SystemAttribute.value.in_(list(values)),
            )
        )

    if filters.roles:
        query = query.where(having("role", filters.roles))
    if filters.countries:
        query = query.where(having("country", [c.upper() for c in filters.countries]))
    if filters.tags:
        query = query.where(having("tag", filters.tags))
    if filters.owner:
        query = query.where(having("owner", [filters.owner]))
    if filters.model:
        query = query.where(having("model", [filters.model]))
    if filters.stages:
        query = query.where(AISystem.lifecycle_stage.in_(list(filters.stages)))
    if filters.status:
        query = query.where(AISystem.status == filters.status)
    if filters.risk_tiers:
        known = [t for t in filters.risk_tiers if t != UNCLASSIFIED]
        query = query.where(
            or_(
                SystemClassification.risk_tier.in_(known),
                # No classification has arrived for the system yet.
                SystemClassification.risk_tier.is_(None)
                if UNCLASSIFIED in filters.risk_tiers
                else false(),
            )
        )
    if filters.text:
        query = query.where(AISystem.search_text.contains(filters.text.lower(), autoescape=True))
    if page_token:
        created_at, last_id = decode_cursor(page_token)
        query = query.where(
            or_(
                AISystem.created_at > created_at,
                and_(AISystem.created_at == created_at, AISystem.id > last_id),
            )
        )
    query = query.order_by(AISystem.created_at, AISystem.id).limit(limit + 1)
    rows = (await session.execute(query)).all()
    page = rows[:limit]
    next_token = None
    if len(rows) > limit:
        last = page[-1] if brief else page[-1][0]
        next_token = encode_cursor(last.created_at, last.id)
    if brief:
        return [SystemBrief.model_validate(row, from_attributes=True) for row in page], next_token
    return [to_read(row[0], row[1]) for row in page], next_token


async def summarise(
    session: AsyncSession, *, organisation_id: str, status: Literal["active", "retired"]
) -> SystemSummary:
    """How many systems, by risk tier, role and lifecycle stage (GROUP BY, not a scan in Python)."""
    scope = and_(AISystem.organisation_id == organisation_id, AISystem.status == status)
    tier = func.coalesce(SystemClassification.risk_tier, UNCLASSIFIED)
    by_tier = await session.execute(
        select(tier, func.count())
        .select_from(AISystem)
        .outerjoin(SystemClassification, SystemClassification.system_id == AISystem.id)
        .where(scope)
        .group_by(tier)
    )
    by_stage = await session.execute(
        select(AISystem.lifecycle_stage, func.count())
        .where(scope)
        .group_by(AISystem.lifecycle_stage)
    )
    by_role = await session.execute(
        select(SystemAttribute.value, func.count())
        .join(AISystem, AISystem.id == SystemAttribute.system_id)
        .where(
            SystemAttribute.organisation_id == organisation_id,
            SystemAttribute.kind == "role",
            scope,
        )
        .group_by(SystemAttribute.value)
    )
    tiers = {str(k): int(n) for k, n in by_tier.all()}
    return SystemSummary(
        status=status,
        total=sum(tiers.values()),
        by_risk_tier=tiers,
        by_role={str(k): int(n) for k, n in by_role.all()},
        by_stage={str(k): int(n) for k, n in by_stage.all()},
    )


async def import_systems(
    session: AsyncSession,
    *,
    organisation_id: str,
    rows: Sequence[Any],
    all_or_nothing: bool,
    actor: str,
) -> ImportReport:
    """Validate every row, then register the valid ones (all of them or none of them)."""
    reports: list[RowReport] = []
    valid: list[tuple[RowReport, SystemCreate]] = []
    for row in rows:
        report = RowReport(row=row.number, status="failed", errors=list(row.errors))
        if row.data is not None:
            report.name = str(row.data.get("name")) if row.data.get("name") else None
            try:
                data = SystemCreate.model_validate(row.data)
            except ValidationError as exc:
                report.errors = [
                    {"location": list(e["loc"]), "message": e["msg"], "type": e["type"]}
                    for e in exc.errors()
                ]
            else:
                report.status = "valid"
                valid.append((report, data))
        reports.append(report)
    failed = sum(1 for r in reports if r.status == "failed")
    mode: Literal["all_or_nothing", "best_effort"] = (
        "all_or_nothing" if all_or_nothing else "best_effort"
    )
    if failed and all_or_nothing:
        IMPORT_ROWS.labels("rejected").inc(len(reports))
        raise Unprocessable(
            f"{failed} of {len(reports)} rows failed validation; nothing was imported",
            mode=mode,
            total=len(reports),
            created=0,
            failed=failed,
            rows=[r.model_dump(mode="json") for r in reports],
        )
    for report, data in valid:
        system = await register_system(
            session,
            organisation_id=organisation_id,
            data=data,
            actor=actor,
            source="import",
            flush=False,
        )
        report.status = "created"
        report.system_id = system.id
    await session.flush()
    IMPORT_ROWS.labels("created").inc(len(valid))
    IMPORT_ROWS.labels("failed").inc(failed)
    return ImportReport(
        mode=mode, total=len(reports), created=len(valid), failed=failed, rows=reports
    )
