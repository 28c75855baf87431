"""The law as data: serious-incident criteria, Art. 73 deadlines and default alert rules, read
once from ``data/*.json``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


def _load(name: str) -> dict[str, Any]:
    text = resources.files("aigov.monitoring").joinpath("data", name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def serious_incidents() -> dict[str, Any]:
    return _load("serious_incidents.json")


@cache
def alert_rules() -> dict[str, Any]:
    return _load("alert_rules.json")


def default_alert_rules(risk_tier: str | None) -> list[dict[str, Any]]:
    tiers: dict[str, list[dict[str, Any]]] = alert_rules()["tiers"]
    return [dict(r) for r in tiers.get(risk_tier or "", tiers["default"])]
