"""Post-market monitoring plans (Art. 72) and whether they are being executed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.monitoring.errors import PlanNotFound
from aigov.monitoring.events import emit
from aigov.monitoring.observation.service import get_system
from aigov.monitoring.plan.models import MonitoringPlan, PlanReview
from aigov.monitoring.system.models import MonitoredSystem
from aigov.shared.contracts.monitoring import MonitoringPlanRecordedV1, MonitoringPlanReviewedV1
from aigov.shared.db import utcnow


async def upsert_plan(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    monitored: list[str],
    thresholds: dict[str, Any],
    data_sources: list[str],
    review_cadence_days: int,
    max_observation_gap_hours: int,
    responsible: str,
    notes: str,
) -> MonitoringPlan:
    await get_system(session, organisation_id=organisation_id, system_id=system_id)
    plan = await _find(session, organisation_id=organisation_id, system_id=system_id)
    now = utcnow()
    if plan is None:
        plan = MonitoringPlan(
            id=uuid.uuid4(),
            organisation_id=organisation_id,
            system_id=system_id,
            version=1,
            created_at=now,
        )
        session.add(plan)
    else:
        plan.version += 1
    plan.monitored = monitored
    plan.thresholds = thresholds
    plan.data_sources = data_sources
    plan.review_cadence_days = review_cadence_days
    plan.max_observation_gap_hours = max_observation_gap_hours
    plan.responsible = responsible
    plan.notes = notes
    plan.updated_at = now
    emit(
        session,
        MonitoringPlanRecordedV1(
            plan_id=plan.id,
            system_id=system_id,
            version=plan.version,
            review_cadence_days=review_cadence_days,
            responsible=responsible,
        ),
        organisation_id=organisation_id,
        system_id=system_id,
    )
    await session.flush()
    return plan


async def _find(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> MonitoringPlan | None:
    return await session.scalar(
        select(MonitoringPlan).where(
            MonitoringPlan.organisation_id == organisation_id,
            MonitoringPlan.system_id == system_id,
        )
    )


async def get_plan(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> MonitoringPlan:
    await get_system(session, organisation_id=organisation_id, system_id=system_id)
    plan = await _find(session, organisation_id=organisation_id, system_id=system_id)
    if plan is None:
        raise PlanNotFound(f"system {system_id} has no post-market monitoring plan")
    return plan


async def reviews(session: AsyncSession, *, plan_id: uuid.UUID) -> Sequence[PlanReview]:
    query = select(PlanReview).where(PlanReview.plan_id == plan_id).order_by(PlanReview.reviewed_at)
    return (await session.scalars(query)).all()


def _review_due(plan: MonitoringPlan, last_review: datetime | None) -> datetime:
    return (last_review or plan.created_at) + timedelta(days=plan.review_cadence_days)


async def record_review(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    reviewer: str,
    outcome: str,
    notes: str,
    reviewed_at: datetime | None,
) -> PlanReview:
    plan = await get_plan(session, organisation_id=organisation_id, system_id=system_id)
    past = await reviews(session, plan_id=plan.id)
    at = reviewed_at or utcnow()
    due = _review_due(plan, past[-1].reviewed_at if past else None)
    review = PlanReview(
        id=uuid.uuid4(),
        plan_id=plan.id,
        reviewed_at=at,
        reviewer=reviewer,
        outcome=outcome,
        notes=notes,
        on_time=at <= due,
    )
    session.add(review)
    emit(
        session,
        MonitoringPlanReviewedV1(
            plan_id=plan.id,
            system_id=system_id,
            reviewed_at=at,
            reviewer=reviewer,
            on_time=review.on_time,
        ),
        organisation_id=organisation_id,
        system_id=system_id,
    )
    await session.flush()
    return review


async def execution(
    session: AsyncSession, *, system: MonitoredSystem, plan: MonitoringPlan | None, now: datetime
) -> dict[str, Any]:
    """Is the plan being executed? Observations arriving and reviews on time."""
    required = system.risk_tier == "high_risk"
    if plan is None:
        return {
            "required": required,
            "plan": False,
            "executed": False,
            "problems": ["no post-market monitoring plan (Art. 72(3))"] if required else [],
        }
    past = await reviews(session, plan_id=plan.id)
    last_review = past[-1].reviewed_at if past else None
    due = _review_due(plan, last_review)
    problems: list[str] = []
    last_obs = system.last_observation_at
    arriving = last_obs is not None and now - last_obs <= timedelta(
        hours=plan.max_observation_gap_hours
    )
    if not arriving:
        problems.append(
            "no observations received"
            if last_obs is None
            else f"no observations for more than {plan.max_observation_gap_hours} h"
        )
    if now > due:
        problems.append(f"review overdue since {due.isoformat()}")
    late = [r for r in past if not r.on_time]
    if late:
        problems.append(f"{len(late)} review(s) were late")
    return {
        "required": required,
        "plan": True,
        "executed": not problems,
        "observations_arriving": arriving,
        "last_observation_at": last_obs,
        "last_review_at": last_review,
        "next_review_due": due,
        "reviews": len(past),
        "late_reviews": len(late),
        "problems": problems,
    }


async def plans_overview(
    session: AsyncSession, *, organisation_id: str, now: datetime
) -> list[dict[str, Any]]:
    """Every high-risk system and every system with a plan, with its execution status."""
    # Only the systems listed are loaded (an organisation has thousands of minimal-risk ones).
    planned = select(MonitoringPlan.system_id).where(
        MonitoringPlan.organisation_id == organisation_id
    )
    systems = (
        await session.scalars(
            select(MonitoredSystem).where(
                MonitoredSystem.organisation_id == organisation_id,
                MonitoredSystem.retired.is_(False),
                or_(
                    MonitoredSystem.risk_tier == "high_risk",
                    MonitoredSystem.system_id.in_(planned),
                ),
            )
        )
    ).all()
    plans = {
        p.system_id: p
        for p in (
            await session.scalars(
                select(MonitoringPlan).where(MonitoringPlan.organisation_id == organisation_id)
            )
        ).all()
    }
    out = []
    for system in systems:
        plan = plans.get(system.system_id)
        status = await execution(session, system=system, plan=plan, now=now)
        out.append({"system_id": system.system_id, "name": system.name, **status})
    return out
