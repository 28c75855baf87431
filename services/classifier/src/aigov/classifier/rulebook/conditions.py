"""A small three-valued condition evaluator over facts.

A condition is data: ``{fact: id, <op>: value}`` with op one of ``eq``, ``in``, ``gt``, ``gte``,
``lt``, ``contains``, ``subset_of``; or ``{all: [...]}``, ``{any: [...]}``, ``{not: cond}``.
A fact that is absent (or None) is *unknown*; the result is then True, False or None (Kleene
logic), and the unknown facts that kept it undecided are reported, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FactValue = bool | int | float | str | list[str] | None
Facts = Mapping[str, FactValue]
OPERATORS = ("eq", "in", "gt", "gte", "lt", "contains", "subset_of")


@dataclass
class Outcome:
    value: bool | None
    missing: set[str] = field(default_factory=set)


def referenced_facts(condition: Mapping[str, Any]) -> list[str]:
    """Every fact id a condition mentions, in order, without duplicates."""
    found: list[str] = []

    def walk(cond: Mapping[str, Any]) -> None:
        if "fact" in cond:
            if cond["fact"] not in found:
                found.append(cond["fact"])
        for key in ("all", "any"):
            for sub in cond.get(key, ()):
                walk(sub)
        if "not" in cond:
            walk(cond["not"])

    walk(condition)
    return found


def _compare(op: str, actual: FactValue, expected: Any) -> bool:
    if op == "eq":
        return bool(actual == expected)
    if op == "in":
        return actual in expected
    if op in ("gt", "gte", "lt"):
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        number = float(actual)
        if op == "gt":
            return number > float(expected)
        if op == "gte":
            return number >= float(expected)
        return number < float(expected)
    if op == "contains":
        return isinstance(actual, list) and expected in actual
    if op == "subset_of":
        return isinstance(actual, list) and set(actual) <= set(expected)
    raise ValueError(f"unknown operator {op!r}")


def evaluate(condition: Mapping[str, Any], facts: Facts) -> Outcome:
    if "all" in condition:
        parts = [evaluate(sub, facts) for sub in condition["all"]]
        if any(p.value is False for p in parts):
            return Outcome(False)
        if any(p.value is None for p in parts):
            return Outcome(None, set().union(*(p.missing for p in parts if p.value is None)))
        return Outcome(True)
    if "any" in condition:
        parts = [evaluate(sub, facts) for sub in condition["any"]]
        if any(p.value is True for p in parts):
            return Outcome(True)
        if any(p.value is None for p in parts):
            return Outcome(None, set().union(*(p.missing for p in parts if p.value is None)))
        return Outcome(False)
    if "not" in condition:
        inner = evaluate(condition["not"], facts)
        return Outcome(None if inner.value is None else not inner.value, inner.missing)
    fact_id = condition["fact"]
    actual = facts.get(fact_id)
    if actual is None:
        return Outcome(None, {fact_id})
    ops = [op for op in OPERATORS if op in condition]
    if len(ops) != 1:
        raise ValueError(f"condition on {fact_id} needs exactly one operator: {condition}")
    return Outcome(_compare(ops[0], actual, condition[ops[0]]))


def and_not(when: Outcome, exceptions: list[Outcome]) -> Outcome:
    """``when`` and none of ``exceptions``, in Kleene logic (an exception lifts the rule)."""
    if when.value is False:
        return Outcome(False)
    if any(e.value is True for e in exceptions):
        return Outcome(False)
    unknown = [e for e in exceptions if e.value is None]
    if when.value is None or unknown:
        missing = set(when.missing) if when.value is None else set()
        for e in unknown:
            missing |= e.missing
        return Outcome(None, missing)
    return Outcome(True)
