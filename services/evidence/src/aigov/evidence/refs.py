"""The law as data: EU AI Act references, ISO/IEC 42001 clauses and controls, evidence kinds and
their retention rules. Loaded once from the JSON files in ``aigov/evidence/data``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

_ARTICLE = re.compile(r"^Art\. (?P<art>\d+[a-z]?)(?P<sub>(\([0-9a-z]+\))*)$")
_ANNEX = re.compile(
    r"^Annex (?P<annex>[IVX]+)"
    r"(?: (?:point|Section) (?P<point>[0-9A-Z]+)(?P<sub>(\([0-9a-z]+\))*))?$"
)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("aigov.evidence").joinpath("data", name).read_text(encoding="utf-8")
    )
    return data


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    kind: str  # "clause" or "annex_a"
    group: str | None = None
    group_title: str | None = None


@dataclass(frozen=True)
class RetentionRule:
    kinds: tuple[str, ...]
    years: int
    months: int
    start: str  # "placed_on_market" or "created"
    legal_basis: str


class Rulebook:
    def __init__(self) -> None:
        act = _load("eu_ai_act.json")
        iso = _load("iso42001.json")
        rules = _load("evidence_rules.json")
        self.act_version = f"eu_ai_act.json {act['version']}"
        self.iso_version = f"iso42001.json {iso['version']}"
        self.articles: dict[str, str] = act["articles"]
        self.annexes: dict[str, dict[str, Any]] = act["annexes"]
        self.clauses = [
            Control(c["id"], c["title"], "clause") for c in iso["clauses"] if c["requirement"]
        ]
        self.clause_headings = {c["id"]: c["title"] for c in iso["clauses"]}
        self.annex_a = [
            Control(c["id"], c["title"], "annex_a", c["group"], c["group_title"])
            for c in iso["annex_a_controls"]
        ]
        self.controls: dict[str, Control] = {c.id: c for c in self.clauses + self.annex_a}
        self.kinds: dict[str, str] = {k: v["title"] for k, v in rules["kinds"].items()}
        self.retention = [
            RetentionRule(
                tuple(r["kinds"]),
                r["minimum"].get("years", 0),
                r["minimum"].get("months", 0),
                r["from"],
                r["legal_basis"],
            )
            for r in rules["retention_rules"]
        ]

    def unknown_provisions(self, refs: list[str]) -> list[str]:
        bad = []
        for ref in refs:
            if m := _ARTICLE.match(ref):
                if m["art"] not in self.articles:
                    bad.append(ref)
            elif m := _ANNEX.match(ref):
                annex = self.annexes.get(m["annex"])
                if annex is None or (m["point"] and m["point"] not in annex["points"]):
                    bad.append(ref)
            else:
                bad.append(ref)
        return bad

    def unknown_controls(self, refs: list[str]) -> list[str]:
        return [r for r in refs if r not in self.controls and r not in self.clause_headings]

    def retention_rule(self, kind: str) -> RetentionRule | None:
        return next((r for r in self.retention if kind in r.kinds), None)

    def minimum_retention(
        self, kind: str, *, created: date, placed_on_market: date | None
    ) -> tuple[date | None, str | None]:
        rule = self.retention_rule(kind)
        if rule is None:
            return None, None
        start = (
            placed_on_market if rule.start == "placed_on_market" and placed_on_market else created
        )
        return add_months(start, rule.years * 12 + rule.months), rule.legal_basis


def add_months(day: date, months: int) -> date:
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise ValueError("unreachable")


@cache
def rulebook() -> Rulebook:
    return Rulebook()
