"""The audit package: one zip an auditor can check without the server.

```
manifest.json                    every other file with its SHA-256 and size, the evidence items
checkpoint.json                  the signed tree head the proofs lead to, and the public key
ledger/entries.jsonl             one entry a line: its leaf data, leaf hash and inclusion proof
evidence/<sha256>                the evidence files (content-addressed)
statement_of_applicability.json  ISO/IEC 42001 Annex A
annex_iv_outline.json            for one AI system: the nine Annex IV sections and their gaps
summary.html                     the same, readable
```

The zip is written to a temporary file (constant memory) and streamed out from there.
"""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import uuid
import zipfile
from dataclasses import dataclass, field
from html import escape
from typing import IO, Any

from sqlalchemy.ext.asyncio import AsyncSession

from aigov.evidence.control.service import statement_of_applicability
from aigov.evidence.deps import EvidenceRuntime
from aigov.evidence.export.documents import annex_iv_outline
from aigov.evidence.export.html import page, render_soa, table
from aigov.evidence.item.schemas import EvidenceRead
from aigov.evidence.item.service import list_items
from aigov.evidence.ledger import service as ledger
from aigov.evidence.ledger.signing import ORIGIN, public_key_pem
from aigov.shared.db import utcnow
from aigov.shared.problems import NotFound

FORMAT = "aigov-audit-package/v1"
PAGE = 500


