"""Checks the console runs itself on what the evidence API hands out, so a page can say
"verified" without trusting the server's word: an RFC 9162 inclusion proof recomputed from the
leaf data, and the Ed25519 signature of the checkpoint note."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_inclusion(index: int, size: int, leaf: bytes, path: Sequence[bytes]) -> bytes | None:
    """RFC 9162 section 2.1.3.2; None when the proof cannot be for that index and size."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn & 1 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return r if sn == 0 else None


def verify_inclusion(proof: dict[str, object], expected_root: bytes | None = None) -> bool:
    """``proof`` as ``GET /v1/ledger/entries/{seq}/proof`` answers it."""
    try:
        data = str(proof["leaf_data"]).encode()
        leaf = leaf_hash(data)
        if leaf.hex() != proof["leaf_hash"]:
            return False
        hashes = [bytes.fromhex(str(h)) for h in proof["hashes"]]  # type: ignore[attr-defined]
        root = root_from_inclusion(
            int(proof["leaf_index"]),  # type: ignore[call-overload]
            int(proof["tree_size"]),  # type: ignore[call-overload]
            leaf,
            hashes,
        )
    except (KeyError, ValueError, TypeError):
        return False
    if root is None:
        return False
    want = expected_root if expected_root is not None else bytes.fromhex(str(proof["root_hash"]))
    return root == want


def note_root(note: str) -> tuple[int, bytes] | None:
    """Tree size and root from a checkpoint note (origin, size, base64 root, time)."""
    lines = note.split("\n")
    if len(lines) < 3:
        return None
    try:
        return int(lines[1]), base64.b64decode(lines[2], validate=True)
    except ValueError:
        return None


def verify_signature(note: str, signature_b64: str, public_key_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), note.encode())
    except (InvalidSignature, ValueError):
        return False
    return True
