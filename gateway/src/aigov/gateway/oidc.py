"""OIDC bearer tokens: JWTs checked against the issuer's JWKS with PyJWT.

The accepted algorithms come from configuration, never from the token header (RFC 8725 3.1).
Issuer, audience, expiry and subject are required. Keys are cached for ``jwks_ttl_s`` and the
set is fetched again when a token names an unknown ``kid`` (key rotation), at most once per
``min_refresh_s`` so forged ``kid`` values cannot turn into a fetch storm.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from jwt.types import Options

from aigov.shared.tenancy import Unauthorized

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    audience: str | None
    algorithms: tuple[str, ...]
    jwks_url: str | None = None
    role_claim: str = "aigov_role"
    organisation_claim: str = "aigov_org"
    leeway_s: float = 30.0
    jwks_ttl_s: float = 300.0
    min_refresh_s: float = 10.0


class JwksCache:
    def __init__(self, config: OidcConfig, client: httpx.AsyncClient) -> None:
        self.config = config
        self.client = client
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._jwks_url: str | None = config.jwks_url
        self._lock = asyncio.Lock()

    async def _resolve_url(self) -> str:
        if self._jwks_url is None:
            discovery = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
            response = await self.client.get(discovery)
            response.raise_for_status()
            self._jwks_url = str(response.json()["jwks_uri"])
        return self._jwks_url

    async def _refresh(self) -> None:
        response = await self.client.get(await self._resolve_url())
        response.raise_for_status()
        keys: dict[str, jwt.PyJWK] = {}
        for data in response.json().get("keys", []):
            if data.get("use", "sig") != "sig" or "kid" not in data:
                continue
            try:
                keys[str(data["kid"])] = jwt.PyJWK(data)
            except jwt.PyJWTError:
                logger.warning("skipping an unusable JWK", extra={"kid": data.get("kid")})
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def key(self, kid: str) -> jwt.PyJWK:
        async with self._lock:
            now = time.monotonic()
            stale = self._fetched_at is None or now - self._fetched_at > self.config.jwks_ttl_s
            unknown = kid not in self._keys and (
                self._fetched_at is None or now - self._fetched_at >= self.config.min_refresh_s
            )
            if stale or unknown:
                try:
                    await self._refresh()
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    logger.warning("JWKS fetch failed: %s", exc)
                    if not self._keys:
                        raise Unauthorized("the identity provider's keys are unavailable") from exc
            found = self._keys.get(kid)
        if found is None:
            raise Unauthorized("token signed with an unknown key")
        return found


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    organisation_id: str
    roles: tuple[str, ...]


class OidcVerifier:
    def __init__(self, config: OidcConfig, client: httpx.AsyncClient) -> None:
        self.config = config
        self.jwks = JwksCache(config, client)

    async def verify(self, token: str) -> TokenClaims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise Unauthorized("malformed bearer token") from exc
        if header.get("alg") not in self.config.algorithms:
            raise Unauthorized("token algorithm not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise Unauthorized("token names no key (kid)")
        jwk = await self.jwks.key(kid)
        if jwk.algorithm_name not in self.config.algorithms:
            raise Unauthorized("token algorithm not accepted")
        required = ["exp", "iss", "sub"] + (["aud"] if self.config.audience is not None else [])
        options: Options = {"require": required}
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                jwk.key,
                algorithms=list(self.config.algorithms),
                audience=self.config.audience,
                issuer=self.config.issuer,
                leeway=self.config.leeway_s,
                options=options,
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token expired") from exc
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"token rejected: {exc}") from exc
        organisation = claims.get(self.config.organisation_claim)
        if not isinstance(organisation, str) or not organisation:
            raise Unauthorized(f"token carries no {self.config.organisation_claim!r} claim")
        raw_roles = claims.get(self.config.role_claim)
        if isinstance(raw_roles, str):
            roles: tuple[str, ...] = tuple(raw_roles.split())
        elif isinstance(raw_roles, list):
            roles = tuple(str(role) for role in raw_roles)
        else:
            roles = ()
        return TokenClaims(subject=str(claims["sub"]), organisation_id=organisation, roles=roles)
