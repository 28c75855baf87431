"""EU database registration data (Art. 49, Annex VIII A/B/C), the EU declaration of conformity
(Art. 47, Annex V) and the Annex IV outline, generated from what the platform holds. The fields and
where each comes from are data (``data/documents.json``); a field the platform cannot fill is
listed as missing."""

from __future__ import annotations

import json
import uuid
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aigov.evidence.export.facts import SystemKnowledge, system_knowledge
from aigov.evidence.item.models import EvidenceItem
from aigov.evidence.item.service import list_items
from aigov.shared.db import utcnow
from aigov.shared.problems import NotFound


@cache
def templates() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("aigov.evidence")
        .joinpath("data", "documents.json")
        .read_text(encoding="utf-8")
    )
    return data


def _evidence_ref(item: EvidenceItem) -> dict[str, Any]:
    return {
        "evidence_id": str(item.id),
        "title": item.title,
        "version": item.version,
        "sha256": item.sha256,
        "ledger_seq": item.ledger_seq,
    }


def _within(provision: str, ref: str) -> bool:
    """``Art. 6(3)`` is within ``Art. 6``; ``Art. 60`` is not."""
    return provision == ref or provision.startswith((ref + "(", ref + " "))


def _resolve(source: str, known: SystemKnowledge, items: list[EvidenceItem]) -> Any:
    facts = known.facts or {}
    if source == "none":
        return None
    if source == "system_id":
        return str(known.system_id)
    if source.startswith("facts."):
        return facts.get(source[6:])
    if source.startswith("classification."):
        return (known.classification or {}).get(source[15:])
    if source.startswith("statement:"):
        return templates()["statements"][source[10:]]
    if source.startswith("evidence.kind:"):
        return [_evidence_ref(i) for i in items if i.kind == source[14:]] or None
    if source.startswith("evidence.provision:"):
        ref = source[19:]
        return [
            _evidence_ref(i) for i in items if any(_within(p, ref) for p in i.provisions)
        ] or None
    if source == "ledger.changes":
        return known.changes or None
    if source == "ledger.monitoring":
        return known.monitoring_events or None
    raise ValueError(f"unknown source {source!r} in documents.json")


def _section(template: dict[str, Any], known: SystemKnowledge, items: list[EvidenceItem]) -> Any:
    fields = [{**f, "value": _resolve(f["source"], known, items)} for f in template["fields"]]
    return {"title": template["title"], "fields": fields}


def _missing(sections: list[dict[str, Any]]) -> list[str]:
    return [
        f"{s['title']}: point {f['point']} ({f['label']})"
        for s in sections
        for f in s["fields"]
        if f["value"] in (None, "", [])
    ]


async def _inputs(
    session: AsyncSession, organisation_id: str, system_id: uuid.UUID
) -> tuple[SystemKnowledge, list[EvidenceItem]]:
    known = await system_knowledge(session, organisation_id=organisation_id, system_id=system_id)
    items = await list_items(
        session, organisation_id=organisation_id, system_id=system_id, status="current"
    )
    if known.facts is None and not items:
        raise NotFound(f"the ledger holds nothing about system {system_id}")
    return known, items


def registration_section(known: SystemKnowledge) -> str:
    """A (providers of high-risk systems), B (Art. 6(3) not high-risk), C (public deployers)."""
    roles = (known.facts or {}).get("roles", [])
    tier = (known.classification or {}).get("risk_tier")
    basis = " ".join((known.classification or {}).get("legal_basis", []))
    if "provider" not in roles and "deployer" in roles:
        return "C"
    if tier != "high_risk" and "Annex III" in basis:
        return "B"
    return "A"


async def registration_data(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    section: str | None = None,
) -> dict[str, Any]:
    known, items = await _inputs(session, organisation_id, system_id)
    chosen = section or registration_section(known)
    sections = [_section(templates()["registration"][chosen], known, items)]
    return {
        "document": f"EU database registration data, Annex VIII Section {chosen}",
        "legal_basis": "Art. 49, Art. 71, Annex VIII",
        "system_id": str(system_id),
        "section": chosen,
        "generated_at": utcnow().isoformat(),
        "sections": sections,
        "missing": _missing(sections),
    }


async def declaration_of_conformity(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> dict[str, Any]:
    known, items = await _inputs(session, organisation_id, system_id)
    sections = [_section(templates()["declaration"], known, items)]
    return {
        "document": "EU declaration of conformity",
        "legal_basis": "Art. 47, Annex V",
        "system_id": str(system_id),
        "generated_at": utcnow().isoformat(),
        "sections": sections,
        "missing": _missing(sections),
    }


async def annex_iv_outline(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> dict[str, Any]:
    known, items = await _inputs(session, organisation_id, system_id)
    sections = [_section(templates()["annex_iv"], known, items)]
    return {
        "document": "Annex IV technical documentation outline",
        "legal_basis": "Art. 11(1), Annex IV",
        "system_id": str(system_id),
        "risk_classification": known.classification,
        "generated_at": utcnow().isoformat(),
        "sections": sections,
        "missing": _missing(sections),
    }
