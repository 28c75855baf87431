"""The aggregated views: ``/v1/systems/{id}/compliance``, ``/v1/compliance/roadmap``,
``/v1/compliance/gaps``, ``/v1/compliance/exposure``.

Each view fetches its parts from the services in parallel (:class:`Upstream`) and composes them
with the pure functions of :mod:`aigov.gateway.views.compose`. A part whose service is down is
named in ``missing_parts``; the view still answers 200.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from aigov.gateway.auth import requires
from aigov.gateway.views import compose
from aigov.gateway.views.cache import view_cache, wants_fresh
from aigov.gateway.views.schemas import ComplianceView, Exposure, Gaps, Roadmap
from aigov.gateway.views.upstream import Missing, NotThere, Upstream
from aigov.shared.problems import PROBLEM_RESPONSES, NotFound
from aigov.shared.tenancy import CallerContext

router = APIRouter(tags=["compliance views"], responses=PROBLEM_RESPONSES)

Reader = Annotated[CallerContext, requires("classification:read")]

EXPOSURE_BASIS = (
    "Art. 99(3)-(4): up to the fixed amount or the percentage of total worldwide annual "
    "turnover of the preceding financial year, whichever is higher; for SMEs and start-ups "
    "whichever is lower (Art. 99(6)). One finding per system and tier; the total adds them up. "
    "Art. 99(7) factors decide the actual fine."
)
# How old a ledger verification the roadmap accepts (the evidence scrub runs hourly).
LEDGER_VERIFY_MAX_AGE_S = 2 * 3600


def _missing(up: Upstream) -> list[str]:
    return sorted(up.missing)


@router.get("/v1/systems/{system_id}/compliance", response_model=ComplianceView)
async def system_compliance(
    system_id: uuid.UUID,
    request: Request,
    caller: Reader,
    as_of: Annotated[date | None, Query(description="Day to judge applicability on")] = None,
) -> dict[str, Any]:
    """The system's risk tier and legal basis, each obligation with its evidence status, open
    incidents and running reporting deadlines, drift status and the next dates that matter."""
    up = Upstream(request, caller)
    sid = str(system_id)
    now = datetime.now(UTC)
    day = as_of or now.date()

    async def system() -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = await up.get("inventory", f"/v1/systems/{sid}")
            return found
        except NotThere:
            raise NotFound(f"system {sid} not found") from None
        except Missing:
            return None

    record, classification, evidence, incidents, runs, plan = await asyncio.gather(
        system(),
        up.part("classifier", f"/v1/classifications/{sid}"),
        up.part("evidence", "/v1/evidence", status="current"),
        up.part("monitoring", "/v1/monitoring/incidents", system_id=sid),
        up.part("monitoring", f"/v1/monitoring/systems/{sid}/runs", default=[], kind="drift"),
        up.part("monitoring", f"/v1/monitoring/systems/{sid}/monitoring-plan"),
    )
    own = compose.relevant_evidence(evidence or [], sid)
    obligations = ((classification or {}).get("result") or {}).get("obligations") or []
    open_incidents = compose.compose_incidents(incidents or [], now)
    return {
        "system": record or {"id": sid},
        "classification": compose.compose_classification(classification),
        "obligations": compose.compose_obligations(obligations, own, day),
        "incidents": open_incidents,
        "drift": None if "monitoring" in up.missing else compose.compose_drift(runs),
        "next_dates": compose.next_dates(
            obligations=obligations,
            evidence=own,
            incidents=open_incidents,
            plan=plan,
            as_of=day,
        ),
        "missing_parts": _missing(up),
    }


@router.get("/v1/compliance/roadmap", response_model=Roadmap)
async def roadmap(request: Request, caller: Reader) -> dict[str, Any]:
    """Progress along the six steps, each with measurable criteria and what is left."""
    return await view_cache(request).get(
        (caller.organisation_id, "roadmap"),
        lambda: _roadmap(request, caller),
        fresh=wants_fresh(request),
    )


async def _roadmap(request: Request, caller: CallerContext) -> dict[str, Any]:
    up = Upstream(request, caller)

    async def systems_and_classifications() -> tuple[
        list[dict[str, Any]] | None, dict[str, dict[str, Any] | None] | None
    ]:
        systems = await up.systems()
        if systems is None:
            return None, None
        active = [s for s in systems if s.get("status", "active") == "active"]
        return systems, await up.classifications(active)

    (
        (systems, classifications),
        evidence,
        soa,
        plans,
        incidents,
        ledger,
        checkpoint,
    ) = await asyncio.gather(
        systems_and_classifications(),
        up.part("evidence", "/v1/evidence", status="current"),
        up.part("evidence", "/v1/controls/statement-of-applicability", format="json"),
        up.part("monitoring", "/v1/monitoring/monitoring-plans"),
        up.part("monitoring", "/v1/monitoring/incidents"),
        # The evidence service's latest full re-hash (scheduled hourly) will do.
        up.part("evidence", "/v1/ledger/verify", max_age_s=LEDGER_VERIFY_MAX_AGE_S),
        up.part("evidence", "/v1/ledger/checkpoints/latest"),
    )
    metrics = compose.roadmap_metrics(
        systems=systems,
        classifications=classifications,
        evidence=evidence,
        soa=soa,
        plans=plans,
        incidents=incidents,
        ledger=ledger,
        checkpoint=checkpoint,
        now=datetime.now(UTC),
    )
    steps = compose.score_roadmap(compose.roadmap_definition(), metrics, up.missing)
    return {"steps": steps, "missing_parts": _missing(up)}


async def _systems_with_classifications(
    up: Upstream,
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    systems = await up.systems()
    if systems is None:
        return []
    active = [s for s in systems if s.get("status", "active") == "active"]
    found = await up.classifications(active) or {}
    return [(s, found.get(str(s.get("id")))) for s in active]


@router.get("/v1/compliance/gaps", response_model=Gaps)
async def gaps(request: Request, caller: Reader) -> dict[str, Any]:
    """Per system and in total: obligations ISO/IEC 42001 covers fully, partly, or not at all
    (CE marking, conformity assessment, EU database registration, notifications, ...)."""
    return await view_cache(request).get(
        (caller.organisation_id, "gaps"),
        lambda: _gaps(request, caller),
        fresh=wants_fresh(request),
    )


async def _gaps(request: Request, caller: CallerContext) -> dict[str, Any]:
    up = Upstream(request, caller)
    pairs = await _systems_with_classifications(up)
    systems = [compose.system_gaps(s, c) for s, c in pairs if c is not None]
    return {
        "systems": systems,
        "totals": compose.gap_totals(systems),
        "missing_parts": _missing(up),
    }


@router.get("/v1/compliance/exposure", response_model=Exposure)
async def exposure(
    request: Request,
    caller: Reader,
    turnover_eur: Annotated[
        float, Query(ge=0, allow_inf_nan=False, description="Total worldwide annual turnover")
    ],
    size: Literal["large", "sme"] = "large",
    as_of: Annotated[date | None, Query(description="Day to judge findings on")] = None,
) -> dict[str, Any]:
    """The maximum Art. 99 fines for the current findings: prohibited practices (Art. 99(3)),
    high-risk obligations without evidence (Art. 99(4))."""
    key = (caller.organisation_id, "exposure", turnover_eur, size, as_of)
    return await view_cache(request).get(
        key,
        lambda: _exposure(request, caller, turnover_eur, size, as_of),
        fresh=wants_fresh(request),
    )


async def _exposure(
    request: Request,
    caller: CallerContext,
    turnover_eur: float,
    size: Literal["large", "sme"],
    as_of: date | None,
) -> dict[str, Any]:
    up = Upstream(request, caller)
    pairs, evidence, penalties = await asyncio.gather(
        _systems_with_classifications(up),
        up.part("evidence", "/v1/evidence", status="current"),
        up.part("classifier", "/v1/penalties"),
    )
    tiers = {str(t["id"]): t for t in penalties or [] if "id" in t}
    findings = compose.exposure_findings(
        pairs,
        evidence,
        tiers,
        turnover_eur=turnover_eur,
        sme=size == "sme",
        as_of=as_of or datetime.now(UTC).date(),
    )
    return {
        "turnover_eur": turnover_eur,
        "size": size,
        "findings": findings,
        "max_exposure_eur": sum(f["max_fine_eur"] for f in findings),
        "basis": EXPOSURE_BASIS,
        "missing_parts": _missing(up),
    }
