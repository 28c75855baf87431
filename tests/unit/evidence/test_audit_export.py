"""Controls, the Statement of Applicability, generated documents, and the audit package checked
by the offline verifier (and caught when any byte of it changes)."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import uuid
import zipfile
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.evidence.control import service as controls
from aigov.evidence.control.schemas import ControlRecordWrite
from aigov.evidence.export import documents
from aigov.evidence.export.html import render_document, render_soa
from aigov.evidence.export.package import build_package
from aigov.evidence.item import service as items
from aigov.evidence.item.schemas import EvidenceMeta
from aigov.evidence.ledger import merkle
from aigov.evidence.ledger import service as ledger
from aigov.evidence.ledger.signing import Signer, public_key_pem
from aigov.evidence.verify import main, verify_package
from aigov.shared.db import transaction
from aigov.shared.problems import NotFound, Unprocessable
from tests.unit.evidence.helpers import put, registered_event, runtime


async def seed(db: async_sessionmaker[AsyncSession], tmp_path: Path) -> tuple[uuid.UUID, Path]:
    rt = runtime(tmp_path)
    system = uuid.uuid4()
    async with transaction(db) as session:
        await ledger.append_event(
            session,
            registered_event(system, roles=["provider"], countries=["DE", "FR"]),
            topic="aigov.inventory.events",
        )
        await ledger.append_event(session, registered_event(uuid.uuid4(), "org-b"), topic="t")
        for kind, title, data, refs in (
            ("risk_assessment", "Risk assessment", b"risks", ["Art. 9"]),
            ("declaration_of_conformity", "DoC", b"doc", ["Art. 47"]),
        ):
            await items.add_item(
                session,
                organisation_id="org-a",
                actor="a",
                meta=EvidenceMeta(
                    kind=kind, title=title, system_id=system, provisions=refs, iso_refs=["A.5.2"]
                ),
                stored=await put(rt, data),
                media_type="text/plain",
            )
        await controls.upsert_record(
            session,
            organisation_id="org-a",
            actor="a",
            control_id="A.10.4",
            data=ControlRecordWrite(applicable=False, justification="no customers"),
        )
    return system, tmp_path


async def test_controls_and_statement_of_applicability(
    evidence_db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    await seed(evidence_db, tmp_path)
    async with transaction(evidence_db) as session:
        with pytest.raises(Unprocessable):  # an exclusion needs a justification
            await controls.upsert_record(
                session,
                organisation_id="org-a",
                actor="a",
                control_id="A.2.2",
                data=ControlRecordWrite(applicable=False),
            )
        with pytest.raises(Unprocessable):  # clauses cannot be excluded
            await controls.upsert_record(
                session,
                organisation_id="org-a",
                actor="a",
                control_id="9.2",
                data=ControlRecordWrite(applicable=False, justification="no"),
            )
        with pytest.raises(NotFound):
            await controls.upsert_record(
                session,
                organisation_id="org-a",
                actor="a",
                control_id="A.99",
                data=ControlRecordWrite(),
            )
        await controls.upsert_record(
            session,
            organisation_id="org-a",
            actor="a",
            control_id="A.5.2",
            data=ControlRecordWrite(status="implemented", owner="risk office"),
        )
    async with evidence_db() as session:
        soa = await controls.statement_of_applicability(session, organisation_id="org-a")
        other = await controls.statement_of_applicability(session, organisation_id="org-b")
    by_id = {c.id: c for c in soa.controls}
    assert len(soa.controls) == 38
    assert by_id["A.10.4"].applicable is False
    assert by_id["A.10.4"].justification == "no customers"
    assert by_id["A.5.2"].status == "implemented"
    assert len(by_id["A.5.2"].evidence) == 2
    assert soa.summary.with_evidence == 1
    assert soa.summary.not_applicable == 1
    assert soa.summary.undecided == 36
    assert other.summary.with_evidence == 0
    assert "no customers" in render_soa(soa)


async def test_registration_and_declaration_list_missing_fields(
    evidence_db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    system, _ = await seed(evidence_db, tmp_path)
    async with evidence_db() as session:
        reg = await documents.registration_data(session, organisation_id="org-a", system_id=system)
        doc = await documents.declaration_of_conformity(
            session, organisation_id="org-a", system_id=system
        )
        outline = await documents.annex_iv_outline(
            session, organisation_id="org-a", system_id=system
        )
        with pytest.raises(NotFound):
            await documents.registration_data(session, organisation_id="org-b", system_id=system)
    assert reg["section"] == "A"
    fields = {f["point"]: f["value"] for f in reg["sections"][0]["fields"]}
    assert fields["4"] == "CV screener"
    assert fields["10"] == ["DE", "FR"]
    assert fields["11"][0]["title"] == "DoC"
    assert any("point 1 " in m for m in reg["missing"])  # the provider's address is not held
    assert not any("point 11 " in m for m in reg["missing"])
    assert any("point 8 " in m for m in doc["missing"])
    outline_fields = {f["point"]: f["value"] for f in outline["sections"][0]["fields"]}
    assert outline_fields["5"][0]["title"] == "Risk assessment"
    assert any("point 9 " in m for m in outline["missing"])
    assert "MISSING" in render_document("Registration", reg)
    assert documents._within("Art. 6(3)", "Art. 6")
    assert not documents._within("Art. 60", "Art. 6")


async def test_audit_package_verifies_offline_and_any_change_is_caught(
    evidence_db: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    system, _ = await seed(evidence_db, tmp_path)
    rt = runtime(tmp_path)
    async with transaction(evidence_db) as session:
        file = await build_package(session, rt, organisation_id="org-a", system_id=system)
    package = tmp_path / "audit.zip"
    with file, package.open("wb") as out:
        shutil.copyfileobj(file, out)
    key_file = tmp_path / "public.pem"
    key_file.write_text(public_key_pem(rt.signer.public))

    report = verify_package(package, key_file.read_bytes())
    assert report.ok, report.errors
    assert report.entries == 3  # registration + two evidence additions; org-b's entry is absent
    with zipfile.ZipFile(package) as zf:
        names = set(zf.namelist())
        manifest = json.loads(zf.read("manifest.json"))
    assert {"summary.html", "statement_of_applicability.json", "annex_iv_outline.json"} <= names
    assert len([n for n in names if n.startswith("evidence/")]) == 2
    assert manifest["checkpoint"]["tree_size"] == 4
    assert main([str(package), "--public-key", str(key_file)]) == 0
    raw_key = base64.b64encode(rt.signer.public_raw).decode()
    assert main([str(package), "--public-key", raw_key]) == 0

    other = Signer.from_settings(key_b64=None, key_file=str(tmp_path / "o.pem"), generate=True)
    assert not verify_package(package, public_key_pem(other.public)).ok

    def repack(replace: dict[str, bytes | None], target: Path) -> Path:
        """A copy of the package with some files replaced (None: flip the last byte)."""
        with zipfile.ZipFile(package) as src, zipfile.ZipFile(target, "w") as dst:
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename in replace:
                    new = replace[info.filename]
                    data = new if new is not None else data[:-1] + bytes([data[-1] ^ 1])
                dst.writestr(info.filename, data)
        return target

    evidence_name = next(n for n in names if n.startswith("evidence/"))
    for name in (evidence_name, "ledger/entries.jsonl", "checkpoint.json", "manifest.json"):
        broken = repack({name: None}, tmp_path / "broken.zip")
        assert not verify_package(broken, key_file.read_bytes()).ok, name

    # A consistent forgery (entry, leaf hash and manifest rewritten together) still fails: the
    # inclusion proof no longer leads to the signed root.
    with zipfile.ZipFile(package) as zf:
        lines = zf.read("ledger/entries.jsonl").decode().splitlines()
    first = json.loads(lines[0])
    first["record"]["event"]["data"]["facts"]["name"] = "Something else"
    first["leaf_hash"] = merkle.leaf_hash(merkle.canonical_json(first["record"])).hex()
    forged_lines = "\n".join([json.dumps(first), *lines[1:]]).encode() + b"\n"
    for f in manifest["files"]:
        if f["path"] == "ledger/entries.jsonl":
            f["sha256"], f["size"] = hashlib.sha256(forged_lines).hexdigest(), len(forged_lines)
    forged = repack(
        {"ledger/entries.jsonl": forged_lines, "manifest.json": json.dumps(manifest).encode()},
        tmp_path / "forged.zip",
    )
    report = verify_package(forged, key_file.read_bytes())
    assert report.errors == [
        f"ledger entry {first['seq']}: inclusion proof does not lead to the signed root"
    ]
