"""The pure functions behind the aggregated views: reference matching, obligation status,
roadmap scoring, Art. 99 arithmetic, gaps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from aigov.gateway.views import compose

AS_OF = date(2026, 11, 27)
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def ob(article: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "o",
        "article": article,
        "title": "t",
        "roles": ["provider"],
        "applies_from": "2026-08-02",
        "applicable": True,
        "status": "applies",
        "iso_coverage": "partial",
        "iso_not_covered": None,
    } | extra


def item(*provisions: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "e1",
        "title": "doc",
        "kind": "risk_assessment",
        "status": "current",
        "system_id": None,
        "provisions": list(provisions),
    } | extra


@pytest.mark.parametrize(
    ("text", "refs"),
    [
        ("Art. 9", [("art", "9")]),
        ("Article 9", [("art", "9")]),
        ("Art. 9(2)", [("art", "9", "2")]),
        ("Art. 26(1), (3)", [("art", "26", "1"), ("art", "26", "3")]),
        ("Art. 22(3)-(4)", [("art", "22", "3"), ("art", "22", "4")]),
        ("Art. 4 (as amended by Reg. (EU) 2026/1744)", [("art", "4")]),
        ("Annex III point 4(a)", [("annex", "III", "4", "a")]),
        (
            "Art. 16(i), Art. 49(1), Annex VIII Section A",
            [("art", "16", "i"), ("art", "49", "1"), ("annex", "VIII", "A")],
        ),
        (
            "Art. 16(f), Art. 43, Annexes VI-VII",
            [("art", "16", "f"), ("art", "43"), ("annex", "VI"), ("annex", "VII")],
        ),
        ("Arts. 102-104", [("art", "102"), ("art", "103"), ("art", "104")]),
    ],
)
def test_references_are_normalised(text: str, refs: list[tuple[str, ...]]) -> None:
    assert compose.parse_references(text) == refs


@pytest.mark.parametrize(
    ("provision", "article", "expected"),
    [
        ("Art. 9", "Art. 9", True),
        ("Art. 9(2)", "Art. 9", True),
        ("Article 9(2)(a)", "Art. 9", True),
        ("Art. 9", "Art. 9(2)", False),  # broader than the duty: does not prove it
        ("Art. 90", "Art. 9", False),  # a prefix of digits is not a sub-provision
        ("Art. 10", "Art. 9", False),
        ("Art. 26(3)", "Art. 26(1), (3)", True),
        ("Art. 26(2)", "Art. 26(1), (3)", False),
        ("Annex IV point 2", "Art. 11, Annex IV", True),
        ("Annex VIII Section A", "Art. 16(i), Art. 49(1), Annex VIII Section A", True),
        ("Annex VIII Section B", "Art. 16(i), Art. 49(1), Annex VIII Section A", False),
    ],
)
def test_matching_rule(provision: str, article: str, expected: bool) -> None:
    assert compose.supports(item(provision), ob(article)) is expected


def test_evidence_kinds_named_by_the_obligation_also_match() -> None:
    obligation = ob("Art. 17", evidence_kinds=["qms_documentation"])
    assert compose.supports(item(kind="qms_documentation"), obligation)
    assert not compose.supports(item(kind="policy"), obligation)


def test_status_per_obligation() -> None:
    art9 = ob("Art. 9")
    assert compose.obligation_status(art9, [], AS_OF) == "evidence_missing"
    assert compose.obligation_status(art9, [item("Art. 10")], AS_OF) == "evidence_missing"
    assert compose.obligation_status(art9, [item("Art. 9(1)")], AS_OF) == "evidence_current"
    stale = item("Art. 9", next_review="2026-11-26")
    assert compose.obligation_status(art9, [stale], AS_OF) == "review_overdue"
    expired = item("Art. 9", valid_until="2026-01-01")
    assert compose.obligation_status(art9, [expired], AS_OF) == "review_overdue"
    # One current item among stale ones is enough.
    assert compose.obligation_status(art9, [stale, item("Art. 9")], AS_OF) == "evidence_current"
    # Due today is not overdue yet.
    assert (
        compose.obligation_status(art9, [item("Art. 9", next_review="2026-11-27")], AS_OF)
        == "evidence_current"
    )
    later = ob("Art. 9", applies_from="2027-12-02", applicable=False)
    assert compose.obligation_status(later, [item("Art. 9")], AS_OF) == "not_yet_applicable"
    # as_of moves applicability: the same obligation applies once its date has come.
    assert compose.obligation_status(later, [], date(2028, 1, 1)) == "evidence_missing"


def test_compose_obligations_lists_the_supporting_evidence() -> None:
    [out] = compose.compose_obligations(
        [ob("Art. 9")], [item("Art. 9", next_review="2027-01-01"), item("Art. 10", id="x")], AS_OF
    )
    assert out["status"] == "evidence_current"
    assert out["evidence"] == [
        {"id": "e1", "title": "doc", "kind": "risk_assessment", "next_review": date(2027, 1, 1)}
    ]
    assert out["applicable"] is True


def test_relevant_evidence_is_the_systems_own_and_organisation_wide() -> None:
    items = [
        item("Art. 9", id="mine", system_id="s1"),
        item("Art. 9", id="org"),
        item("Art. 9", id="other", system_id="s2"),
        item("Art. 9", id="old", system_id="s1", status="superseded"),
    ]
    assert [i["id"] for i in compose.relevant_evidence(items, "s1")] == ["mine", "org"]


def test_next_dates_are_future_and_sorted() -> None:
    incidents = compose.compose_incidents(
        [
            {
                "id": "i1",
                "title": "wrong rejections",
                "severity": "high",
                "status": "open",
                "serious": True,
                "reporting_clock": {
                    "deadline_at": (NOW + timedelta(days=2)).isoformat(),
                    "seconds_left": 172800.0,
                    "state": "running",
                },
            },
            {"id": "i2", "title": "done", "status": "closed", "serious": False},
        ],
        NOW,
    )
    assert [i["id"] for i in incidents] == ["i1"]
    dates = compose.next_dates(
        obligations=[
            ob("Art. 9", applies_from="2027-12-02"),
            ob("Art. 4", applies_from="2025-02-02"),
        ],
        evidence=[
            item("Art. 9", next_review="2027-01-15"),
            item("Art. 9", next_review="2020-01-01"),
        ],
        incidents=incidents,
        plan={"next_review_due": "2027-03-01T00:00:00Z"},
        as_of=AS_OF,
    )
    assert [d["date"] for d in dates] == [
        date(2026, 11, 29),
        date(2027, 1, 15),
        date(2027, 3, 1),
        date(2027, 12, 2),
    ]
    assert [d["ref"] for d in dates] == ["Art. 73", "Art. 9", "Art. 72", "Art. 9"]


def test_drift_status() -> None:
    assert compose.compose_drift(None) is None
    assert compose.compose_drift([])["status"] == "no_data"  # type: ignore[index]
    runs = [
        {
            "kind": "drift",
            "created_at": "2026-11-20T00:00:00Z",
            "summary": {"status": "ok", "dataset_drift": False, "drifted_share": 0.0},
        },
        {
            "kind": "drift",
            "created_at": "2026-11-26T00:00:00Z",
            "summary": {"status": "ok", "dataset_drift": True, "drifted_share": 0.6},
        },
        {
            "kind": "drift",
            "created_at": "2026-11-27T00:00:00Z",
            "summary": {"status": "insufficient_data"},
        },
    ]
    drift = compose.compose_drift(runs)
    assert drift is not None
    assert drift["status"] == "drifted"
    assert drift["share_drifted"] == 0.6


@pytest.mark.parametrize(
    ("max_eur", "pct", "turnover", "sme", "expected"),
    [
        (35_000_000, 7, 1_000_000_000, False, 70_000_000),  # 7 % is higher
        (35_000_000, 7, 100_000_000, False, 35_000_000),  # the amount is higher
        (35_000_000, 7, 100_000_000, True, 7_000_000),  # SME: the lower (Art. 99(6))
        (15_000_000, 3, 1_000_000_000, True, 15_000_000),  # SME, amount is the lower
        (15_000_000, 3, 0, False, 15_000_000),
        (1_500_000, None, 10**12, False, 1_500_000),  # fixed maximum
    ],
)
def test_fine_arithmetic(
    max_eur: int, pct: float | None, turnover: float, sme: bool, expected: float
) -> None:
    assert compose.max_fine(
        max_eur=max_eur, max_turnover_pct=pct, turnover_eur=turnover, sme=sme
    ) == pytest.approx(expected)


TIERS = {
    "art99_3": {
        "id": "art99_3",
        "reference": "Art. 99(3)",
        "max_eur": 35_000_000,
        "max_turnover_pct": 7,
    },
    "art99_4": {
        "id": "art99_4",
        "reference": "Art. 99(4)(a)-(g), (da)",
        "max_eur": 15_000_000,
        "max_turnover_pct": 3,
    },
}


def classified(tier: str, obligations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"result": {"risk_tier": tier, "obligations": obligations, "prohibitions": []}}


def test_exposure_findings() -> None:
    systems = [
        ({"id": "p", "name": "social scoring"}, classified("prohibited", [])),
        (
            {"id": "h", "name": "cv screener"},
            classified("high_risk", [ob("Art. 9"), ob("Art. 10")]),
        ),
        ({"id": "ok", "name": "covered"}, classified("high_risk", [ob("Art. 9")])),
        ({"id": "m", "name": "chatbot"}, classified("minimal_risk", [])),
        ({"id": "n", "name": "never classified"}, None),
    ]
    evidence = [item("Art. 9", system_id="h"), item("Art. 9", system_id="ok")]
    findings = compose.exposure_findings(
        systems, evidence, TIERS, turnover_eur=1_000_000_000, sme=False, as_of=AS_OF
    )
    assert [(f["system_id"], f["article"], f["max_fine_eur"]) for f in findings] == [
        ("p", "Art. 99(3)", 70_000_000),
        ("h", "Art. 99(4)(a)-(g), (da)", 30_000_000),
    ]
    assert "Art. 10" in findings[1]["finding"]
    assert "Art. 9;" not in findings[1]["finding"]
    sme = compose.exposure_findings(
        systems, evidence, TIERS, turnover_eur=10_000_000, sme=True, as_of=AS_OF
    )
    assert [f["max_fine_eur"] for f in sme] == [700_000, 300_000]
    # Without the evidence service the Art. 99(4) findings cannot be judged.
    unknown = compose.exposure_findings(
        systems, None, TIERS, turnover_eur=1, sme=False, as_of=AS_OF
    )
    assert [f["system_id"] for f in unknown] == ["p"]


def test_gaps_per_system_and_totals() -> None:
    record = classified(
        "high_risk",
        [
            ob("Art. 9", iso_coverage="partial"),
            ob("Art. 17", iso_coverage="full"),
            ob(
                "Art. 49(1)",
                id="reg",
                iso_coverage="none",
                iso_not_covered="EU database registration",
            ),
        ],
    )
    gaps = compose.system_gaps({"id": "s", "name": "cv"}, record)
    assert (gaps["obligations"], gaps["iso_full"], gaps["iso_partial"], gaps["iso_none"]) == (
        3,
        1,
        1,
        1,
    )
    assert gaps["not_covered"] == [
        {
            "obligation_id": "reg",
            "article": "Art. 49(1)",
            "title": "t",
            "why": "EU database registration",
        }
    ]
    assert compose.gap_totals([gaps, gaps]) == {
        "obligations": 6,
        "iso_full": 2,
        "iso_partial": 2,
        "iso_none": 2,
    }


def test_roadmap_definition_has_the_six_steps_with_references() -> None:
    definition = compose.roadmap_definition()
    assert [s["id"] for s in definition["steps"]] == [
        "inventory_and_risk_scope",
        "management_system",
        "high_risk_controls",
        "monitoring_and_incidents",
        "evidence_and_audit",
        "continuous_improvement",
    ]
    metrics = compose.roadmap_metrics(
        systems=[],
        classifications={},
        evidence=[],
        soa={"controls": [], "summary": {}},
        plans=[],
        incidents=[],
        ledger={"valid": True},
        checkpoint=None,
        now=NOW,
    )
    for step in definition["steps"]:
        for criterion in step["criteria"]:
            assert criterion["ref"], criterion
            assert criterion["op"] in {"gte", "lte", "eq"}
            assert criterion["metric"] in metrics, criterion["metric"]


def test_roadmap_scoring() -> None:
    systems = [
        {"id": "a", "name": "a", "status": "active"},
        {"id": "b", "name": "b", "status": "active"},
        {"id": "r", "name": "r", "status": "retired"},
    ]
    classifications = {
        "a": classified(
            "high_risk", [ob("Art. 9"), ob("Art. 10"), ob("Art. 14", applies_from="2028-01-01")]
        ),
        "b": None,
    }
    evidence = [
        item("Art. 9", system_id="a"),
        item(kind="management_review_minutes", created_at=(NOW - timedelta(days=30)).isoformat()),
        item(kind="audit_report", created_at=(NOW - timedelta(days=400)).isoformat()),
    ]
    soa = {
        "controls": [
            {"kind": "clause", "evidence": [{"id": "1"}]},
            {"kind": "clause", "evidence": []},
            {"kind": "annex_a", "evidence": []},
            {"kind": "annex_a", "evidence": []},
        ],
        "summary": {"undecided": 1},
    }
    incidents: list[dict[str, Any]] = [
        {"status": "closed", "corrective_action": "retrained"},
        {"status": "closed", "corrective_action": None},
        {"status": "open", "reporting_clock": {"state": "missed"}},
    ]
    metrics = compose.roadmap_metrics(
        systems=systems,
        classifications=classifications,
        evidence=evidence,
        soa=soa,
        plans=[{"required": True, "executed": True}, {"required": True, "executed": False}],
        incidents=incidents,
        ledger={"valid": True},
        checkpoint={"issued_at": (NOW - timedelta(hours=2)).isoformat()},
        now=NOW,
    )
    assert metrics["systems"] == 2
    assert metrics["share_classified"] == 0.5
    assert metrics["share_high_risk_obligations_current"] == 0.5  # Art. 14 not yet applicable
    assert metrics["share_clauses_with_evidence"] == 0.5
    assert metrics["share_soa_decided"] == 0.5
    assert metrics["share_pmm_executed"] == 0.5
    assert metrics["deadlines_missed"] == 1
    assert metrics["share_closed_incidents_corrected"] == 0.5
    assert metrics["management_reviews_12m"] == 1
    assert metrics["internal_audits_12m"] == 0
    assert metrics["checkpoint_age_hours"] == 2.0

    steps = {s["id"]: s for s in compose.score_roadmap(compose.roadmap_definition(), metrics, [])}
    inventory = steps["inventory_and_risk_scope"]
    assert [c["met"] for c in inventory["criteria"]] == [True, False, False]
    assert inventory["progress"] == pytest.approx((1 + 0.5 + 0.5) / 3, abs=1e-4)
    assert len(inventory["remaining"]) == 2
    audit = steps["evidence_and_audit"]
    assert all(c["met"] for c in audit["criteria"])
    assert audit["progress"] == 1.0
    assert audit["remaining"] == []
    improvement = steps["continuous_improvement"]
    assert [c["met"] for c in improvement["criteria"]] == [True, False, False]

    # A service that did not answer: its criteria are unknown, not met, and say why.
    down = {
        s["id"]: s
        for s in compose.score_roadmap(compose.roadmap_definition(), metrics, ["evidence"])
    }
    assert not any(c["met"] for c in down["evidence_and_audit"]["criteria"])
    assert all("evidence did not answer" in r for r in down["evidence_and_audit"]["remaining"])
    assert down["monitoring_and_incidents"] == steps["monitoring_and_incidents"]


def test_roadmap_with_nothing_to_measure_uses_the_empty_values() -> None:
    metrics = compose.roadmap_metrics(
        systems=[],
        classifications={},
        evidence=[],
        soa=None,
        plans=[],
        incidents=[],
        ledger={"valid": True},
        checkpoint=None,
        now=NOW,
    )
    steps = {s["id"]: s for s in compose.score_roadmap(compose.roadmap_definition(), metrics, [])}
    # No high-risk system: nothing to monitor, nothing overdue.
    assert steps["monitoring_and_incidents"]["progress"] == 1.0
    # No checkpoint yet: not met.
    checkpoint = steps["evidence_and_audit"]["criteria"][1]
    assert checkpoint["met"] is False
    assert checkpoint["value"] is None
    # No systems registered: the first step has not started.
    assert steps["inventory_and_risk_scope"]["progress"] == 0.0
