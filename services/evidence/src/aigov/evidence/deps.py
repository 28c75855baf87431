"""What the evidence service adds to the shared runtime: the blob store and the ledger signer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from aigov.evidence.blobstore import BlobStore
from aigov.evidence.config import EvidenceSettings
from aigov.evidence.ledger.signing import Signer


@dataclass
class EvidenceRuntime:
    settings: EvidenceSettings
    store: BlobStore
    signer: Signer


def get_evidence_runtime(request: Request) -> EvidenceRuntime:
    runtime: EvidenceRuntime = request.app.state.evidence
    return runtime


EvidenceDep = Annotated[EvidenceRuntime, Depends(get_evidence_runtime)]
