"""What the evidence service adds to the shared runtime: the blob store and the ledger signer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request

from aigov.evidence.blobstore import BlobStore
from aigov.evidence.config import EvidenceSettings
from aigov.evidence.ledger.service import LedgerReport
from aigov.evidence.ledger.signing import Signer
from aigov.shared.db import utcnow


@dataclass
class EvidenceRuntime:
    settings: EvidenceSettings
    store: BlobStore
    signer: Signer
    # The latest full re-hash of the ledger (on demand or scheduled), so views that only need to
    # know whether it held need not re-hash every entry again.
    last_verification: LedgerReport | None = None

    def recent_verification(self, max_age_s: float) -> LedgerReport | None:
        report = self.last_verification
        if report is None or utcnow() - report.verified_at > timedelta(seconds=max_age_s):
            return None
        return report


def get_evidence_runtime(request: Request) -> EvidenceRuntime:
    runtime: EvidenceRuntime = request.app.state.evidence
    return runtime


EvidenceDep = Annotated[EvidenceRuntime, Depends(get_evidence_runtime)]
