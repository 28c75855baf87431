"""Readable HTML beside the JSON: plain, self-contained pages an auditor can open offline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from aigov.evidence.control.schemas import StatementOfApplicability

STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}"
    "table{border-collapse:collapse;width:100%;margin:1rem 0}"
    "th,td{border:1px solid #bbb;padding:.3rem .5rem;text-align:left;vertical-align:top}"
    "th{background:#eee}.gap{color:#a00}.ok{color:#070}code{font-size:.85em}"
)


def page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}"
        f"</title><style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape(str(c)) if c is not None else ''}</td>" for c in row)
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_soa(soa: StatementOfApplicability) -> str:
    s = soa.summary
    intro = (
        f"<p>Organisation <code>{escape(soa.organisation_id)}</code>, generated "
        f"{escape(soa.generated_at.isoformat())} ({escape(soa.standard)}; {escape(soa.rulebook)})."
        f"</p><p>{s.controls} controls: {s.applicable} applicable, {s.not_applicable} excluded, "
        f"{s.implemented} implemented, {s.with_evidence} with evidence, {s.undecided} not yet "
        "decided.</p>"
    )
    rows = [
        (
            c.id,
            c.title,
            "yes" if c.applicable else "no",
            c.justification,
            c.status,
            c.owner,
            "; ".join(f"{e.title} (v{e.version}, sha256 {e.sha256[:12]}…)" for e in c.evidence)
            or "none",
        )
        for c in soa.controls
    ]
    headers = ("Control", "Title", "Applicable", "Justification", "Status", "Owner", "Evidence")
    return page("Statement of Applicability", intro + table(headers, rows))


def render_document(title: str, doc: dict[str, Any]) -> str:
    """A generated regulatory document (registration data, declaration): fields and gaps."""
    parts = [f"<p>Generated {escape(str(doc.get('generated_at')))} from what aigov holds.</p>"]
    for section in doc["sections"]:
        parts.append(f"<h2>{escape(section['title'])}</h2>")
        parts.append(
            table(
                ("Point", "Field", "Value", "Source"),
                (
                    (
                        f["point"],
                        f["label"],
                        f["value"] if f["value"] not in (None, "", []) else "MISSING",
                        f.get("source"),
                    )
                    for f in section["fields"]
                ),
            )
        )
    missing = doc.get("missing", [])
    parts.append(f"<h2>Missing fields ({len(missing)})</h2>")
    parts.append(
        "<ul>" + "".join(f"<li class='gap'>{escape(m)}</li>" for m in missing) + "</ul>"
        if missing
        else "<p class='ok'>None.</p>"
    )
    return page(title, "".join(parts))
