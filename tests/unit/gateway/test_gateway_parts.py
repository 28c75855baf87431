"""Pure parts of the gateway: token bucket, circuit breaker, roles, OpenAPI merge, key CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from aigov.gateway import keys as keys_cli
from aigov.gateway.apikey.service import hash_secret
from aigov.gateway.authz import roles, scopes_for
from aigov.gateway.breaker import CIRCUIT_STATE, CircuitBreaker, CircuitOpen, State
from aigov.gateway.openapi import merge
from aigov.gateway.ratelimit import TokenBucketLimiter
from aigov.shared.tenancy import SCOPES


def test_token_bucket_refills_and_reports() -> None:
    limiter = TokenBucketLimiter(per_minute=60, burst=2)
    first = limiter.take("k", now=0.0)
    assert first.allowed
    assert first.remaining == 1
    assert first.headers()["RateLimit-Policy"] == '"default";q=2;w=2'
    assert limiter.take("k", now=0.0).allowed
    refused = limiter.take("k", now=0.0)
    assert not refused.allowed
    assert refused.headers()["Retry-After"] == "1"
    assert refused.headers()["RateLimit"] == '"default";r=0;t=2'
    assert limiter.take("other", now=0.0).allowed  # per identity
    assert limiter.take("k", now=1.0).allowed  # one token back after a second
    assert not limiter.take("k", now=1.0).allowed


def test_token_bucket_forgets_the_oldest_identity_when_full() -> None:
    limiter = TokenBucketLimiter(per_minute=1, burst=1, max_buckets=2)
    for identity in ("a", "b", "c"):
        assert limiter.take(identity, now=0.0).allowed
    assert limiter.take("a", now=0.0).allowed  # evicted, so a fresh bucket
    assert not limiter.take("c", now=0.0).allowed


def test_breaker_closed_open_half_open_closed() -> None:
    breaker = CircuitBreaker("unit-test", failure_threshold=2, open_s=10)
    breaker.before_call(now=0)
    breaker.record_failure(now=0)
    assert breaker.state is State.CLOSED
    breaker.record_failure(now=1)
    assert breaker.state is State.OPEN  # type: ignore[comparison-overlap]
    assert CIRCUIT_STATE.labels("unit-test")._value.get() == 2
    with pytest.raises(CircuitOpen) as refused:
        breaker.before_call(now=5)
    assert refused.value.retry_after_s == 6
    breaker.before_call(now=11)  # the probe goes out
    assert breaker.state is State.HALF_OPEN
    with pytest.raises(CircuitOpen):
        breaker.before_call(now=11)  # only one probe at a time
    breaker.record_failure(now=12)
    assert breaker.state is State.OPEN  # the probe failed: open again
    breaker.before_call(now=23)
    breaker.record_success()
    assert breaker.state is State.CLOSED
    assert CIRCUIT_STATE.labels("unit-test")._value.get() == 0


def test_a_success_resets_the_failure_count() -> None:
    breaker = CircuitBreaker("unit-test-2", failure_threshold=2, open_s=10)
    breaker.record_failure(now=0)
    breaker.record_success()
    breaker.record_failure(now=1)
    assert breaker.state is State.CLOSED


def test_roles_map_onto_known_scopes() -> None:
    table = roles()
    assert set(table) == {"viewer", "contributor", "compliance_officer", "auditor", "admin"}
    assert scopes_for("admin") == frozenset(SCOPES)
    auditor = scopes_for("auditor")
    assert "audit:export" in auditor
    assert not any(scope.endswith(":write") or scope == "admin" for scope in auditor)
    assert {s for s in SCOPES if s.endswith(":read")} <= auditor
    assert not any(s.endswith(":write") for s in scopes_for("viewer"))
    assert "audit:export" not in scopes_for("contributor")
    assert scopes_for("contributor") < scopes_for("compliance_officer")
    assert scopes_for("unknown") == frozenset()


def _service_doc(schema: dict[str, Any], path: str) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/Item"}
    return {
        "openapi": "3.1.0",
        "paths": {
            path: {
                "get": {
                    "operationId": "get_item",
                    "tags": ["items"],
                    "responses": {"200": {"content": {"application/json": {"schema": ref}}}},
                }
            },
            "/healthz": {"get": {"operationId": "healthz", "responses": {}}},
        },
        "components": {"schemas": {"Item": schema, "Shared": {"type": "string"}}},
        "tags": [{"name": "items"}],
    }


def test_openapi_merge_prefixes_colliding_components() -> None:
    base = {"openapi": "3.1.0", "info": {"title": "aigov", "version": "1"}, "paths": {}}
    inventory = _service_doc({"type": "object", "title": "A"}, "/v1/systems/{id}")
    evidence = _service_doc({"type": "object", "title": "B"}, "/v1/ledger")
    inventory["paths"]["/v1/ingest/mlflow/{organisation_id}"] = {
        "post": {"operationId": "ingest", "responses": {}}
    }
    inventory["paths"]["/v1/ledger"] = {"get": {"operationId": "wrong", "responses": {}}}
    doc = merge(base, {"inventory": inventory, "evidence": evidence}, oidc_issuer="https://i")

    schemas = doc["components"]["schemas"]
    assert schemas["Item"]["title"] == "A"
    assert schemas["evidence_Item"]["title"] == "B"
    assert set(schemas) == {"Item", "evidence_Item", "Shared"}
    ledger = doc["paths"]["/v1/ledger"]["get"]
    ref = ledger["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref == "#/components/schemas/evidence_Item"
    assert ledger["operationId"] == "evidence_get_item"  # made unique
    assert "/healthz" not in doc["paths"]  # services' operational paths stay private
    assert doc["paths"]["/v1/ingest/mlflow/{organisation_id}"]["post"]["security"] == []
    assert set(doc["components"]["securitySchemes"]) == {"ApiKey", "Bearer", "OIDC"}
    assert {"ApiKey": []} in doc["security"]
    assert doc["tags"] == [{"name": "items"}]


def test_openapi_merge_renames_what_refers_to_a_renamed_component() -> None:
    base = {"openapi": "3.1.0", "info": {"title": "aigov", "version": "1"}, "paths": {}}
    ref = {"$ref": "#/components/schemas/Inner"}
    first = {"components": {"schemas": {"Inner": {"type": "string"}, "Outer": {"items": ref}}}}
    second = {"components": {"schemas": {"Inner": {"type": "integer"}, "Outer": {"items": ref}}}}
    doc = merge(base, {"inventory": first, "evidence": second})
    schemas = doc["components"]["schemas"]
    assert schemas["evidence_Inner"] == {"type": "integer"}
    assert schemas["evidence_Outer"] == {"items": {"$ref": "#/components/schemas/evidence_Inner"}}
    assert schemas["Outer"] == {"items": ref}


def test_key_cli_creates_lists_and_revokes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}"
    base = ["--database-url", url]
    assert (
        keys_cli.main(
            [*base, "create", "--organisation", "acme", "--role", "admin", "--name", "bootstrap"]
        )
        == 0
    )
    created = json.loads(capsys.readouterr().out)
    assert created["key"].startswith("aigov_")
    assert created["role"] == "admin"
    assert hash_secret(created["key"]).encode() in (tmp_path / "keys.db").read_bytes()
    assert created["key"].encode() not in (tmp_path / "keys.db").read_bytes()

    keys_cli.main([*base, "list", "--organisation", "acme"])
    listed = json.loads(capsys.readouterr().out)["items"]
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0]

    keys_cli.main([*base, "revoke", "--organisation", "acme", created["id"]])
    assert json.loads(capsys.readouterr().out)["revoked_at"] is not None
    with pytest.raises(SystemExit):
        keys_cli.main([*base, "create", "--organisation", "acme", "--role", "root", "--name", "x"])
