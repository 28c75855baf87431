"""One OpenAPI document for the whole API: the gateway's own routes plus each service's public
paths, with the security schemes.

Each service's ``/openapi.json`` is fetched at start-up and on demand; a service that is down
leaves its part out (listed under ``x-aigov-missing``) and is asked again on a later request for
the document. Component names that two services define differently get the service's name as a
prefix, and that service's references are rewritten to match.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from aigov.gateway.routes import is_public, service_for

logger = logging.getLogger(__name__)

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SECURITY_SCHEMES: dict[str, Any] = {
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    "Bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (aigov_...) or an OIDC access token (JWT).",
    },
}


def _rewrite_refs(node: Any, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                prefix, _, name = value.rpartition("/")
                section = prefix.rsplit("/", 1)[-1]
                value = f"{prefix}/{renames.get(f'{section}/{name}', name)}"
            out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _collisions(service: str, incoming: dict[str, Any], existing: dict[str, Any]) -> dict[str, str]:
    """Components of ``service`` to rename: those that differ from one already merged under the
    same name, including those that differ only because they refer to a renamed one."""
    renames: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for section, entries in incoming.items():
            for name, value in entries.items():
                key = f"{section}/{name}"
                current = existing.get(section, {})
                if key in renames or name not in current:
                    continue
                if current[name] != _rewrite_refs(value, renames):
                    renames[key] = f"{service}_{name}"
                    changed = True
    return renames


def merge(
    base: dict[str, Any], parts: dict[str, dict[str, Any]], *, oidc_issuer: str | None = None
) -> dict[str, Any]:
    """``base`` (the gateway's own document) with each service's public paths merged in."""
    doc = copy.deepcopy(base)
    paths: dict[str, Any] = doc.setdefault("paths", {})
    components: dict[str, Any] = doc.setdefault("components", {})
    operation_ids = {
        op.get("operationId")
        for item in paths.values()
        for method, op in item.items()
        if method in METHODS
    }
    tags = {tag["name"]: tag for tag in doc.get("tags", [])}
    for service, part in parts.items():
        renames = _collisions(service, part.get("components", {}), components)
        part = _rewrite_refs(part, renames)
        for section, entries in part.get("components", {}).items():
            target = components.setdefault(section, {})
            for name, value in entries.items():
                target[renames.get(f"{section}/{name}", name)] = value
        for path, item in part.get("paths", {}).items():
            if not path.startswith("/v1/") or service_for(path[len("/v1/") :]) != service:
                continue  # health, readiness and anything the gateway does not route there
            merged_item = paths.setdefault(path, {})
            for method, op in item.items():
                if method in merged_item:
                    continue
                if method in METHODS:
                    op = dict(op)
                    if op.get("operationId") in operation_ids:
                        op["operationId"] = f"{service}_{op['operationId']}"
                    operation_ids.add(op.get("operationId"))
                    if is_public(path[len("/v1/") :]):
                        op["security"] = []  # webhooks carry their own signatures
                merged_item[method] = op
        for tag in part.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        doc["tags"] = list(tags.values())
    schemes = dict(SECURITY_SCHEMES)
    if oidc_issuer:
        schemes["OIDC"] = {
            "type": "openIdConnect",
            "openIdConnectUrl": oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        }
    components.setdefault("securitySchemes", {}).update(schemes)
    doc["security"] = [{name: []} for name in schemes]
    for path, item in paths.items():
        if path in ("/healthz", "/readyz"):
            for method in item:
                if method in METHODS:
                    item[method]["security"] = []
    return doc


class OpenApiAggregator:
    def __init__(
        self,
        app: FastAPI,
        clients: dict[str, httpx.AsyncClient],
        *,
        retry_s: float,
        oidc_issuer: str | None,
    ) -> None:
        self.app = app
        self.clients = clients
        self.retry_s = retry_s
        self.oidc_issuer = oidc_issuer
        self.parts: dict[str, dict[str, Any]] = {}
        self.missing: dict[str, str] = dict.fromkeys(clients, "not fetched yet")
        self.fetched_at = 0.0
        self._document: dict[str, Any] | None = None
        self._lock = asyncio.Lock()

    def _base(self) -> dict[str, Any]:
        return get_openapi(
            title=self.app.title,
            version=self.app.version,
            description=self.app.description,
            routes=self.app.routes,
        )

    async def _fetch(self, service: str) -> None:
        try:
            response = await self.clients[service].get("/openapi.json", timeout=5.0)
            response.raise_for_status()
            document = response.json()
            if not isinstance(document, dict) or "paths" not in document:
                raise ValueError("not an OpenAPI document")
        except (httpx.HTTPError, ValueError) as exc:
            self.missing[service] = f"unavailable: {type(exc).__name__}"
            logger.warning("OpenAPI of %s not merged: %s", service, exc)
            return
        self.parts[service] = document
        self.missing.pop(service, None)

    async def refresh(self, only_missing: bool = False) -> dict[str, str]:
        async with self._lock:
            services = list(self.missing) if only_missing else list(self.clients)
            await asyncio.gather(*(self._fetch(service) for service in services))
            self.fetched_at = time.monotonic()
            self._document = None
        return self.status()

    async def fill_in(self, first_delay_s: float = 1.0, max_delay_s: float = 30.0) -> None:
        """Retries the missing parts with backoff until all are there (services usually start
        beside the gateway, so the first fetch can come too early). Runs as a lifespan task."""
        delay = first_delay_s
        while self.missing:
            await asyncio.sleep(delay)
            await self.refresh(only_missing=True)
            delay = min(delay * 2, max_delay_s)

    def status(self) -> dict[str, str]:
        return {service: self.missing.get(service, "ok") for service in self.clients}

    async def current(self) -> dict[str, Any]:
        if self.missing and time.monotonic() - self.fetched_at >= self.retry_s:
            await self.refresh(only_missing=True)
        return self.document()

    def document(self) -> dict[str, Any]:
        if self._document is None:
            order = [service for service in self.clients if service in self.parts]
            doc = merge(
                self._base(),
                {service: self.parts[service] for service in order},
                oidc_issuer=self.oidc_issuer,
            )
            if self.missing:
                doc["x-aigov-missing"] = dict(self.missing)
            self._document = doc
        return self._document
