"""Loads the rulebook data files once, checks their shape and computes the content hash.

The law lives in ``data/*.yaml``; this module knows only the file layout, never an article.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

import yaml

DATA_PACKAGE = "aigov.classifier.rulebook"


class RulebookError(ValueError):
    """The data files are inconsistent (a bug in the rulebook, caught at load time)."""


@dataclass(frozen=True)
class Rulebook:
    version: str
    content_hash: str
    files: dict[str, dict[str, Any]]
    dates: dict[str, date] = field(default_factory=dict)

    # -- convenient views -------------------------------------------------------------------
    @property
    def facts(self) -> dict[str, dict[str, Any]]:
        facts: dict[str, dict[str, Any]] = self.files["facts"]["facts"]
        return facts

    @property
    def prohibitions(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.files["prohibitions"]["prohibitions"]
        return items

    @property
    def annex_iii_points(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.files["annex_iii"]["points"]
        return items

    @property
    def obligations(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.files["obligations"]["obligations"]
        return items

    @property
    def questions(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.files["questionnaire"]["questions"]
        return items

    @property
    def iso_ids(self) -> set[str]:
        iso = self.files["iso42001"]
        return set(map(str, iso["clauses"])) | set(map(str, iso["controls"]))

    def date_of(self, key: str) -> date:
        try:
            return self.dates[key]
        except KeyError as exc:
            raise RulebookError(f"unknown timeline date {key!r}") from exc

    def legislation(self, legislation_id: str) -> dict[str, Any] | None:
        for item in self.files["annex_i"]["legislation"]:
            if item["id"] == legislation_id:
                return dict(item)
        return None

    def question(self, question_id: str) -> dict[str, Any] | None:
        return next((q for q in self.questions if q["id"] == question_id), None)


def _read(name: str) -> bytes:
    return (resources.files(DATA_PACKAGE) / "data" / f"{name}.yaml").read_bytes()


def load_rulebook_from(raw: dict[str, bytes]) -> Rulebook:
    """Build a rulebook from raw file contents (``manifest`` plus the files it names)."""
    manifest = yaml.safe_load(raw["manifest"])
    names: list[str] = list(manifest["files"])
    digest = hashlib.sha256()
    files: dict[str, dict[str, Any]] = {}
    for name in ["manifest", *names]:
        content = raw[name]
        digest.update(name.encode() + b"\0" + hashlib.sha256(content).digest())
        files[name] = yaml.safe_load(content)
    dates: dict[str, date] = {}
    for key, item in files["timeline"]["dates"].items():
        value = item["date"]
        if not isinstance(value, date):
            raise RulebookError(f"timeline date {key} is not a date")
        dates[key] = value
    return Rulebook(
        version=str(manifest["version"]),
        content_hash=digest.hexdigest(),
        files=files,
        dates=dates,
    )


@cache
def load_rulebook() -> Rulebook:
    """The packaged rulebook (loaded once per process)."""
    manifest = yaml.safe_load(_read("manifest"))
    raw = {"manifest": _read("manifest")}
    for name in manifest["files"]:
        raw[name] = _read(name)
    return load_rulebook_from(raw)
