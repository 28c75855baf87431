"""The ledger over HTTP. Entries are listed per organisation; proofs, checkpoints and the public
key are about the one global Merkle tree (see ``ledger.service``)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from aigov.evidence.deps import EvidenceDep
from aigov.evidence.ledger import service
from aigov.evidence.ledger.signing import ORIGIN, public_key_pem
from aigov.shared.deps import SessionDep
from aigov.shared.params import PositiveIntId
from aigov.shared.problems import PROBLEM_RESPONSES, NotFound
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(prefix="/v1/ledger", tags=["ledger"], responses=PROBLEM_RESPONSES)


class LedgerEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    event_id: str
    topic: str
    event_type: str
    source: str
    subject: str | None
    event_time: datetime
    recorded_at: datetime
    envelope: dict[str, Any]
    leaf_hash: str


class LedgerPage(BaseModel):
    items: list[LedgerEntryRead]
    next_after: int | None


class InclusionProofRead(BaseModel):
    seq: int
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root_hash: str
    hashes: list[str]
    leaf_data: str  # the exact hashed bytes (canonical JSON), so the leaf hash can be recomputed


class ConsistencyProofRead(BaseModel):
    first: int
    second: int
    first_root: str
    second_root: str
    hashes: list[str]


class CheckpointRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tree_size: int
    root_hash: str
    issued_at: datetime
    key_id: str
    note: str
    signature: str


class PublicKeyRead(BaseModel):
    algorithm: str
    key_id: str
    public_key: str  # raw 32 bytes, base64
    pem: str
    origin: str


class TreeHead(BaseModel):
    tree_size: int
    root_hash: str


class LedgerVerification(BaseModel):
    valid: bool
    entries: int
    tree_size: int
    root_hash: str
    checkpoints_checked: int
    first_invalid_seq: int | None
    reason: str | None
    verified_at: datetime


@router.get("", response_model=LedgerPage)
async def list_ledger_entries(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
    system_id: Annotated[str | None, Query(max_length=200)] = None,
    after: Annotated[int, Query(ge=0, description="Return entries after this position")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> object:
    """The organisation's ledger entries in append order, optionally for one AI system."""
    items = await service.list_entries(
        session,
        organisation_id=caller.organisation_id,
        subject=system_id,
        after=after,
        limit=limit,
    )
    next_after = items[-1].seq if len(items) == limit else None
    return {"items": items, "next_after": next_after}


@router.get("/head", response_model=TreeHead)
async def get_tree_head(
    session: SessionDep, caller: Annotated[CallerContext, requires("evidence:read")]
) -> object:
    """The current (unsigned) size and root of the global tree."""
    size, root = await service.current_root(session)
    return {"tree_size": size, "root_hash": root.hex()}


@router.get("/entries/{seq}", response_model=LedgerEntryRead)
async def get_ledger_entry(
    seq: PositiveIntId,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
) -> object:
    return await service.get_entry(session, seq=seq, organisation_id=caller.organisation_id)


@router.get("/entries/{seq}/proof", response_model=InclusionProofRead)
async def get_inclusion_proof(
    seq: PositiveIntId,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
    tree_size: Annotated[int | None, Query(ge=1, description="Default: the current size")] = None,
) -> object:
    """RFC 9162 inclusion proof of the entry (leaf ``seq - 1``) in the tree of ``tree_size``."""
    proof = await service.inclusion_proof(
        session, seq=seq, organisation_id=caller.organisation_id, size=tree_size
    )
    entry = await service.get_entry(session, seq=seq, organisation_id=caller.organisation_id)
    data = service.leaf_data(seq=entry.seq, topic=entry.topic, envelope=entry.envelope)
    return {**proof.__dict__, "leaf_data": data.decode()}


@router.get("/consistency", response_model=ConsistencyProofRead)
async def get_consistency_proof(
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
    first: Annotated[int, Query(ge=1)],
    second: Annotated[int | None, Query(ge=1, description="Default: the current size")] = None,
) -> object:
    """RFC 9162 consistency proof that the tree of ``first`` leaves is a prefix of ``second``."""
    size = second if second is not None else await service.tree_size(session)
    return (await service.consistency_proof(session, first=first, second=size)).__dict__


@router.get("/checkpoints/latest", response_model=CheckpointRead)
async def get_latest_checkpoint(
    session: SessionDep, caller: Annotated[CallerContext, requires("evidence:read")]
) -> object:
    row = await service.latest_checkpoint(session)
    if row is None:
        raise NotFound("no checkpoint has been published yet")
    return row


@router.get("/checkpoints/{checkpoint_id}", response_model=CheckpointRead)
async def get_checkpoint(
    checkpoint_id: PositiveIntId,
    session: SessionDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
) -> object:
    return await service.get_checkpoint(session, checkpoint_id)


@router.post("/checkpoints", response_model=CheckpointRead, status_code=201)
async def publish_checkpoint(
    session: SessionDep,
    evidence: EvidenceDep,
    caller: Annotated[CallerContext, requires("evidence:write")],
) -> object:
    """Sign and publish the current tree head now (the schedule does it when the tree grew)."""
    return await service.publish_checkpoint(session, evidence.signer, only_if_grown=False)


@router.get("/public-key", response_model=PublicKeyRead)
async def get_public_key(
    evidence: EvidenceDep, caller: Annotated[CallerContext, requires("evidence:read")]
) -> object:
    """The Ed25519 key checkpoints are signed with: pin it to verify packages offline."""
    signer = evidence.signer
    return {
        "algorithm": "Ed25519",
        "key_id": signer.key_id,
        "public_key": base64.b64encode(signer.public_raw).decode(),
        "pem": public_key_pem(signer.public),
        "origin": ORIGIN,
    }


@router.get("/verify", response_model=LedgerVerification)
async def verify_ledger(
    session: SessionDep,
    evidence: EvidenceDep,
    caller: Annotated[CallerContext, requires("evidence:read")],
    max_age_s: Annotated[
        int | None,
        Query(
            ge=0,
            le=86_400,
            description="accept a full verification at most this old (see `verified_at`)",
        ),
    ] = None,
) -> object:
    """Re-hash every entry, rebuild the tree and check it against the stored head and every
    signed checkpoint; reports the first entry that does not verify."""
    report = evidence.recent_verification(max_age_s) if max_age_s is not None else None
    if report is None:
        report = await service.verify_ledger(session, evidence.signer)
        evidence.last_verification = report
    return report.__dict__
