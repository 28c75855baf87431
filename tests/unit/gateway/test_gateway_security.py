"""The gateway's own security on its own routes (no services needed: they are all 'down')."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.unit.gateway.support import IdentityProvider, gateway_settings, make_key, serve_gateway

KEYS = "/v1/admin/api-keys"


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status


async def test_no_credentials_is_401_with_a_challenge(tmp_path: Path) -> None:
    async with serve_gateway(gateway_settings(tmp_path)) as (_, client):
        for path in (KEYS, "/v1/systems/x", "/v1/ledger"):
            response = await client.get(path)
            assert_problem(response, 401)
            assert response.headers["www-authenticate"].startswith("Bearer")
        assert_problem(await client.get(KEYS, headers={"authorization": "Basic YTpi"}), 401)
        assert_problem(await client.get(KEYS, headers={"x-api-key": "aigov_guess"}), 401)
        assert_problem(await client.get(KEYS, headers={"authorization": "Bearer aigov_x"}), 401)


async def test_api_key_lifecycle_shown_once_scoped_revocable(tmp_path: Path) -> None:
    async with serve_gateway(gateway_settings(tmp_path)) as (app, client):
        admin = {"x-api-key": await make_key(app, organisation="org-a", role="admin")}
        created = await client.post(KEYS, headers=admin, json={"name": "ci", "role": "viewer"})
        assert created.status_code == 201, created.text
        body = created.json()
        secret = body["key"]
        assert secret.startswith("aigov_")
        assert len(secret) > 40
        assert created.headers["cache-control"] == "no-store"
        assert created.headers["location"] == f"{KEYS}/{body['id']}"

        listed = (await client.get(KEYS, headers=admin)).json()["items"]
        assert {k["name"] for k in listed} == {"test", "ci"}
        assert all("key" not in k and "secret_hash" not in k for k in listed)
        assert secret not in (await client.get(KEYS, headers=admin)).text

        # Only a hash is stored.
        raw = (tmp_path / "gateway.db").read_bytes()
        assert secret.encode() not in raw

        viewer = {"authorization": f"Bearer {secret}"}
        assert_problem(await client.get(KEYS, headers=viewer), 403)  # wrong scope
        assert (await client.get(f"{KEYS}/{body['id']}", headers=admin)).json()[
            "last_used_at"
        ] is not None

        assert (await client.delete(f"{KEYS}/{body['id']}", headers=admin)).status_code == 204
        assert_problem(await client.get(KEYS, headers=viewer), 401)  # revoked: at once
        assert (await client.delete(f"{KEYS}/{body['id']}", headers=admin)).status_code == 204
        revoked = (await client.get(f"{KEYS}/{body['id']}", headers=admin)).json()
        assert revoked["revoked_at"] is not None

        bad_role = await client.post(KEYS, headers=admin, json={"name": "x", "role": "root"})
        assert_problem(bad_role, 422)
        past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        expired = await client.post(
            KEYS, headers=admin, json={"name": "x", "role": "viewer", "expires_at": past}
        )
        assert_problem(expired, 422)


async def test_keys_are_tenant_scoped(tmp_path: Path) -> None:
    async with serve_gateway(gateway_settings(tmp_path)) as (app, client):
        admin_a = {"x-api-key": await make_key(app, organisation="org-a", role="admin")}
        admin_b = {"x-api-key": await make_key(app, organisation="org-b", role="admin")}
        key_a = await client.post(KEYS, headers=admin_a, json={"name": "a", "role": "auditor"})
        key_id = key_a.json()["id"]
        assert_problem(await client.get(f"{KEYS}/{key_id}", headers=admin_b), 404)
        assert_problem(await client.delete(f"{KEYS}/{key_id}", headers=admin_b), 404)
        assert [
            k["organisation_id"] for k in (await client.get(KEYS, headers=admin_b)).json()["items"]
        ] == ["org-b"]


async def test_expired_key_is_refused(tmp_path: Path) -> None:
    async with serve_gateway(gateway_settings(tmp_path)) as (app, client):
        soon = datetime.now(UTC) + timedelta(seconds=1)
        key = await make_key(app, organisation="org-a", role="admin", expires_at=soon)
        assert (await client.get(KEYS, headers={"x-api-key": key})).status_code == 200
        app.state.authenticator._cache.clear()
        import asyncio

        await asyncio.sleep(1.1)
        assert_problem(await client.get(KEYS, headers={"x-api-key": key}), 401)


async def test_oidc_tokens(tmp_path: Path) -> None:
    idp = IdentityProvider()
    kid = idp.add_key()
    async with serve_gateway(gateway_settings(tmp_path), idp) as (_, client):

        def bearer(token: str) -> dict[str, str]:
            return {"authorization": f"Bearer {token}"}

        admin = await client.get(KEYS, headers=bearer(idp.token(role="admin")))
        assert admin.status_code == 200, admin.text
        assert_problem(await client.get(KEYS, headers=bearer(idp.token(role="auditor"))), 403)
        assert_problem(await client.get(KEYS, headers=bearer(idp.token(role="nobody"))), 403)

        expired = idp.token(role="admin", expires_in=-3600)
        assert "expired" in (await client.get(KEYS, headers=bearer(expired))).json()["detail"]
        assert_problem(await client.get(KEYS, headers=bearer(expired)), 401)

        from cryptography.hazmat.primitives.asymmetric import rsa

        forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = idp.token(role="admin", kid=kid, signing_key=forged_key)
        assert_problem(await client.get(KEYS, headers=bearer(forged)), 401)
        for claims in ({"aud": "someone-else"}, {"iss": "https://evil.test"}):
            token = idp.token(role="admin", claims=claims)
            assert_problem(await client.get(KEYS, headers=bearer(token)), 401)
        no_org = idp.token(role="admin", claims={"aigov_org": None})
        assert_problem(await client.get(KEYS, headers=bearer(no_org)), 401)

        import jwt

        unsigned = jwt.encode({"sub": "x", "iss": "i"}, "", algorithm="none")
        assert_problem(await client.get(KEYS, headers=bearer(unsigned)), 401)
        hs = jwt.encode(
            {"sub": "x", "iss": "i", "aigov_org": "org-a", "aigov_role": "admin"},
            "secret-of-at-least-32-bytes-long!!",
            algorithm="HS256",
            headers={"kid": kid},
        )
        assert_problem(await client.get(KEYS, headers=bearer(hs)), 401)
        assert_problem(await client.get(KEYS, headers=bearer("not.a.jwt")), 401)


async def test_jwks_cached_and_refreshed_on_unknown_kid(tmp_path: Path) -> None:
    idp = IdentityProvider()
    idp.add_key()
    settings = gateway_settings(tmp_path, oidc_jwks_min_refresh_s=0.0)
    async with serve_gateway(settings, idp) as (_, client):
        headers = {"authorization": f"Bearer {idp.token(role='admin')}"}
        for _ in range(3):
            assert (await client.get(KEYS, headers=headers)).status_code == 200
        assert idp.fetches == 1  # cached

        rotated = idp.add_key()  # the provider rotates: a new kid the gateway has not seen
        token = idp.token(role="admin", kid=rotated)
        response = await client.get(KEYS, headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        assert idp.fetches == 2

        unknown = idp.token(role="admin", kid="nope", signing_key=idp.keys[rotated])
        assert_problem(await client.get(KEYS, headers={"authorization": f"Bearer {unknown}"}), 401)


async def test_unknown_kid_refetch_is_throttled(tmp_path: Path) -> None:
    idp = IdentityProvider()
    kid = idp.add_key()
    async with serve_gateway(gateway_settings(tmp_path), idp) as (_, client):
        for i in range(5):
            token = idp.token(role="admin", kid=f"forged-{i}", signing_key=idp.keys[kid])
            response = await client.get(KEYS, headers={"authorization": f"Bearer {token}"})
            assert_problem(response, 401)
        assert idp.fetches == 1


async def test_bearer_tokens_refused_without_an_issuer(tmp_path: Path) -> None:
    idp = IdentityProvider()
    idp.add_key()
    settings = gateway_settings(tmp_path, oidc_issuer=None)
    async with serve_gateway(settings, idp) as (_, client):
        token = idp.token(role="admin")
        assert_problem(await client.get(KEYS, headers={"authorization": f"Bearer {token}"}), 401)


async def test_rate_limit_429_with_headers(tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path, rate_limit_per_minute=3)
    async with serve_gateway(settings) as (app, client):
        key = {"x-api-key": await make_key(app, organisation="org-a", role="admin")}
        remaining = []
        for _ in range(3):
            response = await client.get(KEYS, headers=key)
            assert response.status_code == 200
            assert response.headers["ratelimit-policy"] == '"default";q=3;w=60'
            remaining.append(response.headers["ratelimit"])
        assert [r.split(";")[1] for r in remaining] == ["r=2", "r=1", "r=0"]
        limited = await client.get(KEYS, headers=key)
        assert_problem(limited, 429)
        assert 1 <= int(limited.headers["retry-after"]) <= 20
        assert limited.headers["ratelimit"].startswith('"default";r=0;t=')

        # Per key: another key still has its own bucket; its own override applies.
        other = await make_key(app, organisation="org-a", role="admin", rate_limit_per_minute=1)
        assert (await client.get(KEYS, headers={"x-api-key": other})).status_code == 200
        assert_problem(await client.get(KEYS, headers={"x-api-key": other}), 429)


async def test_guessing_keys_is_rate_limited_per_client(tmp_path: Path) -> None:
    async with serve_gateway(gateway_settings(tmp_path, rate_limit_per_minute=2)) as (_, client):
        statuses = [
            (await client.get(KEYS, headers={"x-api-key": f"aigov_{i}"})).status_code
            for i in range(4)
        ]
        assert statuses == [401, 401, 429, 429]


async def test_body_limits_declared_and_streamed(tmp_path: Path) -> None:
    settings = gateway_settings(tmp_path, max_body_bytes=1000, max_upload_bytes=5000)
    async with serve_gateway(settings) as (app, client):
        key = {"x-api-key": await make_key(app, organisation="org-a", role="admin")}
        declared = await client.post(KEYS, headers=key, content=b"x" * 1001)
        assert_problem(declared, 413)
        assert declared.json()["limit_bytes"] == 1000

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(10):
                yield b"{" + b" " * 199

        streamed = await client.post(KEYS, headers=key, content=chunks())
        assert_problem(streamed, 413)
        # Evidence uploads get the higher limit: refused at 5000, not at 1000.
        evidence = {"x-api-key": key["x-api-key"], "content-length": "4000"}
        assert (
            await client.post("/v1/ledger", headers=evidence, content=b"x" * 4000)
        ).status_code != 413
        assert_problem(await client.post("/v1/ledger", headers=key, content=b"x" * 5001), 413)


async def test_security_headers_and_cors(tmp_path: Path) -> None:
    settings = gateway_settings(
        tmp_path, cors_origins=["https://portal.example"], hsts_max_age_s=31536000
    )
    async with serve_gateway(settings) as (_, client):
        response = await client.get("/healthz")
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["strict-transport-security"] == "max-age=31536000"

        preflight = await client.options(
            KEYS,
            headers={
                "origin": "https://portal.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "x-api-key, content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "https://portal.example"
        denied = await client.options(
            KEYS,
            headers={"origin": "https://evil.example", "access-control-request-method": "GET"},
        )
        assert "access-control-allow-origin" not in denied.headers
        simple = await client.get(KEYS, headers={"origin": "https://portal.example"})
        assert simple.status_code == 401
        assert "ratelimit" in simple.headers["access-control-expose-headers"].lower()


async def test_no_hsts_unless_configured_and_docs_page(tmp_path: Path) -> None:
    async with serve_gateway(gateway_settings(tmp_path)) as (_, client):
        response = await client.get("/healthz")
        assert "strict-transport-security" not in response.headers
        docs = await client.get("/docs")
        assert docs.status_code == 200
        assert "/openapi.json" in docs.text
        document = (await client.get("/openapi.json")).json()
        assert set(document["components"]["securitySchemes"]) == {"ApiKey", "Bearer", "OIDC"}
        assert "/v1/admin/api-keys" in document["paths"]
        assert set(document["x-aigov-missing"]) == {
            "inventory",
            "classifier",
            "monitoring",
            "evidence",
        }


async def test_openapi_refresh_is_admin_only(tmp_path: Path) -> None:
    async with serve_gateway(gateway_settings(tmp_path)) as (app, client):
        viewer = {"x-api-key": await make_key(app, organisation="org-a", role="viewer")}
        admin = {"x-api-key": await make_key(app, organisation="org-a", role="admin")}
        refresh = "/v1/admin/openapi/refresh"
        assert_problem(await client.post(refresh), 401)
        assert_problem(await client.post(refresh, headers=viewer), 403)
        refreshed = await client.post(refresh, headers=admin)
        assert refreshed.status_code == 200
        assert refreshed.json()["services"]["inventory"].startswith("unavailable")


async def test_dev_mode_only_without_credentials(tmp_path: Path) -> None:
    async with serve_gateway(gateway_settings(tmp_path, dev_organisation="local")) as (_, c):
        assert (await c.get(KEYS)).status_code == 200  # dev: acts as admin of 'local'
        assert_problem(await c.get(KEYS, headers={"x-api-key": "aigov_wrong"}), 401)


@pytest.mark.parametrize("header", ["x-aigov-context"])
async def test_client_cannot_send_a_context_to_gateway_routes(tmp_path: Path, header: str) -> None:
    async with serve_gateway(gateway_settings(tmp_path)) as (_, client):
        assert_problem(await client.get(KEYS, headers={header: "forged.token"}), 401)


def test_upload_limit_covers_the_api_and_the_console_evidence_forms() -> None:
    from aigov.gateway.app import body_limit
    from aigov.gateway.config import GatewaySettings

    settings = GatewaySettings(max_body_bytes=10, max_upload_bytes=1000)
    limit = body_limit(settings)
    assert limit({"method": "POST", "path": "/v1/evidence"}) == 1000
    assert limit({"method": "POST", "path": "/evidence"}) == 1000
    assert limit({"method": "POST", "path": "/evidence/abc/versions"}) == 1000
    assert limit({"method": "POST", "path": "/v1/systems"}) == 10
    assert limit({"method": "POST", "path": "/systems"}) == 10
    assert limit({"method": "GET", "path": "/evidence"}) == 10
