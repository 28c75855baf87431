"""Read-only views of the rulebook: version and hash, obligations by role, penalties, facts."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from aigov.classifier.deps import RulebookDep
from aigov.classifier.rulebook.loader import Rulebook
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(tags=["rulebook"], responses=PROBLEM_RESPONSES)

Reader = Annotated[CallerContext, requires("classification:read")]


class RulebookInfo(BaseModel):
    version: str
    content_hash: str
    title: str
    sources: list[str]
    counts: dict[str, int]
    dates: dict[str, date]


def counts(rulebook: Rulebook) -> dict[str, int]:
    files = rulebook.files
    links = [link for o in rulebook.obligations for link in o.get("iso", ())]
    return {
        "scope_exclusions": len(files["scope"]["exclusions"]),
        "prohibitions": len(rulebook.prohibitions),
        "prohibition_exceptions": sum(len(p["exceptions"]) for p in rulebook.prohibitions),
        "annex_i_legislation": len(files["annex_i"]["legislation"]),
        "annex_iii_points": len(rulebook.annex_iii_points),
        "annex_iii_exclusions": sum(len(p["exclusions"]) for p in rulebook.annex_iii_points),
        "art6_3_conditions": len(files["annex_iii"]["derogation"]["conditions"]),
        "transparency_duties": len(files["transparency"]["duties"]),
        "role_shifts": len(files["roles"]["shifts"]),
        "obligations": len(rulebook.obligations),
        "obligations_not_covered_by_iso42001": sum(
            1 for o in rulebook.obligations if o.get("iso_not_covered")
        ),
        "iso42001_links": len(links),
        "iso42001_controls": len(files["iso42001"]["controls"]),
        "penalty_tiers": len(files["penalties"]["tiers"]),
        "facts": len(rulebook.facts),
        "questions": len(rulebook.questions),
    }


@router.get("/v1/rulebook", response_model=RulebookInfo)
async def get_rulebook(rulebook: RulebookDep, caller: Reader) -> RulebookInfo:
    manifest = rulebook.files["manifest"]
    return RulebookInfo(
        version=rulebook.version,
        content_hash=rulebook.content_hash,
        title=manifest["title"],
        sources=manifest["sources"],
        counts=counts(rulebook),
        dates=rulebook.dates,
    )


@router.get("/v1/rulebook/obligations")
async def list_obligations(
    rulebook: RulebookDep,
    caller: Reader,
    role: str | None = None,
    as_of: date | None = None,
    route: Literal["annex_iii", "annex_i_a"] = "annex_iii",
) -> list[dict[str, Any]]:
    """Every obligation with its article, roles, application date and ISO/IEC 42001 links."""
    iso = rulebook.files["iso42001"]
    titles = {**{str(k): v for k, v in iso["clauses"].items()}, **iso["controls"]}
    out: list[dict[str, Any]] = []
    for item in rulebook.obligations:
        if role is not None and role not in item["roles"]:
            continue
        applies_from = item["applies_from"]
        key = applies_from if isinstance(applies_from, str) else applies_from[route]
        start = rulebook.date_of(key)
        entry: dict[str, Any] = {
            "id": item["id"],
            "article": item["article"],
            "title": item["title"],
            "roles": item["roles"],
            "group": item["group"],
            "applies_from": start,
            "iso": [
                {**link, "ref": str(link["ref"]), "title": titles[str(link["ref"])]}
                for link in item.get("iso", ())
            ],
            "iso_not_covered": item.get("iso_not_covered"),
        }
        if as_of is not None:
            entry["applicable"] = start <= as_of
        out.append(entry)
    return out


@router.get("/v1/rulebook/facts")
async def list_facts(rulebook: RulebookDep, caller: Reader) -> dict[str, Any]:
    return rulebook.facts


class PenaltyOut(BaseModel):
    id: str
    reference: str
    title: str
    max_eur: int
    max_turnover_pct: float | None
    rule: str
    maximum_for_turnover_eur: float | None = None


@router.get("/v1/penalties", response_model=list[PenaltyOut])
async def list_penalties(
    rulebook: RulebookDep,
    caller: Reader,
    turnover_eur: Annotated[float | None, Query(ge=0)] = None,
    size: Literal["large", "sme", "smc"] = "large",
) -> list[PenaltyOut]:
    """Fine caps (Arts. 99-101); with a turnover, the cap for this undertaking's size."""
    data = rulebook.files["penalties"]
    out = []
    for tier in data["tiers"]:
        pct = tier["max_turnover_pct"]
        lower = size == "sme" or (size == "smc" and tier.get("smc_lower"))
        if tier.get("union_bodies") or pct is None:
            rule = "fixed maximum"
        elif lower:
            rule = (
                "whichever is lower ("
                + (data["sme"] if size == "sme" else data["smc"])["reference"]
                + ")"
            )
        else:
            rule = "whichever is higher"
        maximum = None
        if turnover_eur is not None:
            if pct is None:
                maximum = float(tier["max_eur"])
            else:
                by_pct = turnover_eur * float(pct) / 100
                maximum = min(by_pct, tier["max_eur"]) if lower else max(by_pct, tier["max_eur"])
        out.append(
            PenaltyOut(
                id=tier["id"],
                reference=tier["reference"],
                title=tier["title"],
                max_eur=tier["max_eur"],
                max_turnover_pct=pct,
                rule=rule,
                maximum_for_turnover_eur=maximum,
            )
        )
    return out
