"""From the inventory's SystemFactsV1 snapshot to the rulebook's fact ids.

Only what the snapshot states positively becomes a fact: a field left at its default is not
knowledge, so it stays unknown and the questionnaire asks. ``extra_facts`` carry rulebook fact
ids as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aigov.classifier.rulebook.conditions import FactValue
from aigov.classifier.rulebook.loader import Rulebook


def facts_from_snapshot(rulebook: Rulebook, snapshot: Mapping[str, Any]) -> dict[str, FactValue]:
    facts: dict[str, FactValue] = {}
    roles = snapshot.get("roles") or []
    if roles:
        facts["org.roles"] = sorted(str(r) for r in roles)
    countries = [str(c).upper() for c in snapshot.get("countries") or []]
    if countries:
        eu = set(rulebook.files["scope"]["eu_member_states"]["codes"])
        facts["scope.eu_nexus"] = any(c in eu for c in countries)
    if snapshot.get("affects_employees") is True:
        facts["context.workplace"] = True
    if snapshot.get("safety_component_of_product") is True:
        facts["annex_i.safety_component_or_product"] = True
    if snapshot.get("gpai_models"):
        facts["system.integrates_gpai_model"] = True
    known = rulebook.facts
    for fact_id, value in (snapshot.get("extra_facts") or {}).items():
        if fact_id in known and not known[fact_id].get("derived") and value is not None:
            facts[fact_id] = value
    return facts
