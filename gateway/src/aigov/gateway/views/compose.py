"""Pure composition of the aggregated views: no I/O, plain dicts in (the services' JSON), plain
dicts out. Every rule that decides a status, a match, a score or a fine lives here, unit-tested.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Any

Json = dict[str, Any]
Ref = tuple[str, ...]

# --- EU AI Act references ------------------------------------------------------------------

_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_ART = re.compile(
    r"^(?:articles?|arts?)\.?\s*(\d+)\s*(?:-\s*(\d+))?\s*((?:\([0-9a-z]+\))*)"
    r"(?:\s*-\s*\((\d+)\))?",
    re.IGNORECASE,
)
_ANNEX = re.compile(
    r"^annex(?:es)?\s+([IVXLC]+)\b(?:\s*-\s*([IVXLC]+)\b)?"
    r"(?:,?\s+(?:point|section)\s+([0-9A-Za-z]+)((?:\([0-9a-z]+\))*))?",
    re.IGNORECASE,
)
_CONTINUATION = re.compile(r"^((?:\([0-9a-z]+\))+)(?:\s*-\s*\((\d+)\))?")
_PARENS = re.compile(r"\(([0-9a-z]+)\)", re.IGNORECASE)


def _roman(text: str) -> int:
    total = 0
    values = [_ROMAN[c] for c in text.upper()]
    for i, value in enumerate(values):
        total += -value if i + 1 < len(values) and values[i + 1] > value else value
    return total


def _to_roman(number: int) -> str:
    out = ""
    for value, numeral in (
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while number >= value:
            out, number = out + numeral, number - value
    return out


def _paragraphs(text: str) -> list[str]:
    return [p.lower() for p in _PARENS.findall(text or "")]


def _expand(base: Ref, parts: list[str], upto: str | None) -> list[Ref]:
    """``Art. 22(3)-(4)``: a numeric range in the last paragraph gives one reference each."""
    if upto is not None and parts and parts[-1].isdigit() and int(upto) >= int(parts[-1]):
        return [(*base, *parts[:-1], str(n)) for n in range(int(parts[-1]), int(upto) + 1)]
    return [(*base, *parts)]


def parse_references(text: str) -> list[Ref]:
    """EU AI Act references in a text, normalised (see :func:`_parse_references`)."""
    return list(_parse_references(text))


@lru_cache(maxsize=4096)
def _parse_references(text: str) -> tuple[Ref, ...]:
    """EU AI Act references in a text, normalised to tuples: ``Art. 9(2)`` and ``Article 9(2)``
    -> ``("art", "9", "2")``; ``Annex III point 4(a)`` -> ``("annex", "III", "4", "a")``.

    Lists (``Art. 26(1), (3)``; ``Art. 16(i), Art. 49(1), Annex VIII Section A``) and ranges
    (``Arts. 102-112``, ``Annexes VI-VII``, ``Art. 22(3)-(4)``) give several references;
    qualifiers (``as amended``, ``first subparagraph``) are ignored.
    """
    refs: list[Ref] = []
    article: str | None = None
    for raw in re.split(r"[;,]", text):
        segment = raw.strip()
        if not segment:
            continue
        if match := _ART.match(segment):
            first, last, parens, upto = match.groups()
            numbers = range(int(first), int(last) + 1) if last else [int(first)]
            for number in numbers:
                refs.extend(_expand(("art", str(number)), _paragraphs(parens), upto))
            article = str(int(first)) if not last else None
        elif match := _ANNEX.match(segment):
            first, last, point, parens = match.groups()
            if last:
                refs.extend(("annex", _to_roman(n)) for n in range(_roman(first), _roman(last) + 1))
            else:
                sub = (point.upper() if point.isalpha() else point,) if point else ()
                refs.append(("annex", first.upper(), *sub, *_paragraphs(parens)))
            article = None
        elif article is not None and (match := _CONTINUATION.match(segment)):
            parens, upto = match.groups()
            refs.extend(_expand(("art", article), _paragraphs(parens), upto))
    return tuple(refs)


def falls_under(provision: Ref, article: Ref) -> bool:
    """``Art. 9(2)`` falls under ``Art. 9``; ``Art. 9`` does not fall under ``Art. 9(2)``."""
    return len(provision) >= len(article) and provision[: len(article)] == article


def supports(evidence: Mapping[str, Any], obligation: Mapping[str, Any]) -> bool:
    """The matching rule: an evidence item supports an obligation when one of its EU AI Act
    provisions equals or falls under one of the references of the obligation's article, or when
    the obligation names evidence kinds (``evidence_kinds``) and the item is of one of them."""
    kinds = obligation.get("evidence_kinds") or ()
    if evidence.get("kind") in kinds:
        return True
    targets = _parse_references(str(obligation.get("article") or ""))
    for provision in evidence.get("provisions") or ():
        for ref in _parse_references(str(provision)):
            if any(falls_under(ref, target) for target in targets):
                return True
    return False


# --- dates ----------------------------------------------------------------------------------


def as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value)
    try:
        return (
            datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            if "T" in text
            else date.fromisoformat(text[:10])
        )
    except ValueError:
        return None


def as_datetime(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def evidence_is_current(item: Mapping[str, Any], as_of: date) -> bool:
    """Current: not superseded or tombstoned, not past ``valid_until`` nor ``next_review``."""
    if item.get("status", "current") != "current":
        return False
    for key in ("next_review", "valid_until"):
        when = as_date(item.get(key))
        if when is not None and when < as_of:
            return False
    return True


# --- the compliance view ---------------------------------------------------------------------


def obligation_status(
    obligation: Mapping[str, Any], evidence: Sequence[Mapping[str, Any]], as_of: date
) -> str:
    """``not_yet_applicable`` before its date (or while suspended); else ``evidence_current``
    when a supporting item is current, ``review_overdue`` when supporting items exist but all
    are past review or validity, ``evidence_missing`` when none supports it."""
    return _status(obligation, [e for e in evidence if supports(e, obligation)], as_of)


def _status(
    obligation: Mapping[str, Any], matching: Sequence[Mapping[str, Any]], as_of: date
) -> str:
    starts = as_date(obligation.get("applies_from"))
    if (starts is not None and starts > as_of) or obligation.get("status") == "suspended":
        return "not_yet_applicable"
    if starts is None and obligation.get("applicable") is False:
        return "not_yet_applicable"
    if not matching:
        return "evidence_missing"
    if any(evidence_is_current(e, as_of) for e in matching):
        return "evidence_current"
    return "review_overdue"


def compose_obligations(
    obligations: Sequence[Mapping[str, Any]], evidence: Sequence[Mapping[str, Any]], as_of: date
) -> list[Json]:
    out = []
    for ob in obligations:
        starts = as_date(ob.get("applies_from"))
        matching = [e for e in evidence if supports(e, ob)]
        out.append(
            {
                "id": ob.get("id"),
                "article": ob.get("article"),
                "title": ob.get("title"),
                "roles": list(ob.get("roles") or []),
                "applies_from": starts,
                "applicable": starts <= as_of if starts else bool(ob.get("applicable")),
                "status": _status(ob, matching, as_of),
                "evidence": [
                    {
                        "id": str(e.get("id")),
                        "title": e.get("title"),
                        "kind": e.get("kind"),
                        "next_review": as_date(e.get("next_review")),
                    }
                    for e in matching
                ],
                "iso_coverage": ob.get("iso_coverage"),
                "iso_not_covered": ob.get("iso_not_covered"),
            }
        )
    return out


def relevant_evidence(
    items: Iterable[Mapping[str, Any]], system_id: str
) -> list[Mapping[str, Any]]:
    """The system's own items and the organisation-wide ones (no ``system_id``)."""
    return [
        i
        for i in items
        if i.get("status", "current") == "current"
        and (i.get("system_id") is None or str(i.get("system_id")) == system_id)
    ]


