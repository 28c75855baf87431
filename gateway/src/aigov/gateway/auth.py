"""Who the caller is. Secure by default: no credentials, no access."""

from __future__ import annotations

from fastapi import Request

from aigov.gateway.config import GatewaySettings
from aigov.shared.tenancy import SCOPES, CallerContext, Unauthorized


def authenticate(request: Request, settings: GatewaySettings) -> CallerContext:
    if settings.dev_organisation:
        return CallerContext(
            organisation_id=settings.dev_organisation,
            subject="local-developer",
            scopes=frozenset(SCOPES),
            role="admin",
        )
    raise Unauthorized("credentials required")
