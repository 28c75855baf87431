"""Alerts, incidents, their lifecycle and the Art. 73 reporting clock."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.monitoring.errors import IncidentNotFound, InvalidTransition
from aigov.monitoring.events import emit
from aigov.monitoring.incident.deadlines import reporting_deadline
from aigov.monitoring.incident.models import Alert, Incident, IncidentEvent
from aigov.monitoring.metrics import (
    ALERTS_FIRED,
    DEADLINE_EVENTS,
    DEADLINE_SECONDS,
    DEADLINES_MISSED,
    OPEN_INCIDENTS,
    SEVERITIES,
)
from aigov.monitoring.observation.service import get_system
from aigov.monitoring.rulebook import default_alert_rules, serious_incidents
from aigov.monitoring.system.models import MonitoredSystem
from aigov.shared.contracts.monitoring import (
    AlertFiredV1,
    IncidentDeadlineApproachingV1,
    IncidentDeadlineMissedV1,
    IncidentOpenedV1,
    IncidentSeriousV1,
    IncidentUpdatedV1,
)
from aigov.shared.db import utcnow

# Which status may follow which; "reported" means the authority (or provider) has been told.
TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"investigating", "mitigated", "reported", "closed"}),
    "investigating": frozenset({"mitigated", "reported", "closed"}),
    "mitigated": frozenset({"investigating", "reported", "closed"}),
    "reported": frozenset({"investigating", "mitigated", "closed"}),
    "closed": frozenset({"investigating"}),
}
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
COMPARATORS = {">=": lambda v, t: v >= t, "<=": lambda v, t: v <= t}


def effective_rules(system: MonitoredSystem) -> list[dict[str, Any]]:
    if system.alert_rules is not None:
        return [dict(r) for r in system.alert_rules]
    return default_alert_rules(system.risk_tier)


def _timeline(
    session: AsyncSession,
    incident: Incident,
    *,
    kind: str,
    actor: str,
    note: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    session.add(
        IncidentEvent(
            incident_id=incident.id,
            kind=kind,
            actor=actor,
            note=note,
            from_status=from_status,
            to_status=to_status,
            data=data or {},
        )
    )
    incident.updated_at = utcnow()


async def evaluate_rules(
    session: AsyncSession,
    *,
    system: MonitoredSystem,
    values: dict[str, float | None],
    run_id: uuid.UUID | None,
) -> list[Alert]:
    """Fire an alert for every breached rule; each opens or joins an incident."""
    fired: list[Alert] = []
    for rule in effective_rules(system):
        value = values.get(rule["metric"])
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if not COMPARATORS[rule["comparison"]](value, float(rule["threshold"])):
            continue
        alert = Alert(
            id=uuid.uuid4(),
            organisation_id=system.organisation_id,
            system_id=system.system_id,
            rule=rule["rule"],
            metric=rule["metric"],
            value=float(value),
            threshold=float(rule["threshold"]),
            severity=rule["severity"],
            run_id=run_id,
        )
        session.add(alert)
        incident = await _incident_for_alert(session, system=system, alert=alert)
        alert.incident_id = incident.id
        emit(
            session,
            AlertFiredV1(
                system_id=system.system_id,
                alert_id=alert.id,
                rule=alert.rule,
                metric=alert.metric,
                value=alert.value,
                threshold=alert.threshold,
                severity=alert.severity,
                run_id=run_id,
                incident_id=incident.id,
            ),
            organisation_id=system.organisation_id,
            system_id=system.system_id,
        )
        ALERTS_FIRED.labels(alert.severity).inc()
        fired.append(alert)
    await session.flush()
    return fired


async def _incident_for_alert(
    session: AsyncSession, *, system: MonitoredSystem, alert: Alert
) -> Incident:
    """Group: one incident per system and rule while it is not closed."""
    key = f"{system.system_id}:{alert.rule}"
    existing = await session.scalar(
        select(Incident)
        .where(
            Incident.organisation_id == system.organisation_id,
            Incident.dedupe_key == key,
            Incident.status != "closed",
        )
        .order_by(Incident.opened_at.desc())
        .limit(1)
    )
    if existing is not None:
        existing.alert_count += 1
        if SEVERITY_RANK[alert.severity] > SEVERITY_RANK[existing.severity]:
            existing.severity = alert.severity
        _timeline(
            session,
            existing,
            kind="alert_grouped",
            actor="monitoring",
            note=f"{alert.metric} = {alert.value:.4g} breached {alert.threshold:g} again",
            data={"alert_id": str(alert.id), "value": alert.value},
        )
        emit(
            session,
            IncidentUpdatedV1(
                incident_id=existing.id,
                system_id=system.system_id,
                status=existing.status,
                change="alert_grouped",
                note=f"alert {alert.id}",
            ),
            organisation_id=system.organisation_id,
            system_id=system.system_id,
        )
        return existing
    incident = await _open(
        session,
        system=system,
        title=f"{system.name}: {alert.rule} ({alert.metric} {alert.value:.4g})",
        description=(
            f"Alert rule {alert.rule!r} breached: {alert.metric} = {alert.value:.6g} against "
            f"threshold {alert.threshold:g}."
        ),
        severity=alert.severity,
        source="alert",
        actor="monitoring",
        dedupe_key=key,
    )
    incident.alert_count = 1
    return incident


async def _open(
    session: AsyncSession,
    *,
    system: MonitoredSystem,
    title: str,
    description: str,
    severity: str,
    source: str,
    actor: str,
    dedupe_key: str | None = None,
    occurred_at: datetime | None = None,
    member_states: Sequence[str] = (),
) -> Incident:
    now = utcnow()
    incident = Incident(
        id=uuid.uuid4(),
        organisation_id=system.organisation_id,
        system_id=system.system_id,
        title=title[:300],
        description=description,
        source=source,
        severity=severity,
        status="open",
        dedupe_key=dedupe_key,
        alert_count=0,
        opened_at=now,
        updated_at=now,
        occurred_at=occurred_at,
        member_states=list(member_states) or list(system.countries or []),
        criteria=[],
    )
    session.add(incident)
    _timeline(session, incident, kind="opened", actor=actor, to_status="open", note=title)
    emit(
        session,
        IncidentOpenedV1(
            incident_id=incident.id,
            system_id=system.system_id,
            title=incident.title,
            severity=severity,
            source=source,
            opened_at=now,
        ),
        organisation_id=system.organisation_id,
        system_id=system.system_id,
    )
    await session.flush()
    return incident


async def open_incident(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    title: str,
    description: str,
    severity: str,
    source: str,
    actor: str,
    occurred_at: datetime | None,
    member_states: Sequence[str],
) -> Incident:
    system = await get_system(session, organisation_id=organisation_id, system_id=system_id)
    return await _open(
        session,
        system=system,
        title=title,
        description=description,
        severity=severity,
        source=source,
        actor=actor,
        occurred_at=occurred_at,
        member_states=member_states,
    )


async def get_incident(
    session: AsyncSession, *, organisation_id: str, incident_id: uuid.UUID
) -> Incident:
    incident = await session.get(Incident, incident_id)
    if incident is None or incident.organisation_id != organisation_id:
        raise IncidentNotFound(f"incident {incident_id} not found")
    return incident


async def timeline(session: AsyncSession, *, incident_id: uuid.UUID) -> Sequence[IncidentEvent]:
    query = (
        select(IncidentEvent)
        .where(IncidentEvent.incident_id == incident_id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    return (await session.scalars(query)).all()


async def list_incidents(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID | None,
    status: str | None,
    serious: bool | None,
) -> Sequence[Incident]:
    query = select(Incident).where(Incident.organisation_id == organisation_id)
    if system_id is not None:
        query = query.where(Incident.system_id == system_id)
    if status is not None:
        query = query.where(Incident.status == status)
    if serious is not None:
        query = query.where(Incident.serious.is_(serious))
    return (await session.scalars(query.order_by(Incident.opened_at.desc()).limit(500))).all()


async def list_alerts(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID | None
) -> Sequence[Alert]:
    query = select(Alert).where(Alert.organisation_id == organisation_id)
    if system_id is not None:
        query = query.where(Alert.system_id == system_id)
    return (await session.scalars(query.order_by(Alert.fired_at.desc()).limit(500))).all()


async def transition(
    session: AsyncSession,
    *,
    organisation_id: str,
    incident_id: uuid.UUID,
    to: str,
    actor: str,
    note: str | None,
) -> Incident:
    incident = await get_incident(session, organisation_id=organisation_id, incident_id=incident_id)
    current = incident.status
    if to not in TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(
            f"an incident cannot go from {current!r} to {to!r}",
            allowed=sorted(TRANSITIONS.get(current, ())),
        )
    if to == "closed" and incident.serious and incident.reported_at is None:
        raise InvalidTransition(
            "a serious incident is closed only after it was reported (Art. 73)",
            allowed=sorted(TRANSITIONS[current] - {"closed"}),
        )
    incident.status = to
    if to == "reported" and incident.reported_at is None:
        incident.reported_at = utcnow()
    _timeline(
        session,
        incident,
        kind="status_changed",
        actor=actor,
        from_status=current,
        to_status=to,
        note=note,
    )
    emit(
        session,
        IncidentUpdatedV1(
            incident_id=incident.id,
            system_id=incident.system_id,
            status=to,
            previous_status=current,
            change="status",
            note=note,
        ),
        organisation_id=organisation_id,
        system_id=incident.system_id,
    )
    await session.flush()
    return incident


async def update_details(
    session: AsyncSession,
    *,
    organisation_id: str,
    incident_id: uuid.UUID,
    actor: str,
    changes: dict[str, Any],
) -> Incident:
    incident = await get_incident(session, organisation_id=organisation_id, incident_id=incident_id)
    changed = {}
    for name, value in changes.items():
        if getattr(incident, name) != value:
            setattr(incident, name, value)
            changed[name] = value
    if changed:
        _timeline(
            session,
            incident,
            kind="details_changed",
            actor=actor,
            note=", ".join(sorted(changed)),
            data={k: str(v) for k, v in changed.items()},
        )
        emit(
            session,
            IncidentUpdatedV1(
                incident_id=incident.id,
                system_id=incident.system_id,
                status=incident.status,
                change="details",
                note=", ".join(sorted(changed)),
            ),
            organisation_id=organisation_id,
            system_id=incident.system_id,
        )
    await session.flush()
    return incident


async def assess(
    session: AsyncSession,
    *,
    organisation_id: str,
    incident_id: uuid.UUID,
    criteria: Sequence[str],
    death_involved: bool,
    widespread_infringement: bool,
    aware_at: datetime | None,
    time_zone: str,
    actor: str,
    note: str | None,
) -> Incident:
    """Serious-incident assessment (Art. 3(49)); a serious incident starts the Art. 73 clock."""
    incident = await get_incident(session, organisation_id=organisation_id, incident_id=incident_id)
    wanted = sorted(set(criteria) | ({"a"} if death_involved else set()))
    serious = bool(wanted) or widespread_infringement
    incident.criteria = wanted
    incident.death_involved = death_involved
    incident.widespread_infringement = widespread_infringement
    incident.reporting_time_zone = time_zone
    incident.serious = serious
    incident.approaching_notified = False
    incident.missed_notified = False
    data: dict[str, Any] = {"criteria": wanted, "serious": serious}
    if serious:
        aware = aware_at or incident.aware_at or utcnow()
        deadline = reporting_deadline(
            aware_at=aware,
            criteria=wanted,
            death_involved=death_involved,
            widespread_infringement=widespread_infringement,
            time_zone=time_zone,
        )
        incident.aware_at = deadline.aware_at
        incident.deadline_case = deadline.case
        incident.deadline_at = deadline.deadline_at
        incident.period_end_local = deadline.period_end_local.isoformat()
        if SEVERITY_RANK[incident.severity] < SEVERITY_RANK["high"]:
            incident.severity = "critical" if death_involved else "high"
        data |= {"deadline_case": deadline.case, "deadline_at": deadline.deadline_at.isoformat()}
        emit(
            session,
            IncidentSeriousV1(
                incident_id=incident.id,
                system_id=incident.system_id,
                criteria=wanted,
                deadline_case=deadline.case,
                legal_basis=deadline.legal_basis,
                aware_at=deadline.aware_at,
                deadline_at=deadline.deadline_at,
            ),
            organisation_id=organisation_id,
            system_id=incident.system_id,
        )
    else:
        incident.deadline_case = None
        incident.deadline_at = None
        incident.period_end_local = None
    _timeline(session, incident, kind="assessed", actor=actor, note=note, data=data)
    await session.flush()
    return incident


@dataclass
class ClockReport:
    approaching: int
    missed: int
    nearest_seconds: float | None


async def check_deadlines(session: AsyncSession, *, now: datetime) -> ClockReport:
    """Raise events as unreported serious incidents near or pass their deadline; update gauges.

    Runs across organisations (a periodic task of the service); each incident is flagged so an
    event is raised once per threshold.
    """
    pending = (
        await session.scalars(
            select(Incident).where(
                Incident.serious.is_(True),
                Incident.reported_at.is_(None),
                Incident.deadline_at.is_not(None),
                Incident.status != "closed",
            )
        )
    ).all()
    cases = {c["case"]: c for c in serious_incidents()["deadline_cases"]}
    approaching = missed = 0
    nearest: float | None = None
    overdue = 0
    for incident in pending:
        assert incident.deadline_at is not None
        assert incident.deadline_case is not None
        left = (incident.deadline_at - now).total_seconds()
        nearest = left if nearest is None else min(nearest, left)
        window_s = float(cases[incident.deadline_case]["approaching_within_hours"]) * 3600
        if left <= 0:
            overdue += 1
        if left <= 0 and not incident.missed_notified:
            incident.missed_notified = True
            incident.approaching_notified = True
            _timeline(session, incident, kind="deadline_missed", actor="monitoring")
            emit(
                session,
                IncidentDeadlineMissedV1(
                    incident_id=incident.id,
                    system_id=incident.system_id,
                    deadline_case=incident.deadline_case,
                    deadline_at=incident.deadline_at,
                ),
                organisation_id=incident.organisation_id,
                system_id=incident.system_id,
            )
            DEADLINE_EVENTS.labels("missed").inc()
            missed += 1
        elif 0 < left <= window_s and not incident.approaching_notified:
            incident.approaching_notified = True
            _timeline(
                session,
                incident,
                kind="deadline_approaching",
                actor="monitoring",
                data={"seconds_left": left},
            )
            emit(
                session,
                IncidentDeadlineApproachingV1(
                    incident_id=incident.id,
                    system_id=incident.system_id,
                    deadline_case=incident.deadline_case,
                    deadline_at=incident.deadline_at,
                    seconds_left=left,
                ),
                organisation_id=incident.organisation_id,
                system_id=incident.system_id,
            )
            DEADLINE_EVENTS.labels("approaching").inc()
            approaching += 1
    DEADLINE_SECONDS.set(math.inf if nearest is None else nearest)
    DEADLINES_MISSED.set(overdue)
    counts = dict(
        (
            await session.execute(
                select(Incident.severity, func.count())
                .where(Incident.status != "closed")
                .group_by(Incident.severity)
            )
        ).all()
    )
    for severity in SEVERITIES:
        OPEN_INCIDENTS.labels(severity).set(counts.get(severity, 0))
    await session.flush()
    return ClockReport(approaching, missed, nearest)


def clock(incident: Incident, now: datetime) -> dict[str, Any] | None:
    if not incident.serious or incident.deadline_at is None:
        return None
    left = (incident.deadline_at - now).total_seconds()
    return {
        "case": incident.deadline_case,
        "aware_at": incident.aware_at,
        "deadline_at": incident.deadline_at,
        "period_end_local": incident.period_end_local,
        "seconds_left": None if incident.reported_at else left,
        "state": "reported" if incident.reported_at else ("missed" if left <= 0 else "running"),
    }


async def authority_report(
    session: AsyncSession, *, organisation_id: str, incident_id: uuid.UUID
) -> dict[str, Any]:
    """A draft of the Art. 73 report: what the market surveillance authority needs."""
    incident = await get_incident(session, organisation_id=organisation_id, incident_id=incident_id)
    system = await get_system(
        session, organisation_id=organisation_id, system_id=incident.system_id
    )
    rules = serious_incidents()
    criteria = [
        {"point": c, **rules["criteria"][c]} for c in incident.criteria if c in rules["criteria"]
    ]
    case = next((c for c in rules["deadline_cases"] if c["case"] == incident.deadline_case), None)
    missing = [
        name
        for name, value in (
            ("causal_link", incident.causal_link),
            ("corrective_action", incident.corrective_action),
            ("occurred_at", incident.occurred_at),
            ("member_states", incident.member_states),
        )
        if not value
    ]
    return {
        "kind": "draft_serious_incident_report",
        "legal_basis": (case["legal_basis"] if case else []) + ["Art. 73(1)"],
        "recipient": rules["reporting"]["recipient"],
        "report_type": "initial" if missing else "complete",
        "initial_report_note": rules["reporting"]["initial_report_allowed"],
        "serious": incident.serious,
        "system": {
            "id": str(system.system_id),
            "name": system.name,
            "intended_purpose": system.intended_purpose,
            "risk_tier": system.risk_tier,
        },
        "provider": {
            "organisation_id": organisation_id,
            "roles": system.roles,
            "contact": incident.provider_contact,
        },
        "incident": {
            "id": str(incident.id),
            "title": incident.title,
            "description": incident.description,
            "severity": incident.severity,
            "status": incident.status,
            "criteria": criteria,
            "death_involved": incident.death_involved,
            "widespread_infringement": incident.widespread_infringement,
            "member_states": incident.member_states,
        },
        "dates": {
            "occurred_at": incident.occurred_at,
            "aware_at": incident.aware_at,
            "deadline_at": incident.deadline_at,
            "period_end_local": incident.period_end_local,
            "reported_at": incident.reported_at,
        },
        "deadline": case["text"] if case else None,
        "causal_link": incident.causal_link,
        "corrective_action": incident.corrective_action,
        "investigation_note": rules["reporting"]["do_not_alter_system"],
        "missing_information": missing,
    }


async def provider_notice(
    session: AsyncSession, *, organisation_id: str, incident_id: uuid.UUID
) -> dict[str, Any]:
    """The deployer's notice to the provider (Art. 26(5))."""
    incident = await get_incident(session, organisation_id=organisation_id, incident_id=incident_id)
    system = await get_system(
        session, organisation_id=organisation_id, system_id=incident.system_id
    )
    if "deployer" not in (system.roles or []):
        raise InvalidTransition(
            "the provider notice is the deployer's duty (Art. 26(5)); this organisation is not "
            "recorded as a deployer of the system",
            roles=system.roles,
        )
    return {
        "kind": "deployer_notice_to_provider",
        "legal_basis": ["Art. 26(5)", "Art. 73"],
        "duty": serious_incidents()["reporting"]["deployer_duty"],
        "to": incident.provider_contact,
        "from": {"organisation_id": organisation_id, "role": "deployer"},
        "system": {"id": str(system.system_id), "name": system.name},
        "incident": {
            "id": str(incident.id),
            "title": incident.title,
            "description": incident.description,
            "serious": incident.serious,
            "criteria": incident.criteria,
            "occurred_at": incident.occurred_at,
            "aware_at": incident.aware_at,
            "member_states": incident.member_states,
        },
        "provider_deadline_at": incident.deadline_at,
        "next_recipients": ["importer or distributor", "market surveillance authority"],
    }