def compose_classification(record: Mapping[str, Any] | None) -> Json | None:
    if not record:
        return None
    result = record.get("result") or {}
    return {
        "risk_tier": result.get("risk_tier"),
        "legal_basis": list(result.get("legal_basis") or []),
        "needs_review": bool(result.get("needs_review")),
        "missing_facts": list(result.get("missing_facts") or []),
        "version": record.get("version"),
        "rulebook_version": result.get("rulebook_version"),
        "transparency": list(result.get("transparency") or []),
        "high_risk": dict(result.get("high_risk") or {}),
    }


def compose_incidents(incidents: Iterable[Mapping[str, Any]], now: datetime) -> list[Json]:
    """Open incidents (not closed), with their running Art. 73 deadline."""
    out = []
    for inc in incidents:
        if inc.get("status") == "closed":
            continue
        clock = inc.get("reporting_clock") or {}
        deadline = as_datetime(clock.get("deadline_at"))
        left = clock.get("seconds_left")
        if left is None and deadline is not None and clock.get("state") != "reported":
            left = (deadline - now).total_seconds()
        out.append(
            {
                "id": str(inc.get("id")),
                "title": inc.get("title"),
                "severity": inc.get("severity"),
                "status": inc.get("status"),
                "serious": bool(inc.get("serious")),
                "deadline": deadline,
                "seconds_left": left,
            }
        )
    return out


