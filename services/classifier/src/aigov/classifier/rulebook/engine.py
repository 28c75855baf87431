"""The classification engine: the rulebook's rules evaluated over a system's facts.

It builds the outcome stack the Act defines (scope, Art. 5, Art. 6 via Annex I or III with the
Art. 6(3) derogation, Art. 50, GPAI), resolves the organisation's effective roles (Art. 25),
derives the obligations with their dates as of a given day, and records a reasoning trace. Every
article, point, condition and date comes from the rulebook data; this module only knows the shape
of the stack. Deterministic: same facts, rulebook and date give the same result.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from aigov.classifier.rulebook.conditions import (
    FactValue,
    Outcome,
    and_not,
    evaluate,
    referenced_facts,
)
from aigov.classifier.rulebook.loader import Rulebook

RiskTier = Literal["out_of_scope", "prohibited", "high_risk", "limited_risk", "minimal_risk"]
Status = Literal["applies", "does_not_apply", "unknown", "excepted"]


class TraceStep(BaseModel):
    rule: str
    reference: str
    title: str
    result: Status
    facts: dict[str, FactValue] = Field(default_factory=dict)
    note: str | None = None


class Finding(BaseModel):
    id: str
    reference: str
    title: str
    applies_from: date | None = None
    in_force: bool = True
    note: str | None = None


class IsoLink(BaseModel):
    ref: str
    title: str
    relationship: Literal["equal", "subset", "superset", "intersects"]
    coverage: Literal["full", "partial", "none"]
    why: str


class ObligationResult(BaseModel):
    id: str
    article: str
    title: str
    roles: list[str]
    applies_from: date | None
    applicable: bool
    status: Literal["applies", "not_yet_applicable", "suspended"]
    transitional: str | None = None
    note: str | None = None
    iso: list[IsoLink] = Field(default_factory=list)
    iso_coverage: Literal["full", "partial", "none"]
    iso_not_covered: str | None = None


class RoleShift(BaseModel):
    id: str
    reference: str
    title: str
    from_role: str
    becomes: str


class HighRisk(BaseModel):
    route: Literal["annex_i_a", "annex_i_b", "annex_iii"] | None = None
    annex_i_legislation: dict[str, Any] | None = None
    annex_iii_points: list[Finding] = Field(default_factory=list)
    excluded_points: list[Finding] = Field(default_factory=list)
    derogation: list[Finding] = Field(default_factory=list)
    profiling_override: bool = False
    documentation_duty: Finding | None = None


class Gpai(BaseModel):
    model_provider: bool = False
    systemic_risk: bool = False
    open_source_exemption: bool = False
    integrates_gpai_model: bool = False


class ClassificationResult(BaseModel):
    risk_tier: RiskTier
    needs_review: bool
    missing_facts: list[str]
    in_scope: bool
    scope_exclusions: list[Finding] = Field(default_factory=list)
    prohibitions: list[Finding] = Field(default_factory=list)
    # Practices that are prohibited unless an exception whose facts are missing holds.
    possible_prohibitions: list[Finding] = Field(default_factory=list)
    high_risk: HighRisk = Field(default_factory=HighRisk)
    transparency: list[Finding] = Field(default_factory=list)
    gpai: Gpai = Field(default_factory=Gpai)
    declared_roles: list[str] = Field(default_factory=list)
    effective_roles: list[str] = Field(default_factory=list)
    role_shifts: list[RoleShift] = Field(default_factory=list)
    obligations: list[ObligationResult] = Field(default_factory=list)
    trace: list[TraceStep] = Field(default_factory=list)
    legal_basis: list[str] = Field(default_factory=list)
    as_of: date
    rulebook_version: str
    rulebook_hash: str
    facts_hash: str


def facts_hash(facts: Mapping[str, FactValue]) -> str:
    body = json.dumps(dict(sorted(facts.items())), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()


def _status(outcome: Outcome, *, excepted: bool = False) -> Status:
    if outcome.value is None:
        return "unknown"
    if excepted:
        return "excepted"
    return "applies" if outcome.value else "does_not_apply"


class _Run:
    """One evaluation: collects the trace and the missing facts as it goes."""

    def __init__(self, rulebook: Rulebook, facts: Mapping[str, FactValue], as_of: date) -> None:
        self.rb = rulebook
        self.facts: dict[str, FactValue] = {k: v for k, v in facts.items() if v is not None}
        self.as_of = as_of
        self.trace: list[TraceStep] = []
        self.missing: set[str] = set()

    def rule(self, item: Mapping[str, Any], *, exceptions_key: str = "exceptions") -> Outcome:
        """Evaluate ``item['when']`` minus its exceptions; trace it and each exception."""
        when = evaluate(item["when"], self.facts)
        exceptions = []
        lifted: str | None = None
        for exc in item.get(exceptions_key, ()) or ():
            exc_outcome = evaluate(exc["when"], self.facts) if when.value is not False else None
            if exc_outcome is None:
                continue
            exceptions.append(exc_outcome)
            if exc_outcome.value is True:
                lifted = exc["id"]
            self.step(exc, exc_outcome)
        outcome = and_not(when, exceptions)
        self.step(item, outcome, excepted=lifted is not None and when.value is True, note=lifted)
        return outcome

    def step(
        self,
        item: Mapping[str, Any],
        outcome: Outcome,
        *,
        excepted: bool = False,
        note: str | None = None,
        track_missing: bool = True,
    ) -> None:
        condition = item.get("when")
        used = {f: self.facts.get(f) for f in referenced_facts(condition)} if condition else {}
        self.trace.append(
            TraceStep(
                rule=item["id"],
                reference=item["reference"],
                title=item["title"],
                result=_status(outcome, excepted=excepted),
                facts=used,
                note=f"lifted by {note}" if note else None,
            )
        )
        if track_missing and outcome.value is None:
            self.missing |= outcome.missing

    def finding(self, item: Mapping[str, Any]) -> Finding:
        applies_from = self.rb.date_of(item["applies_from"]) if "applies_from" in item else None
        return Finding(
            id=item["id"],
            reference=item["reference"],
            title=item["title"],
            applies_from=applies_from,
            in_force=applies_from is None or applies_from <= self.as_of,
        )


def classify(
    rulebook: Rulebook, facts: Mapping[str, FactValue], *, as_of: date
) -> ClassificationResult:
    run = _Run(rulebook, facts, as_of)
    files = rulebook.files

    # 1. Scope (Art. 2): territorial reach and the absolute exclusions.
    scope = files["scope"]
    territorial = run.rule(scope["territorial"])
    exclusions: list[Finding] = []
    open_source: dict[str, Any] | None = None
    for item in scope["exclusions"]:
        if item.get("unless_outcomes"):
            open_source = item
            continue
        if run.rule(item).value is True:
            exclusions.append(run.finding(item))
    if territorial.value is False or exclusions:
        return _finish(run, tier="out_of_scope", in_scope=False, exclusions=exclusions)

    # 2. Prohibited practices (Art. 5).
    prohibitions: list[Finding] = []
    possible: list[Finding] = []
    for item in files["prohibitions"]["prohibitions"]:
        verdict = run.rule(item).value
        if verdict is True:
            prohibitions.append(run.finding(item))
        elif verdict is None and evaluate(item["when"], run.facts).value is True:
            possible.append(run.finding(item))  # only an exception is still unknown
    prohibited_now = any(p.in_force for p in prohibitions)

    # 3. High-risk: Art. 6(1) / Annex I, then Art. 6(2) / Annex III with the Art. 6(3) derogation.
    high = HighRisk()
    annex_i = files["annex_i"]
    # An exclusion or exception whose facts are missing does not lower the outcome: the system
    # stays high-risk (conservatively) and the missing facts say what would change it.
    route_when = evaluate(annex_i["route"]["when"], run.facts).value
    if run.rule(annex_i["route"]).value is not False and route_when is True:
        legislation = rulebook.legislation(str(run.facts["annex_i.legislation"])) or {}
        high.annex_i_legislation = legislation
        high.route = "annex_i_a" if legislation.get("section") == "A" else "annex_i_b"
    annex_iii = files["annex_iii"]
    for point in annex_iii["points"]:
        when = evaluate(point["when"], run.facts)
        outcome = run.rule(point, exceptions_key="exclusions")
        if outcome.value is True:
            high.annex_iii_points.append(_point(point))
        elif when.value is True and outcome.value is None:
            pending = _point(point)
            pending.note = "an exclusion is not yet ruled out: " + ", ".join(
                sorted(outcome.missing)
            )
            high.annex_iii_points.append(pending)
        elif when.value is True and outcome.value is False:
            high.excluded_points.append(_point(point))
    derogation_applies = False
    if high.annex_iii_points:
        derogation = annex_iii["derogation"]
        conditions = [run.rule(c) for c in derogation["conditions"]]
        met = [c for c, o in zip(derogation["conditions"], conditions, strict=True) if o.value]
        any_condition = Outcome(True) if met else _any(conditions)
        override = run.rule(derogation["override"])
        if any_condition.value is None:
            run.missing |= any_condition.missing
        if any_condition.value is True:
            if override.value is True:
                high.profiling_override = True
            elif override.value is False:
                derogation_applies = True
                high.derogation = [run.finding(c) for c in met]
                duty = derogation["documentation_duty"]
                high.documentation_duty = run.finding(duty)
        else:
            run.missing -= override.missing  # profiling matters only if a condition holds
        if not derogation_applies and high.route is None:
            high.route = "annex_iii"
    is_high_risk = high.route is not None

    # 4. Transparency duties (Art. 50).
    transparency: list[Finding] = []
    for duty in files["transparency"]["duties"]:
        if run.rule(duty).value is True:
            finding = run.finding(duty)
            finding.id = duty["id"]
            transparency.append(finding)

    # 5. General-purpose AI models (Chapter V).
    gpai_rules = files["gpai"]
    gpai = Gpai(integrates_gpai_model=run.facts.get("system.integrates_gpai_model") is True)
    if run.rule(gpai_rules["model"]).value is True:
        gpai.model_provider = True
        gpai.systemic_risk = run.rule(gpai_rules["systemic_risk"]).value is True
        oss = run.rule(gpai_rules["open_source_exemption"]).value is True
        gpai.open_source_exemption = oss and not gpai.systemic_risk

    # 6. The open-source exclusion (Art. 2(12)) yields to high-risk, Art. 5 and Art. 50.
    if open_source is not None:
        lifted_by = {
            "prohibited": bool(prohibitions),
            "high_risk": is_high_risk,
            "transparency": bool(transparency),
            "gpai_model": gpai.model_provider,
        }
        if not any(lifted_by[o] for o in open_source["unless_outcomes"]):
            if run.rule(open_source).value is True:
                exclusions.append(run.finding(open_source))
                return _finish(run, tier="out_of_scope", in_scope=False, exclusions=exclusions)

    if prohibited_now:
        tier: RiskTier = "prohibited"
    elif is_high_risk:
        tier = "high_risk"
    elif transparency:
        tier = "limited_risk"
    else:
        tier = "minimal_risk"
    return _finish(
        run,
        tier=tier,
        in_scope=True,
        exclusions=exclusions,
        prohibitions=prohibitions,
        possible=possible,
        high=high,
        derogation=derogation_applies,
        transparency=transparency,
        gpai=gpai,
    )


def _any(outcomes: list[Outcome]) -> Outcome:
    if any(o.value is True for o in outcomes):
        return Outcome(True)
    unknown = [o for o in outcomes if o.value is None]
    if unknown:
        return Outcome(None, set().union(*(o.missing for o in unknown)))
    return Outcome(False)


def _point(point: Mapping[str, Any]) -> Finding:
    return Finding(id=point["point"], reference=point["reference"], title=point["title"])


def _finish(
    run: _Run,
    *,
    tier: RiskTier,
    in_scope: bool,
    exclusions: list[Finding],
    prohibitions: list[Finding] | None = None,
    possible: list[Finding] | None = None,
    high: HighRisk | None = None,
    derogation: bool = False,
    transparency: list[Finding] | None = None,
    gpai: Gpai | None = None,
) -> ClassificationResult:
    rb = run.rb
    high = high or HighRisk()
    gpai = gpai or Gpai()
    prohibitions = prohibitions or []
    transparency = transparency or []
    declared = run.facts.get("org.roles")
    declared_roles = sorted(declared) if isinstance(declared, list) else []
    if in_scope and not declared_roles:
        run.missing.add("org.roles")
    derived: dict[str, FactValue] = {
        "outcome.in_scope": in_scope,
        "outcome.prohibited": bool(prohibitions),
        "outcome.high_risk": high.route is not None,
        "outcome.high_risk_route": high.route or "none",
        "outcome.annex_iii_points": [] if derogation else [p.id for p in high.annex_iii_points],
        "outcome.derogation": derogation,
        "outcome.art50": [_paragraph_key(rb, t.id) for t in transparency],
        "outcome.gpai": gpai.model_provider,
        "outcome.gpai_systemic": gpai.systemic_risk,
    }
    facts = {**run.facts, **derived}

    # Art. 25: other operators treated as the provider.
    effective = set(declared_roles)
    shifts: list[RoleShift] = []
    if in_scope:
        for shift in rb.files["roles"]["shifts"]:
            holders = [r for r in shift["from_roles"] if r in declared_roles]
            if not holders:
                continue
            outcome = evaluate(shift["when"], facts)
            run.step(shift, outcome)
            if outcome.value is True:
                effective.add(shift["becomes"])
                shifts.append(
                    RoleShift(
                        id=shift["id"],
                        reference=shift["reference"],
                        title=shift["title"],
                        from_role=holders[0],
                        becomes=shift["becomes"],
                    )
                )
    facts["outcome.roles"] = sorted(effective)

    obligations = _obligations(run, facts, effective, high) if in_scope else []
    derived_ids = {k for k, v in rb.facts.items() if v.get("derived")}
    order = {q["fact"]: i for i, q in enumerate(rb.questions)}
    missing = sorted(run.missing - derived_ids, key=lambda f: (order.get(f, len(order)), f))
    legal_basis = [e.reference for e in exclusions]
    legal_basis += [p.reference for p in prohibitions]
    if high.route in ("annex_i_a", "annex_i_b") and high.annex_i_legislation:
        leg = high.annex_i_legislation
        legal_basis.append(
            f"Art. 6(1); Annex I Section {leg['section']} point {leg['point']} ({leg['act']})"
        )
    legal_basis += [f"Art. 6(2); {p.reference}" for p in high.annex_iii_points]
    if high.documentation_duty:
        legal_basis += [d.reference for d in high.derogation] + [high.documentation_duty.reference]
    legal_basis += [t.reference for t in transparency]
    if gpai.model_provider:
        legal_basis.append("Art. 51(1), 52 (systemic risk)" if gpai.systemic_risk else "Art. 53")
    return ClassificationResult(
        risk_tier=tier,
        needs_review=bool(missing),
        missing_facts=missing,
        in_scope=in_scope,
        scope_exclusions=exclusions,
        prohibitions=prohibitions,
        possible_prohibitions=possible or [],
        high_risk=high,
        transparency=transparency,
        gpai=gpai,
        declared_roles=declared_roles,
        effective_roles=sorted(effective),
        role_shifts=shifts,
        obligations=obligations,
        trace=run.trace,
        legal_basis=legal_basis,
        as_of=run.as_of,
        rulebook_version=rb.version,
        rulebook_hash=rb.content_hash,
        facts_hash=facts_hash(run.facts),
    )


def _paragraph_key(rb: Rulebook, duty_id: str) -> str:
    """How obligations name an Art. 50 duty: its paragraph, plus the subject for 50(4)."""
    duty = next(d for d in rb.files["transparency"]["duties"] if d["id"] == duty_id)
    paragraph = str(duty["paragraph"])
    if duty_id.startswith("art50_4_"):
        return f"{paragraph} {duty_id.removeprefix('art50_4_').replace('_', ' ')}"
    return paragraph


def _obligations(
    run: _Run, facts: dict[str, FactValue], roles: set[str], high: HighRisk
) -> list[ObligationResult]:
    rb = run.rb
    iso = rb.files["iso42001"]
    titles = {**{str(k): v for k, v in iso["clauses"].items()}, **iso["controls"]}
    # Transitional rules depend on the facts only: evaluate each once, not per obligation.
    transitional = [
        (rule, evaluate(rule["when"], facts)) for rule in rb.files["timeline"]["transitional"]
    ]
    results: list[ObligationResult] = []
    for item in rb.obligations:
        holders = sorted(set(item["roles"]) & roles)
        if not holders:
            continue
        outcome = evaluate(item["when"], facts)
        if outcome.value is None:
            run.missing |= outcome.missing
        if outcome.value is not True:
            continue
        start = _start_date(rb, item["applies_from"], high.route)
        status: Literal["applies", "not_yet_applicable", "suspended"] = "applies"
        transitional_note: str | None = None
        for rule, verdict in transitional:
            if rule["applies_to_group"] != item["group"]:
                continue
            if verdict.value is None:
                run.missing |= verdict.missing
                continue
            if verdict.value is True:
                effect = rule["effect"]
                transitional_note = f"{rule['reference']}: {rule['title']}"
                if "date" in effect:
                    start = rb.date_of(effect["date"])
                else:
                    status = "suspended"
                break
        applicable = status == "applies" and start is not None and start <= run.as_of
        if status == "applies" and not applicable:
            status = "not_yet_applicable"
        links = [
            IsoLink(
                ref=str(link["ref"]),
                title=titles[str(link["ref"])],
                relationship=link["relationship"],
                coverage=link["coverage"],
                why=link["why"],
            )
            for link in item.get("iso", ())
        ]
        results.append(
            ObligationResult(
                id=item["id"],
                article=item["article"],
                title=item["title"],
                roles=holders,
                applies_from=start,
                applicable=applicable,
                status=status,
                transitional=transitional_note,
                note=item.get("note"),
                iso=links,
                iso_coverage=_coverage(links),
                iso_not_covered=item.get("iso_not_covered"),
            )
        )
    return results


def _start_date(rb: Rulebook, applies_from: str | Mapping[str, str], route: str | None) -> date:
    if isinstance(applies_from, str):
        return rb.date_of(applies_from)
    key = applies_from.get(route or "annex_iii") or next(iter(applies_from.values()))
    return rb.date_of(key)


def _coverage(links: list[IsoLink]) -> Literal["full", "partial", "none"]:
    """Coverage of one obligation from all the ISO elements that touch it."""
    levels = {link.coverage for link in links}
    if "full" in levels:
        return "full"
    if "partial" in levels:
        return "partial"
    return "none"
