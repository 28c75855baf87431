"""Helpers for gateway tests: an identity provider of our own (RSA keys, a JWKS served through
an httpx MockTransport for the key fetch only) and a gateway app with a SQLite key store."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from aigov.gateway.app import create_app
from aigov.gateway.config import GatewaySettings

ISSUER = "https://idp.test/realms/aigov"
AUDIENCE = "aigov-api"
DEAD = "http://127.0.0.1:9"  # nothing listens on the discard port


@dataclass
class IdentityProvider:
    """Signs tokens; serves its public keys as a JWKS; counts how often they were fetched."""

    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)
    fetches: int = 0

    def add_key(self, kid: str | None = None) -> str:
        kid = kid or uuid.uuid4().hex[:8]
        self.keys[kid] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return kid

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid, key in self.keys.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            out.append(jwk | {"kid": kid, "use": "sig", "alg": "RS256"})
        return {"keys": out}

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/.well-known/openid-configuration"):
                return httpx.Response(200, json={"issuer": ISSUER, "jwks_uri": ISSUER + "/jwks"})
            if request.url.path.endswith("/jwks"):
                self.fetches += 1
                return httpx.Response(200, json=self.jwks())
            return httpx.Response(404)

        return httpx.MockTransport(handle)

    def token(
        self,
        *,
        kid: str | None = None,
        organisation: str = "org-a",
        role: str | list[str] = "viewer",
        subject: str = "alice",
        expires_in: float = 300,
        signing_key: rsa.RSAPrivateKey | None = None,
        claims: dict[str, Any] | None = None,
    ) -> str:
        kid = kid or next(iter(self.keys))
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": subject,
            "iat": now,
            "exp": now + int(expires_in),
            "aigov_org": organisation,
            "aigov_role": role,
        } | (claims or {})
        key = signing_key or self.keys[kid]
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid})


def gateway_settings(tmp_path: Path, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}",
        "inventory_url": DEAD,
        "classifier_url": DEAD,
        "monitoring_url": DEAD,
        "evidence_url": DEAD,
        "oidc_issuer": ISSUER,
        "oidc_audience": AUDIENCE,
        "connect_retries": 0,
    } | overrides
    return GatewaySettings(**values)


@asynccontextmanager
async def serve_gateway(
    settings: GatewaySettings, idp: IdentityProvider | None = None
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app = create_app(settings, oidc_transport=(idp or IdentityProvider()).transport())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield app, client


async def make_key(app: FastAPI, *, organisation: str, role: str, **extra: Any) -> str:
    """A key straight through the service layer (as the CLI makes the first one)."""
    from aigov.gateway.apikey import service
    from aigov.shared.db import transaction

    async with transaction(app.state.session_factory) as session:
        _, secret = await service.create_key(
            session,
            organisation_id=organisation,
            name="test",
            role=role,
            created_by="test",
            **extra,
        )
    return secret