def compose_drift(runs: Sequence[Mapping[str, Any]] | None) -> Json | None:
    """The latest drift run that had enough data: ``drifted`` or ``ok``; else ``no_data``."""
    if runs is None:
        return None
    drift = [r for r in runs if r.get("kind", "drift") == "drift"]
    drift.sort(key=lambda r: str(r.get("created_at") or ""), reverse=True)
    for run in drift:
        summary = run.get("summary") or {}
        if summary.get("status", run.get("status")) != "ok":
            continue
        return {
            "status": "drifted" if summary.get("dataset_drift") else "ok",
            "share_drifted": summary.get("drifted_share"),
            "last_run_at": as_datetime(run.get("created_at")),
        }
    return {"status": "no_data", "share_drifted": None, "last_run_at": None}


def next_dates(
    *,
    obligations: Sequence[Mapping[str, Any]],
    evidence: Sequence[Mapping[str, Any]],
    incidents: Sequence[Mapping[str, Any]],
    plan: Mapping[str, Any] | None,
    as_of: date,
) -> list[Json]:
    """Dates after ``as_of`` that matter: obligations starting, evidence reviews and validity
    ends, Art. 73 reporting deadlines, the monitoring plan's next review. Ascending."""
    out: list[Json] = []
    starting: dict[date, list[str]] = {}
    for ob in obligations:
        starts = as_date(ob.get("applies_from"))
        if starts is not None and starts > as_of:
            starting.setdefault(starts, []).append(str(ob.get("article")))
    for when, articles in starting.items():
        out.append(
            {
                "date": when,
                "what": f"{len(articles)} obligation(s) start to apply",
                "ref": "; ".join(sorted(set(articles))),
            }
        )
    for item in evidence:
        for key, label in (("next_review", "review due"), ("valid_until", "validity ends")):
            due = as_date(item.get(key))
            if due is not None and due > as_of:
                provisions = ", ".join(item.get("provisions") or []) or "ISO/IEC 42001 7.5.3"
                out.append(
                    {"date": due, "what": f"{label}: {item.get('title')}", "ref": provisions}
                )
    for inc in incidents:
        reporting = as_date(inc.get("deadline"))
        if reporting is not None and reporting >= as_of and (inc.get("seconds_left") or 0) > 0:
            out.append(
                {
                    "date": reporting,
                    "what": f"serious incident report due: {inc.get('title')}",
                    "ref": "Art. 73",
                }
            )
    if plan is not None:
        review = as_date(plan.get("next_review_due"))
        if review is not None and review > as_of:
            out.append(
                {"date": review, "what": "post-market monitoring plan review", "ref": "Art. 72"}
            )
    out.sort(key=lambda d: (d["date"], d["what"]))
    return out


# --- gaps -----------------------------------------------------------------------------------


def system_gaps(system: Mapping[str, Any], classification: Mapping[str, Any] | None) -> Json:
    """Where ISO/IEC 42001 covers the system's obligations (full, partial) and where it cannot."""
    result = (classification or {}).get("result") or {}
    obligations = result.get("obligations") or []
    counts = {"full": 0, "partial": 0, "none": 0}
    not_covered = []
    for ob in obligations:
        coverage = ob.get("iso_coverage") or "none"
        counts[coverage if coverage in counts else "none"] += 1
        if coverage == "none" or ob.get("iso_not_covered"):
            not_covered.append(
                {
                    "obligation_id": ob.get("id"),
                    "article": ob.get("article"),
                    "title": ob.get("title"),
                    "why": ob.get("iso_not_covered")
                    or "no ISO/IEC 42001 clause or control covers it",
                }
            )
    return {
        "system_id": str(system.get("id")),
        "name": system.get("name"),
        "risk_tier": result.get("risk_tier") or system.get("risk_tier"),
        "obligations": len(obligations),
        "iso_full": counts["full"],
        "iso_partial": counts["partial"],
        "iso_none": counts["none"],
        "not_covered": not_covered,
    }


def gap_totals(systems: Sequence[Mapping[str, Any]]) -> Json:
    return {
        key: sum(int(s[key]) for s in systems)
        for key in ("obligations", "iso_full", "iso_partial", "iso_none")
    }


# --- exposure (Art. 99) -----------------------------------------------------------------------


