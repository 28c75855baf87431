"""Caller contexts for calling a service directly, as the gateway would."""

from __future__ import annotations

from aigov.shared.config import ServiceSettings
from aigov.shared.tenancy import CONTEXT_HEADER, SCOPES, CallerContext, sign_context


def caller_headers(
    organisation_id: str = "org-a", scopes: frozenset[str] | None = None
) -> dict[str, str]:
    ctx = CallerContext(
        organisation_id=organisation_id,
        subject="tests",
        scopes=frozenset(SCOPES) if scopes is None else scopes,
    )
    # The gateway signs each request for 60 s; tests reuse headers across slow runs, so longer.
    return {CONTEXT_HEADER: sign_context(ctx, ServiceSettings().internal_secret, ttl_s=3600)}
