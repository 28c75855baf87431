"""Ed25519 checkpoint signatures.

A checkpoint note is plain text, one field per line, in the spirit of the C2SP signed-note
checkpoints (origin, tree size, base64 root hash) plus the issue time::

    aigov.dev/evidence-ledger/v1
    1234
    <base64 of the 32-byte root hash>
    2026-11-27T21:00:00+00:00

The signature is Ed25519 over those exact UTF-8 bytes. The key id is the first 8 bytes (hex) of
SHA-256 of the raw public key. Anyone holding the public key can verify a checkpoint offline.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ORIGIN = "aigov.dev/evidence-ledger/v1"


@dataclass(frozen=True)
class Checkpoint:
    tree_size: int
    root_hash: bytes
    issued_at: datetime

    def note(self) -> str:
        root = base64.b64encode(self.root_hash).decode()
        return f"{ORIGIN}\n{self.tree_size}\n{root}\n{self.issued_at.isoformat()}\n"


def parse_note(note: str) -> Checkpoint:
    lines = note.split("\n")
    if len(lines) != 5 or lines[0] != ORIGIN or lines[4] != "":
        raise ValueError("not an aigov ledger checkpoint note")
    return Checkpoint(
        tree_size=int(lines[1]),
        root_hash=base64.b64decode(lines[2], validate=True),
        issued_at=datetime.fromisoformat(lines[3]),
    )


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def load_public_key(text: str | bytes) -> Ed25519PublicKey:
    """A PEM public key, or the raw 32 bytes in base64."""
    data = text.encode() if isinstance(text, str) else text
    if b"BEGIN PUBLIC KEY" in data:
        key = serialization.load_pem_public_key(data)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(data.strip(), validate=True))


def verify_note(public: Ed25519PublicKey, note: str, signature_b64: str) -> bool:
    try:
        public.verify(base64.b64decode(signature_b64, validate=True), note.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


class Signer:
    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = private.public_key()
        self.public_raw = raw_public_key(self.public)
        self.key_id = key_id(self.public_raw)

    def sign(self, note: str) -> str:
        return base64.b64encode(self._private.sign(note.encode())).decode()

    @classmethod
    def from_settings(cls, *, key_b64: str | None, key_file: str, generate: bool) -> Signer:
        """The key from a secret (base64 of the raw 32-byte seed), else from a PEM file; a dev
        key is generated into the file when allowed."""
        if key_b64:
            raw = base64.b64decode(key_b64, validate=True)
            return cls(Ed25519PrivateKey.from_private_bytes(raw))
        path = Path(key_file)
        if path.exists():
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
            if not isinstance(key, Ed25519PrivateKey):
                raise ValueError(f"{path} is not an Ed25519 private key")
            return cls(key)
        if not generate:
            raise FileNotFoundError(f"no ledger signing key at {path}")
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(pem)
        return cls(private)
