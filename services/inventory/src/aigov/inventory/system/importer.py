"""Bulk onboarding: CSV, JSON or YAML files parsed into rows, each validated on its own."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml

from aigov.shared.problems import DomainError

ImportFormat = Literal["csv", "json", "yaml"]

# CSV cells: lists are ";"-separated; nested structures are JSON text.
LIST_COLUMNS = {"roles", "countries", "tags"}
JSON_COLUMNS = {"models", "gpai_models", "suppliers", "deployments", "external_ids", "extra_facts"}

CONTENT_TYPES: dict[str, ImportFormat] = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/json": "json",
    "application/yaml": "yaml",
    "application/x-yaml": "yaml",
    "text/yaml": "yaml",
    "text/x-yaml": "yaml",
}


class UnreadableFile(DomainError):
    status, title, slug = 400, "Unreadable import file", "unreadable-import"


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Payload too large", "payload-too-large"


@dataclass
class Row:
    number: int  # 1-based position of the record in the file
    data: dict[str, Any] | None
    errors: list[dict[str, Any]] = field(default_factory=list)


def detect_format(content_type: str | None, explicit: str | None) -> ImportFormat:
    if explicit:
        if explicit not in ("csv", "json", "yaml"):
            raise UnreadableFile(f"unknown format {explicit!r}; use csv, json or yaml")
        return explicit  # type: ignore[return-value]
    media = (content_type or "").split(";")[0].strip().lower()
    if media in CONTENT_TYPES:
        return CONTENT_TYPES[media]
    raise UnreadableFile(
        "say which format the file is in: Content-Type text/csv, application/json or "
        "application/yaml, or ?format=csv|json|yaml"
    )


def parse(content: bytes, fmt: ImportFormat, *, max_rows: int) -> list[Row]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile("the file is not UTF-8 text") from exc
    rows = _parse_csv(text) if fmt == "csv" else _parse_document(text, fmt)
    if len(rows) > max_rows:
        raise PayloadTooLarge(f"{len(rows)} rows; at most {max_rows} per import")
    if not rows:
        raise UnreadableFile("the file holds no systems")
    return rows


def _parse_document(text: str, fmt: ImportFormat) -> list[Row]:
    try:
        doc = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise UnreadableFile(f"not valid {fmt.upper()}: {exc}") from exc
    if isinstance(doc, dict) and isinstance(doc.get("systems"), list):
        doc = doc["systems"]
    if not isinstance(doc, list):
        raise UnreadableFile('expected a list of systems, or {"systems": [...]}')
    rows: list[Row] = []
    for i, item in enumerate(doc, start=1):
        if isinstance(item, dict):
            rows.append(Row(i, item))
        else:
            rows.append(Row(i, None, [_error([], "each system must be an object")]))
    return rows


def _parse_csv(text: str) -> list[Row]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise UnreadableFile("the CSV file has no header row")
    rows: list[Row] = []
    for i, raw in enumerate(reader, start=1):
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        if None in raw:
            errors.append(_error([], "more cells than header columns"))
        for column, cell in raw.items():
            if column is None or cell is None or not str(cell).strip():
                continue
            column = column.strip()
            value = str(cell).strip()
            if column in LIST_COLUMNS:
                data[column] = [v.strip() for v in value.split(";") if v.strip()]
            elif column in JSON_COLUMNS:
                try:
                    data[column] = json.loads(value)
                except json.JSONDecodeError as exc:
                    errors.append(_error([column], f"not valid JSON: {exc.msg}"))
            else:
                data[column] = value
        rows.append(Row(i, None if errors else data, errors))
    return rows


def _error(location: list[str | int], message: str) -> dict[str, Any]:
    return {"location": location, "message": message, "type": "parse"}
