"""Integrity of the rulebook data files: references, unique ids, links that resolve, hashes."""

from __future__ import annotations

import re
from collections import Counter
from importlib import resources
from typing import Any

import pytest

from aigov.classifier.rulebook.conditions import OPERATORS, referenced_facts
from aigov.classifier.rulebook.loader import load_rulebook, load_rulebook_from

RB = load_rulebook()
REFERENCE = re.compile(r"(Art\.|Annex|Directive|Regulation)")


def all_items() -> list[tuple[str, dict[str, Any]]]:
    """Every rule-like item (anything with an id and a condition or article) in the data."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(name: str, node: Any) -> None:
        if isinstance(node, dict):
            if "id" in node and ("when" in node or "article" in node or "reference" in node):
                found.append((name, node))
            for value in node.values():
                walk(name, value)
        elif isinstance(node, list):
            for value in node:
                walk(name, value)

    for name, content in RB.files.items():
        if name not in ("questionnaire", "manifest"):
            walk(name, content)
    return found


def conditions() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "when":
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(RB.files)
    return found


def test_every_item_has_a_legal_reference() -> None:
    items = all_items()
    assert len(items) > 140
    for name, item in items:
        ref = item.get("reference") or item.get("article")
        assert ref, f"{name}:{item['id']} has no legal reference"
        assert REFERENCE.search(str(ref)), f"{name}:{item['id']}: {ref} is not a legal reference"
        assert item.get("title"), f"{name}:{item['id']} has no title"


def test_ids_are_unique() -> None:
    counts = Counter(item["id"] for _, item in all_items())
    assert [i for i, n in counts.items() if n > 1] == []
    questions = Counter(q["id"] for q in RB.questions)
    assert [i for i, n in questions.items() if n > 1] == []


def test_conditions_use_known_facts_and_operators() -> None:
    for condition in conditions():
        for fact in referenced_facts(condition):
            assert fact in RB.facts, f"unknown fact {fact} in {condition}"

    def check(cond: dict[str, Any]) -> None:
        if "fact" in cond:
            assert sum(op in cond for op in OPERATORS) == 1, cond
        for sub in cond.get("all", []) + cond.get("any", []):
            check(sub)
        if "not" in cond:
            check(cond["not"])

    for condition in conditions():
        check(condition)


def test_iso_links_point_to_existing_clauses_and_controls() -> None:
    assert len(RB.files["iso42001"]["controls"]) == 38
    for item in RB.obligations:
        links = item.get("iso", [])
        assert links or item.get("iso_not_covered"), f"{item['id']}: no ISO link and no gap mark"
        for link in links:
            assert str(link["ref"]) in RB.iso_ids, f"{item['id']}: unknown ISO ref {link['ref']}"
            assert link["relationship"] in {"equal", "subset", "superset", "intersects"}
            assert link["coverage"] in {"full", "partial", "none"}
            assert link["why"]


def test_obligations_have_roles_dates_and_groups() -> None:
    roles = set(RB.files["roles"]["roles"])
    groups = {t["applies_to_group"] for t in RB.files["timeline"]["transitional"]}
    for item in RB.obligations:
        assert item["roles"], item["id"]
        assert set(item["roles"]) <= roles, item["id"]
        dates = item["applies_from"]
        for key in [dates] if isinstance(dates, str) else dates.values():
            RB.date_of(key)
        assert item["group"]
    assert groups <= {o["group"] for o in RB.obligations}


def test_every_question_asks_a_known_fact_and_every_input_fact_has_a_question() -> None:
    asked = {q["fact"] for q in RB.questions}
    for question in RB.questions:
        assert question["fact"] in RB.facts
        assert question["provision"]
        assert question["text"]
        assert question["explanation"]
    inputs = {f for f, spec in RB.facts.items() if not spec.get("derived")} - {
        "system.integrates_gpai_model"
    }
    assert inputs - asked == set()


def test_key_dates_match_art_113_as_amended() -> None:
    assert RB.date_of("prohibitions_and_literacy").isoformat() == "2025-02-02"
    assert RB.date_of("gpai_and_penalties").isoformat() == "2025-08-02"
    assert RB.date_of("general_application").isoformat() == "2026-08-02"
    assert RB.date_of("omnibus_prohibitions").isoformat() == "2026-12-02"
    assert RB.date_of("annex_iii_high_risk").isoformat() == "2027-12-02"
    assert RB.date_of("annex_i_high_risk").isoformat() == "2028-08-02"


def test_coverage_counts() -> None:
    assert len(RB.prohibitions) == 10  # (a)-(h) plus the Omnibus (ba), (bb)
    assert len(RB.annex_iii_points) == 25
    legislation = RB.files["annex_i"]["legislation"]
    assert sum(1 for i in legislation if i["section"] == "A" and not i.get("deleted")) == 11
    assert sum(1 for i in legislation if i["section"] == "B") == 9
    assert len(RB.files["prohibitions"]["annex_ii_offences"]["items"]) == 16
    assert len(RB.files["annex_iii"]["derogation"]["conditions"]) == 4
    assert RB.files["gpai"]["systemic_risk"]["threshold_flop"] == pytest.approx(1e25)


def test_penalty_tiers() -> None:
    tiers = {t["id"]: t for t in RB.files["penalties"]["tiers"]}
    assert (tiers["art99_3"]["max_eur"], tiers["art99_3"]["max_turnover_pct"]) == (35_000_000, 7)
    assert (tiers["art99_4"]["max_eur"], tiers["art99_4"]["max_turnover_pct"]) == (15_000_000, 3)
    assert (tiers["art99_5"]["max_eur"], tiers["art99_5"]["max_turnover_pct"]) == (7_500_000, 1)
    assert (tiers["art101_1"]["max_eur"], tiers["art101_1"]["max_turnover_pct"]) == (15_000_000, 3)


def raw_files() -> dict[str, bytes]:
    base = resources.files("aigov.classifier.rulebook") / "data"
    names = ["manifest", *RB.files["manifest"]["files"]]
    return {name: (base / f"{name}.yaml").read_bytes() for name in names}


def test_content_hash_is_stable_and_changes_with_any_file() -> None:
    raw = raw_files()
    assert load_rulebook_from(raw).content_hash == RB.content_hash
    raw["penalties"] = raw["penalties"].replace(b"35000000", b"35000001")
    assert load_rulebook_from(raw).content_hash != RB.content_hash


def test_suggestion_hints_point_to_asked_facts_with_valid_values() -> None:
    asked = {q["fact"] for q in RB.questions}
    for hint in RB.files["suggestions"]["hints"]:
        assert hint["fact"] in asked
        assert RB.facts[hint["fact"]]["type"] == "bool"
        assert isinstance(hint["value"], bool)
        assert hint["keywords"]
