"""Fact sets a compliance officer would recognise, built on a fully answered 'nothing applies'."""

from __future__ import annotations

from datetime import date
from typing import Any

from aigov.classifier.rulebook.conditions import FactValue
from aigov.classifier.rulebook.engine import ClassificationResult, classify
from aigov.classifier.rulebook.loader import load_rulebook

AFTER_ALL = date(2029, 1, 1)


def baseline(**overrides: Any) -> dict[str, FactValue]:
    """Every question answered with 'no' (in scope, in the EU, a provider): minimal risk."""
    facts: dict[str, FactValue] = {}
    for fact_id, spec in load_rulebook().facts.items():
        if spec.get("derived"):
            continue
        kind = spec["type"]
        if kind == "bool":
            facts[fact_id] = False
        elif kind == "number":
            facts[fact_id] = 0
        elif kind == "choice":
            facts[fact_id] = "none"
        elif kind == "list":
            facts[fact_id] = ["provider"]
    facts["scope.eu_nexus"] = True
    for key, value in overrides.items():
        facts[key.replace("__", ".")] = value
    return facts


def run(facts: dict[str, FactValue], as_of: date = AFTER_ALL) -> ClassificationResult:
    return classify(load_rulebook(), facts, as_of=as_of)


def obligation(result: ClassificationResult, obligation_id: str) -> Any:
    return next((o for o in result.obligations if o.id == obligation_id), None)