def max_fine(
    *, max_eur: float, max_turnover_pct: float | None, turnover_eur: float, sme: bool
) -> float:
    """Art. 99(3)-(5): up to the fixed amount or the percentage of total worldwide annual
    turnover, whichever is HIGHER; for SMEs and start-ups whichever is LOWER (Art. 99(6))."""
    if max_turnover_pct is None:
        return float(max_eur)
    by_turnover = turnover_eur * float(max_turnover_pct) / 100
    return float(min(max_eur, by_turnover) if sme else max(max_eur, by_turnover))


def exposure_findings(
    systems: Sequence[tuple[Mapping[str, Any], Mapping[str, Any] | None]],
    evidence: Sequence[Mapping[str, Any]] | None,
    tiers: Mapping[str, Mapping[str, Any]],
    *,
    turnover_eur: float,
    sme: bool,
    as_of: date,
) -> list[Json]:
    """One finding per system and Art. 99 tier: a prohibited practice (Art. 99(3)); applicable
    high-risk obligations without evidence (Art. 99(4)); not judged when ``evidence`` is None
    (the evidence service did not answer)."""
    findings: list[Json] = []

    def fine(tier_id: str) -> float:
        tier = tiers[tier_id]
        return max_fine(
            max_eur=float(tier["max_eur"]),
            max_turnover_pct=tier.get("max_turnover_pct"),
            turnover_eur=turnover_eur,
            sme=sme,
        )

    for system, record in systems:
        result = (record or {}).get("result") or {}
        sid, name = str(system.get("id")), system.get("name")
        tier_name = result.get("risk_tier")
        if tier_name == "prohibited" and "art99_3" in tiers:
            practices = ", ".join(p.get("reference", "") for p in result.get("prohibitions") or [])
            findings.append(
                {
                    "system_id": sid,
                    "name": name,
                    "finding": "prohibited AI practice" + (f" ({practices})" if practices else ""),
                    "article": tiers["art99_3"].get("reference", "Art. 99(3)"),
                    "max_fine_eur": fine("art99_3"),
                }
            )
        if tier_name == "high_risk" and "art99_4" in tiers and evidence is not None:
            own = relevant_evidence(evidence, sid)
            missing = [
                ob
                for ob in result.get("obligations") or []
                if obligation_status(ob, own, as_of) == "evidence_missing"
            ]
            if missing:
                articles = "; ".join(str(ob.get("article")) for ob in missing)
                findings.append(
                    {
                        "system_id": sid,
                        "name": name,
                        "finding": f"{len(missing)} applicable high-risk obligation(s) without "
                        f"evidence: {articles}",
                        "article": tiers["art99_4"].get("reference", "Art. 99(4)"),
                        "max_fine_eur": fine("art99_4"),
                    }
                )
    return findings


# --- roadmap --------------------------------------------------------------------------------


@cache
def roadmap_definition() -> Json:
    text = resources.files("aigov.gateway.views").joinpath("data/roadmap.json").read_text()
    data: Json = json.loads(text)
    return data


