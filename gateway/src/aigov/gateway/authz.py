"""Roles mapped to scopes, loaded once from ``roles.json`` (data, not branches)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from aigov.shared.tenancy import SCOPES


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    scopes: frozenset[str]


@cache
def roles() -> dict[str, Role]:
    raw = json.loads(resources.files("aigov.gateway").joinpath("roles.json").read_text())
    table: dict[str, Role] = {}
    for name, spec in raw["roles"].items():
        unknown = set(spec["scopes"]) - set(SCOPES)
        if unknown:
            raise ValueError(f"role {name} grants unknown scopes {sorted(unknown)}")
        table[name] = Role(name, spec["description"], frozenset(spec["scopes"]))
    return table


def role_names() -> list[str]:
    return list(roles())


def scopes_for(role: str) -> frozenset[str]:
    """The scopes of ``role``; an unknown role grants nothing."""
    found = roles().get(role)
    return found.scopes if found else frozenset()