@dataclass
class _Writer:
    zf: zipfile.ZipFile
    files: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, data: bytes) -> None:
        self.zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
        self.files.append(
            {"path": name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        )

    def add_json(self, name: str, value: Any) -> None:
        self.add(name, json.dumps(value, indent=1, ensure_ascii=False, default=str).encode())


async def build_package(
    session: AsyncSession,
    evidence: EvidenceRuntime,
    *,
    organisation_id: str,
    system_id: uuid.UUID | None,
) -> IO[bytes]:
    """Write the package to a temporary file and return it, rewound (the caller closes it)."""
    await ledger.publish_checkpoint(session, evidence.signer, only_if_grown=True)
    checkpoint = await ledger.latest_checkpoint(session)
    if checkpoint is None or checkpoint.tree_size == 0:
        raise NotFound("the ledger is empty: there is nothing to export yet")
    size = checkpoint.tree_size
    subject = str(system_id) if system_id else None
    out = tempfile.TemporaryFile()
    try:
        with zipfile.ZipFile(out, "w") as zf:
            writer = _Writer(zf)
            # Ledger entries with their inclusion proofs against the checkpoint.
            entry_lines: list[bytes] = []
            after, count = 0, 0
            while True:
                page_rows = await ledger.list_entries(
                    session,
                    organisation_id=organisation_id,
                    subject=subject,
                    after=after,
                    limit=PAGE,
                )
                for entry in page_rows:
                    if entry.seq > size:
                        break
                    proof = await ledger.inclusion_proof(
                        session, seq=entry.seq, organisation_id=organisation_id, size=size
                    )
                    record = ledger.entry_record(
                        seq=entry.seq, topic=entry.topic, envelope=entry.envelope
                    )
                    line = {
                        "seq": entry.seq,
                        "leaf_index": proof.leaf_index,
                        "record": record,
                        "leaf_hash": proof.leaf_hash,
                        "tree_size": proof.tree_size,
                        "inclusion_proof": proof.hashes,
                    }
                    entry_lines.append(json.dumps(line, ensure_ascii=False).encode())
                    count += 1
                if len(page_rows) < PAGE or (page_rows and page_rows[-1].seq > size):
                    break
                after = page_rows[-1].seq
            writer.add("ledger/entries.jsonl", b"\n".join(entry_lines) + b"\n")

            # Evidence files, copied chunk by chunk and hashed as they go.
            items = await list_items(session, organisation_id=organisation_id, system_id=system_id)
            item_records = []
            seen: set[str] = set()
            for item in items:
                if item.ledger_seq is not None and item.ledger_seq > size:
                    continue  # recorded after the checkpoint: it belongs to the next package
                record = EvidenceRead.model_validate(item).model_dump(mode="json")
                if item.status != "tombstoned" and item.sha256 not in seen:
                    name = f"evidence/{item.sha256}"
                    if await evidence.store.exists(item.sha256):
                        digest, written = hashlib.sha256(), 0
                        with zf.open(name, "w") as dst:
                            async for chunk in evidence.store.read(item.sha256):
                                digest.update(chunk)
                                written += len(chunk)
                                dst.write(chunk)
                        writer.files.append(
                            {"path": name, "sha256": digest.hexdigest(), "size": written}
                        )
                        seen.add(item.sha256)
                        record["file"] = name
                    else:
                        record["file"] = None
                        record["problem"] = "content missing from storage"
                item_records.append(record)

            soa = await statement_of_applicability(session, organisation_id=organisation_id)
            writer.add_json("statement_of_applicability.json", soa.model_dump(mode="json"))
            outline = None
            if system_id is not None:
                try:
                    outline = await annex_iv_outline(
                        session, organisation_id=organisation_id, system_id=system_id
                    )
                    writer.add_json("annex_iv_outline.json", outline)
                except NotFound:
                    outline = None

            cp = {
                "id": checkpoint.id,
                "origin": ORIGIN,
                "tree_size": checkpoint.tree_size,
                "root_hash": checkpoint.root_hash,
                "issued_at": checkpoint.issued_at.isoformat(),
                "key_id": checkpoint.key_id,
                "note": checkpoint.note,
                "signature": checkpoint.signature,
                "public_key": base64.b64encode(evidence.signer.public_raw).decode(),
                "public_key_pem": public_key_pem(evidence.signer.public),
            }
            writer.add_json("checkpoint.json", cp)
            writer.add(
                "summary.html",
                _summary(organisation_id, system_id, cp, count, item_records, soa, outline),
            )
            manifest = {
                "format": FORMAT,
                "generated_at": utcnow().isoformat(),
                "organisation_id": organisation_id,
                "system_id": str(system_id) if system_id else None,
                "checkpoint": {k: cp[k] for k in ("id", "tree_size", "root_hash", "key_id")},
                "ledger_entries": count,
                "evidence": item_records,
                "files": writer.files,
                "verify": "python -m aigov.evidence.verify <package.zip> --public-key <key>",
            }
            zf.writestr(
                "manifest.json",
                json.dumps(manifest, indent=1, ensure_ascii=False),
                compress_type=zipfile.ZIP_DEFLATED,
            )
        out.seek(0)
        return out
    except BaseException:
        out.close()
        raise


def _summary(
    organisation_id: str,
    system_id: uuid.UUID | None,
    cp: dict[str, Any],
    entries: int,
    items: list[dict[str, Any]],
    soa: Any,
    outline: dict[str, Any] | None,
) -> bytes:
    scope = f"AI system <code>{system_id}</code>" if system_id else "the whole organisation"
    body = [
        f"<p>Audit package for organisation <code>{escape(organisation_id)}</code>, {scope}.</p>",
        "<h2>Ledger checkpoint</h2>",
        table(
            ("Tree size", "Root hash", "Issued", "Key id"),
            [(cp["tree_size"], cp["root_hash"], cp["issued_at"], cp["key_id"])],
        ),
        f"<p>{entries} ledger entries, each with an RFC 9162 inclusion proof against this "
        "checkpoint. Check everything offline with <code>python -m aigov.evidence.verify</code> "
        "and the platform's public key.</p>",
        "<h2>Evidence</h2>",
        table(
            ("Title", "Kind", "Version", "Status", "Provisions", "ISO/IEC 42001", "SHA-256"),
            [
                (
                    i["title"],
                    i["kind"],
                    i["version"],
                    i["status"],
                    ", ".join(i["provisions"]),
                    ", ".join(i["iso_refs"]),
                    i["sha256"],
                )
                for i in items
            ],
        ),
    ]
    if outline is not None:
        body.append("<h2>Annex IV outline: gaps</h2>")
        body.append(
            "<ul>" + "".join(f"<li>{escape(m)}</li>" for m in outline["missing"]) + "</ul>"
            if outline["missing"]
            else "<p>No gap found.</p>"
        )
    soa_html = render_soa(soa)
    body.append(soa_html[soa_html.index("<body>") + 6 : soa_html.index("</body>")])
    return page("Audit package", "".join(body)).encode()
