"""The hash chain: each entry's hash covers the previous hash and the entry's canonical bytes.

``entry_hash = SHA-256(prev_hash || canonical_json(record))`` where ``record`` holds the position,
the topic and the whole CloudEvent. Changing, removing or reordering any entry breaks every hash
after it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS_HASH = "0" * 64


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the same bytes for the same value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_record(*, seq: int, topic: str, envelope: dict[str, Any]) -> dict[str, Any]:
    return {"seq": seq, "topic": topic, "event": envelope}


def chain_hash(prev_hash: str, record: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical_json(record)).hexdigest()