def _share(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def roadmap_metrics(
    *,
    systems: Sequence[Mapping[str, Any]] | None,
    classifications: Mapping[str, Mapping[str, Any] | None] | None,
    evidence: Sequence[Mapping[str, Any]] | None,
    soa: Mapping[str, Any] | None,
    plans: Sequence[Mapping[str, Any]] | None,
    incidents: Sequence[Mapping[str, Any]] | None,
    ledger: Mapping[str, Any] | None,
    checkpoint: Mapping[str, Any] | None,
    now: datetime,
) -> dict[str, Any]:
    """Every metric a roadmap criterion can read. ``None`` inputs are parts that did not answer;
    a metric with nothing to measure is ``None`` (the criterion's ``empty`` value applies)."""
    today = now.date()
    m: dict[str, Any] = {}
    active = [s for s in systems or [] if s.get("status", "active") == "active"]
    if systems is not None:
        m["systems"] = len(active)
    if systems is not None and classifications is not None:
        classified = [s for s in active if classifications.get(str(s.get("id")))]
        settled = [
            s
            for s in classified
            if not ((classifications[str(s.get("id"))] or {}).get("result") or {}).get(
                "needs_review"
            )
        ]
        m["share_classified"] = _share(len(classified), len(active))
        m["share_classified_settled"] = _share(len(settled), len(active))
    if evidence is not None:
        current = [e for e in evidence if e.get("status", "current") == "current"]
        m["policies"] = sum(1 for e in current if e.get("kind") == "policy")
        reviewed = [e for e in current if evidence_is_current(e, today)]
        m["share_evidence_reviewed"] = _share(len(reviewed), len(current))
        year_ago = now - timedelta(days=365)

        def recent(kind: str) -> int:
            return sum(
                1
                for e in current
                if e.get("kind") == kind
                and (as_datetime(e.get("valid_from")) or as_datetime(e.get("created_at")) or now)
                >= year_ago
            )

        m["management_reviews_12m"] = recent("management_review_minutes")
        m["internal_audits_12m"] = recent("audit_report")
    if soa is not None:
        controls = soa.get("controls") or []
        clauses = [c for c in controls if c.get("kind") == "clause"]
        m["share_clauses_with_evidence"] = _share(
            sum(1 for c in clauses if c.get("evidence")), len(clauses)
        )
        summary = soa.get("summary") or {}
        annex = [c for c in controls if c.get("kind") == "annex_a"]
        undecided = int(summary.get("undecided", 0))
        m["share_soa_decided"] = _share(max(len(annex) - undecided, 0), len(annex))
    if systems is not None and classifications is not None and evidence is not None:
        statuses = []
        for s in active:
            record = classifications.get(str(s.get("id"))) or {}
            result = record.get("result") or {}
            if result.get("risk_tier") != "high_risk":
                continue
            own = relevant_evidence(evidence, str(s.get("id")))
            statuses += [
                obligation_status(ob, own, today) for ob in result.get("obligations") or []
            ]
        applicable = [st for st in statuses if st != "not_yet_applicable"]
        m["share_high_risk_obligations_current"] = _share(
            applicable.count("evidence_current"), len(applicable)
        )
        m["high_risk_obligations_overdue"] = applicable.count("review_overdue")
    if plans is not None:
        required = [p for p in plans if p.get("required")]
        m["share_pmm_executed"] = _share(
            sum(1 for p in required if p.get("executed")), len(required)
        )
    if incidents is not None:
        m["deadlines_missed"] = sum(
            1 for i in incidents if (i.get("reporting_clock") or {}).get("state") == "missed"
        )
        closed = [i for i in incidents if i.get("status") == "closed"]
        m["share_closed_incidents_corrected"] = _share(
            sum(1 for i in closed if (i.get("corrective_action") or "").strip()), len(closed)
        )
    if ledger is not None:
        m["ledger_valid"] = bool(ledger.get("valid"))
        issued = as_datetime((checkpoint or {}).get("issued_at"))
        # No checkpoint yet: infinitely old, never within the target.
        m["checkpoint_age_hours"] = (
            round((now - issued).total_seconds() / 3600, 2) if issued else float("inf")
        )
    return m


def _met(value: Any, op: str, target: Any) -> bool:
    if value is None:
        return False
    if op == "gte":
        return bool(value >= target)
    if op == "lte":
        return bool(value <= target)
    return bool(value == target)


def _credit(value: Any, op: str, target: Any) -> float:
    """Partial credit for ``gte`` shares and counts; all or nothing otherwise."""
    if value is None:
        return 0.0
    if op == "gte" and isinstance(value, int | float) and not isinstance(value, bool):
        return 1.0 if target <= 0 else max(0.0, min(1.0, float(value) / float(target)))
    return 1.0 if _met(value, op, target) else 0.0


def _show(value: Any) -> str:
    if isinstance(value, float) and value == float("inf"):
        return "none yet"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def score_roadmap(
    definition: Mapping[str, Any], metrics: Mapping[str, Any], missing: Iterable[str]
) -> list[Json]:
    """Each step's criteria against the metrics; progress is the mean partial credit."""
    down = set(missing)
    steps = []
    for step in definition["steps"]:
        criteria, remaining, credit = [], [], 0.0
        for c in step["criteria"]:
            unknown = [s for s in c.get("sources", []) if s in down]
            value = None if unknown else metrics.get(c["metric"])
            if value is None and not unknown:
                value = c.get("empty")
            if isinstance(value, float) and value == float("inf"):
                shown: Any = None
            else:
                shown = value
            met = _met(value, c["op"], c["target"])
            credit += _credit(value, c["op"], c["target"])
            criteria.append(
                {
                    "name": c["name"],
                    "met": met,
                    "value": shown,
                    "target": c["target"],
                    "ref": c.get("ref"),
                }
            )
            if unknown:
                remaining.append(f"{c['name']}: unknown, {', '.join(unknown)} did not answer")
            elif not met:
                remaining.append(
                    f"{c['name']}: {_show(value)} (target {c['op']} {c['target']}; {c.get('ref')})"
                )
        steps.append(
            {
                "id": step["id"],
                "title": step["title"],
                "progress": round(credit / len(step["criteria"]), 4) if step["criteria"] else 1.0,
                "criteria": criteria,
                "remaining": remaining,
            }
        )
    return steps
