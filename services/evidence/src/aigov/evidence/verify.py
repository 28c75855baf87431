"""Offline verifier of an audit package: needs the zip and the platform's public key, nothing else.

    python -m aigov.evidence.verify audit.zip --public-key ledger-key.pem
    aigov-evidence-verify audit.zip --public-key <base64 raw key>

Checks that every file matches the manifest, that the checkpoint's signature verifies with the
given key and that its note states the same size and root, that every ledger entry hashes to its
leaf and its inclusion proof leads to the signed root, and that every evidence file hashes to the
SHA-256 the ledger recorded when it was added. Exit status 0 when everything verifies, 1 if not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aigov.evidence.ledger import merkle
from aigov.evidence.ledger.signing import load_public_key, parse_note, verify_note

EVIDENCE_EVENTS = (
    "aigov.evidence.item.added",
    "aigov.evidence.item.superseded",
    "aigov.evidence.item.tombstoned",
)


@dataclass
class Report:
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    entries: int = 0
    files: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _file_digest(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with zf.open(name) as src:
        while chunk := src.read(1024 * 1024):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_package(path: str | Path, public_key: str | bytes | None) -> Report:
    """Never raises on a damaged or hostile package: every problem becomes an error line."""
    report = Report()
    try:
        return _verify(path, public_key, report)
    except (ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as exc:
        report.errors.append(f"malformed package: {type(exc).__name__}: {exc}")
        return report


def _verify(path: str | Path, public_key: str | bytes | None, report: Report) -> Report:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.errors.append(f"not a readable zip: {exc}")
        return report
    with zf:
        names = set(zf.namelist())
        if "manifest.json" not in names:
            report.errors.append("manifest.json is missing")
            return report
        manifest: dict[str, Any] = json.loads(zf.read("manifest.json"))
        listed = {f["path"]: f for f in manifest.get("files", [])}
        for name, meta in listed.items():
            if name not in names:
                report.errors.append(f"{name}: listed in the manifest but absent")
                continue
            digest, size = _file_digest(zf, name)
            report.files += 1
            if digest != meta["sha256"] or size != meta["size"]:
                report.errors.append(f"{name}: content does not match the manifest")
        for name in sorted(names - set(listed) - {"manifest.json"}):
            report.errors.append(f"{name}: present but not listed in the manifest")

        if "checkpoint.json" not in names or "ledger/entries.jsonl" not in names:
            report.errors.append("checkpoint.json or ledger/entries.jsonl is missing")
            return report
        cp: dict[str, Any] = json.loads(zf.read("checkpoint.json"))
        if public_key is None:
            key_text: str | bytes = cp["public_key"]
            report.notes.append(
                "WARNING: the signature was checked with the key inside the package; pass the "
                "platform's key with --public-key to trust the result"
            )
        else:
            key_text = public_key
        try:
            key = load_public_key(key_text)
        except ValueError as exc:
            report.errors.append(f"unusable public key: {exc}")
            return report
        if not verify_note(key, cp["note"], cp["signature"]):
            report.errors.append("the checkpoint signature does not verify with the public key")
        try:
            note = parse_note(cp["note"])
        except ValueError as exc:
            report.errors.append(f"checkpoint note: {exc}")
            return report
        root = note.root_hash
        if note.tree_size != cp["tree_size"] or root.hex() != cp["root_hash"]:
            report.errors.append("checkpoint.json disagrees with its signed note")

        recorded: dict[str, str] = {}  # evidence id -> sha256 as the ledger recorded it
        for raw in zf.read("ledger/entries.jsonl").splitlines():
            if not raw.strip():
                continue
            line = json.loads(raw)
            report.entries += 1
            seq = line["seq"]
            leaf = merkle.leaf_hash(merkle.canonical_json(line["record"]))
            if line["record"].get("seq") != seq or line["leaf_index"] != seq - 1:
                report.errors.append(f"ledger entry {seq}: position does not match its record")
            if leaf.hex() != line["leaf_hash"]:
                report.errors.append(f"ledger entry {seq}: content does not match its leaf hash")
            hashes = [bytes.fromhex(h) for h in line["inclusion_proof"]]
            if line["tree_size"] != note.tree_size or not merkle.verify_inclusion(
                line["leaf_index"], note.tree_size, leaf, hashes, root
            ):
                report.errors.append(
                    f"ledger entry {seq}: inclusion proof does not lead to the signed root"
                )
            event = line["record"].get("event", {})
            if event.get("type") in EVIDENCE_EVENTS[:2]:
                data = event.get("data", {})
                recorded[str(data.get("evidence_id"))] = str(data.get("sha256"))

        for item in manifest.get("evidence", []):
            if item.get("status") == "tombstoned":
                continue
            item_id = item["id"]
            if recorded.get(item_id) != item["sha256"]:
                report.errors.append(
                    f"evidence {item_id}: no ledger entry in the package records its hash"
                )
            name = item.get("file")
            if not name:
                report.errors.append(f"evidence {item_id}: its content is not in the package")
                continue
            if name in names and _file_digest(zf, name)[0] != item["sha256"]:
                report.errors.append(f"evidence {item_id}: the file does not hash to its SHA-256")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="aigov-evidence-verify", description="Verify an aigov audit package offline."
    )
    parser.add_argument("package", help="the audit package (.zip)")
    parser.add_argument(
        "--public-key",
        help="the platform's Ed25519 public key: a PEM file, or base64 of the raw 32 bytes",
    )
    args = parser.parse_args(argv)
    key: str | bytes | None = None
    if args.public_key:
        candidate = Path(args.public_key)
        key = candidate.read_bytes() if candidate.is_file() else args.public_key
    report = verify_package(args.package, key)
    for note in report.notes:
        print(note)  # noqa: T201
    for error in report.errors:
        print(f"FAIL {error}")  # noqa: T201
    status = "VERIFIED" if report.ok else "NOT VERIFIED"
    print(f"{status}: {report.files} files, {report.entries} ledger entries")  # noqa: T201
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
