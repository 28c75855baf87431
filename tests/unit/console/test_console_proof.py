"""The console verifies ledger proofs and checkpoint signatures itself (RFC 9162, Ed25519)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from aigov.console import charts, proof
from aigov.console.app import _due_next, eurlex, reflinks, time_left


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, the recursive definition, as the reference."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return proof.node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 2.1.3.1 PATH(m, D[n])."""
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return path(m, leaves[:k]) + [mth(leaves[k:])]
    return path(m - k, leaves[k:]) + [mth(leaves[:k])]


def as_api(index: int, data: list[bytes]) -> dict[str, object]:
    leaves = [proof.leaf_hash(d) for d in data]
    return {
        "seq": index + 1,
        "leaf_index": index,
        "tree_size": len(data),
        "leaf_hash": leaves[index].hex(),
        "root_hash": mth(leaves).hex(),
        "hashes": [h.hex() for h in path(index, leaves)],
        "leaf_data": data[index].decode(),
    }


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 8, 13])
def test_every_inclusion_proof_of_small_trees_verifies(size: int) -> None:
    data = [f'{{"seq":{i}}}'.encode() for i in range(1, size + 1)]
    for index in range(size):
        assert proof.verify_inclusion(as_api(index, data))


def test_a_tampered_proof_does_not_verify() -> None:
    data = [f'{{"seq":{i}}}'.encode() for i in range(1, 12)]
    good = as_api(6, data)
    assert proof.verify_inclusion(good)
    assert not proof.verify_inclusion({**good, "leaf_data": '{"seq":99}'})
    assert not proof.verify_inclusion({**good, "leaf_index": 5})
    assert not proof.verify_inclusion({**good, "tree_size": 4})
    assert not proof.verify_inclusion({**good, "tree_size": 64})
    hashes = list(good["hashes"])  # type: ignore[call-overload]
    hashes[0] = hashlib.sha256(b"x").hexdigest()
    assert not proof.verify_inclusion({**good, "hashes": hashes})
    assert not proof.verify_inclusion(good, expected_root=b"\x00" * 32)
    assert not proof.verify_inclusion({"leaf_data": "x"})


def test_checkpoint_signature_and_note() -> None:
    key = Ed25519PrivateKey.generate()
    raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    root = hashlib.sha256(b"root").digest()
    note = f"aigov-ledger\n5\n{base64.b64encode(root).decode()}\n2026-11-27T00:00:00+00:00\n"
    signature = base64.b64encode(key.sign(note.encode())).decode()
    public = base64.b64encode(raw).decode()
    assert proof.verify_signature(note, signature, public)
    assert not proof.verify_signature(note.replace("\n5\n", "\n6\n"), signature, public)
    assert not proof.verify_signature(note, "not base64!", public)
    assert proof.note_root(note) == (5, root)
    assert proof.note_root("garbage") is None


def test_references_link_to_eur_lex() -> None:
    assert eurlex("Art. 9") == "https://eur-lex.europa.eu/eli/reg/2024/1689/oj#art_9"
    assert eurlex("Annex III point 4(a)").endswith("#anx_III")
    assert eurlex("GDPR Art. 4") == "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"
    links = str(reflinks(["Art. 6(2); Annex III point 4(a)", "Art. 6(2)"]))
    assert links.count("<a ") == 2
    assert "<script>" not in str(reflinks("<script>"))


def test_time_left_and_due_dates() -> None:
    assert time_left(3 * 86400 + 7200) == "3 d 2 h"
    assert time_left(125 * 60) == "2 h 5 min"
    assert time_left(-3600).startswith("overdue")
    rows = [
        {"article": "Art. 9", "title": "risk", "applies_from": "2027-12-02"},
        {"article": "Art. 4", "title": "literacy", "applies_from": "2025-02-02"},
        {"article": "Art. 10", "title": "data", "applies_from": "2027-12-02"},
        {"article": "Art. 50", "title": "transparency", "applies_from": "2026-12-02"},
    ]
    from datetime import date

    due = _due_next(rows, date(2026, 11, 27))
    assert [d["date"] for d in due] == ["2026-12-02", "2027-12-02"]
    assert [a for a, _ in due[1]["articles"]] == ["Art. 9", "Art. 10"]


def test_charts_are_labelled_svg() -> None:
    svg = str(charts.bars([("high_risk", 3), ("minimal_risk", 1)], title="Tiers"))
    assert svg.startswith("<svg")
    assert 'aria-label="Tiers"' in svg
    assert "high risk" in svg
    assert svg.count("<rect") == 2
    chart = str(charts.line([("2026-11-01", 0.1), ("2026-11-02", 0.6)], title="D", threshold=0.5))
    assert "polyline" in chart
    assert "threshold 50%" in chart
