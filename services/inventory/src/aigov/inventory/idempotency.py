"""``Idempotency-Key`` on POST (draft-ietf-httpapi-idempotency-key-header): the first request's
answer is stored with the change it made, in the same transaction, and replayed on a retry.

Keys are scoped to the organisation. The same key with a different payload is a client error
(422); a retry while the first request is still in flight meets the first one's row lock and
then its primary key (409).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.inventory.system.models import IdempotencyRecord
from aigov.shared.problems import Conflict, DomainError, Unprocessable


class InvalidIdempotencyKey(DomainError):
    status, title, slug = 400, "Invalid Idempotency-Key", "invalid-idempotency-key"


@dataclass
class Claim:
    record: IdempotencyRecord
    replay: bool


def fingerprint(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _clean(key: str) -> str:
    # A structured-field string arrives quoted ("..."); the bare form is accepted too.
    key = key.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise InvalidIdempotencyKey("Idempotency-Key must be 1-255 printable characters")
    return key


async def claim(
    session: AsyncSession, *, organisation_id: str, key: str, route: str, fingerprint: str
) -> Claim:
    key = _clean(key)
    existing = await session.get(IdempotencyRecord, (organisation_id, key))
    if existing is not None:
        if existing.route != route or existing.fingerprint != fingerprint:
            raise Unprocessable(
                "this Idempotency-Key was already used with a different request",
                idempotency_key=key,
            )
        return Claim(existing, replay=True)
    record = IdempotencyRecord(
        organisation_id=organisation_id,
        key=key,
        route=route,
        fingerprint=fingerprint,
        status_code=0,
        response_body={},
        response_headers={},
    )
    try:
        async with session.begin_nested():
            session.add(record)
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            "a request with this Idempotency-Key is still being processed; retry later",
            idempotency_key=key,
        ) from exc
    return Claim(record, replay=False)


def complete(
    claim: Claim, *, status_code: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    claim.record.status_code = status_code
    claim.record.response_body = body
    claim.record.response_headers = headers or {}
