"""Registry deliveries -> normalised RegistryLifecycleV1 events (pure functions, no I/O)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

import yaml
from pydantic import ValidationError

from aigov.shared.contracts.registry import RegistryLifecycleV1


class Malformed(ValueError):
    """An authenticated delivery we cannot read: 400 (not JSON) or 422 (unknown or incomplete)."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Normalised:
    delivery_id: str
    events: list[RegistryLifecycleV1]
    # Set for an Event Grid subscription handshake: answer with this code, publish nothing.
    validation_code: str | None = None


@cache
def mappings() -> dict[str, Any]:
    text = resources.files("aigov.inventory.registry").joinpath("mappings.yaml").read_text()
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def is_production(*, alias: str | None = None, stage: str | None = None) -> bool:
    m = mappings()
    if alias is not None and alias.lower() in {a.lower() for a in m["production_aliases"]}:
        return True
    return stage is not None and stage in m["production_stages"]


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Malformed(400, f"the body is not JSON: {exc}") from exc


def _event(**fields: Any) -> RegistryLifecycleV1:
    try:
        return RegistryLifecycleV1.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise Malformed(422, f"incomplete event: {problems}") from exc


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _tags(value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    if isinstance(value, list):  # MLflow entities sometimes carry [{"key":..,"value":..}]
        return {str(t.get("key")): str(t.get("value")) for t in value if isinstance(t, dict)}
    raise Malformed(422, "tags must be an object")


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, int | float):  # epoch milliseconds (EventBridge samples)
        return datetime.fromtimestamp(value / 1000, UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- MLflow ----------------------------------------------------------------------------------


def normalise_mlflow(body: bytes, delivery_id: str) -> Normalised:
    doc = load_json(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise Malformed(422, 'expected {"entity", "action", "timestamp", "data": {...}}')
    name = f"{doc.get('entity')}.{doc.get('action')}"
    table = mappings()["mlflow"]
    if name in table["ignored"]:
        return Normalised(delivery_id, [])
    action = table["events"].get(name)
    if action is None:
        raise Malformed(422, f"unknown MLflow event {name!r}")
    data: dict[str, Any] = doc["data"]
    alias = _str(data.get("alias"))
    event = _event(
        registry="mlflow",
        action=action,
        model_name=data.get("name"),
        version=_str(data.get("version")),
        alias=alias,
        tags=_tags(data.get("tags")),
        tag_key=_str(data.get("key")),
        tag_value=_str(data.get("value")),
        source_uri=_str(data.get("source")),
        production=action == "alias_set" and is_production(alias=alias),
        occurred_at=_time(doc.get("timestamp")),
        delivery_id=delivery_id,
    )
    return Normalised(delivery_id, [event])


# --- Amazon SageMaker via EventBridge --------------------------------------------------------


def normalise_sagemaker(body: bytes) -> Normalised:
    doc = load_json(body)
    table = mappings()["sagemaker"]
    if not isinstance(doc, dict) or not isinstance(doc.get("detail"), dict):
        raise Malformed(422, "expected an EventBridge event with a detail object")
    if doc.get("detail-type") != table["detail_type"] or doc.get("source") != table["source"]:
        raise Malformed(
            422,
            f"unknown EventBridge event {doc.get('source')!r}/{doc.get('detail-type')!r}; "
            f"expected {table['source']}/{table['detail_type']}",
        )
    if not doc.get("id"):
        raise Malformed(422, "the EventBridge event has no id")
    detail: dict[str, Any] = doc["detail"]
    approval = _str(detail.get("ModelApprovalStatus"))
    containers = (detail.get("InferenceSpecification") or {}).get("Containers") or [{}]
    first = containers[0] if isinstance(containers[0], dict) else {}
    delivery_id = str(doc["id"])
    event = _event(
        registry="sagemaker",
        action="approval_changed",
        model_name=detail.get("ModelPackageGroupName"),
        version=_str(detail.get("ModelPackageVersion")),
        stage=approval,
        source_uri=_str(detail.get("ModelPackageArn")),
        artifact_digest=_str(first.get("ImageDigest")),
        production=is_production(stage=approval),
        occurred_at=_time(doc.get("time")),
        delivery_id=delivery_id,
    )
    return Normalised(delivery_id, [event])


# --- Azure Machine Learning via Event Grid ---------------------------------------------------

VALIDATION_EVENT = "Microsoft.EventGrid.SubscriptionValidationEvent"


def normalise_azureml(body: bytes) -> Normalised:
    doc = load_json(body)
    items = doc if isinstance(doc, list) else [doc]
    if not items or not all(isinstance(i, dict) for i in items):
        raise Malformed(422, "expected an Event Grid event or a list of them")
    events: list[RegistryLifecycleV1] = []
    ids: list[str] = []
    table = mappings()["azureml"]
    for item in items:
        # Event Grid schema (eventType, eventTime) or CloudEvents 1.0 schema (type, time).
        etype = item.get("eventType") or item.get("type")
        event_id = item.get("id")
        if not etype or not event_id:
            raise Malformed(422, "each Event Grid event needs an id and a type")
        ids.append(str(event_id))
        data: dict[str, Any] = item["data"] if isinstance(item.get("data"), dict) else {}
        if etype == VALIDATION_EVENT:
            return Normalised(str(event_id), [], validation_code=_str(data.get("validationCode")))
        if etype in table["ignored"]:
            continue
        action = table["events"].get(etype)
        if action is None:
            raise Malformed(422, f"unknown Azure Machine Learning event {etype!r}")
        events.extend(_azure_events(action, data, item, str(event_id)))
    return Normalised(ids[0] if len(ids) == 1 else _digest(ids), events)


def _azure_events(
    action: str, data: dict[str, Any], item: dict[str, Any], event_id: str
) -> list[RegistryLifecycleV1]:
    occurred = _time(item.get("eventTime") or item.get("time"))
    if action == "version_created":
        return [
            _event(
                registry="azureml",
                action=action,
                model_name=data.get("ModelName"),
                version=_str(data.get("ModelVersion")),
                tags=_tags(data.get("ModelTags")),
                occurred_at=occurred,
                delivery_id=event_id,
            )
        ]
    model_ids = str(data.get("ModelIds") or "")
    if not model_ids or not data.get("ServiceName"):
        raise Malformed(422, "ModelDeployed needs ServiceName and ModelIds")
    environment = _tags(data.get("ServiceTags")).get("environment")
    out = []
    for model_id in model_ids.split(","):
        name, _, version = model_id.strip().partition(":")
        out.append(
            _event(
                registry="azureml",
                action="deployed",
                model_name=name,
                version=version or None,
                deployment=str(data["ServiceName"]),
                stage=environment,
                production=environment is None
                or environment == mappings()["production_environment"],
                occurred_at=occurred,
                delivery_id=event_id,
            )
        )
    return out


# --- Any CloudEvents 1.0 sender (structured, batch or binary HTTP mode) ------------------------


def normalise_cloudevents(body: bytes, headers: dict[str, str]) -> Normalised:
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/cloudevents+json":
        items = [load_json(body)]
    elif content_type == "application/cloudevents-batch+json":
        items = load_json(body)
        if not isinstance(items, list) or not items:
            raise Malformed(422, "a CloudEvents batch is a non-empty JSON array")
    elif "ce-id" in headers or "ce-type" in headers:
        data: Any = load_json(body) if body.strip() else {}
        items = [
            {
                **{k[3:]: v for k, v in headers.items() if k.startswith("ce-")},
                "data": data,
            }
        ]
    else:
        raise Malformed(
            422,
            "not a CloudEvent: use application/cloudevents+json (structured), "
            "application/cloudevents-batch+json, or ce-* headers (binary mode)",
        )
    events: list[RegistryLifecycleV1] = []
    ids: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            raise Malformed(422, "each CloudEvent must be a JSON object")
        missing = [a for a in ("specversion", "id", "source", "type") if not item.get(a)]
        if missing:
            raise Malformed(422, f"CloudEvent lacks required attributes: {', '.join(missing)}")
        if item["specversion"] != "1.0":
            raise Malformed(422, f"unsupported specversion {item['specversion']!r}")
        delivery = f"{item['source']}#{item['id']}"
        ids.append(delivery)
        etype = str(item["type"])
        data = item["data"] if isinstance(item.get("data"), dict) else {}
        if etype.startswith("Microsoft.MachineLearningServices."):
            table = mappings()["azureml"]
            if etype in table["ignored"]:
                continue
            if etype not in table["events"]:
                raise Malformed(422, f"unknown Azure Machine Learning event {etype!r}")
            events.extend(_azure_events(table["events"][etype], data, item, delivery))
            continue
        known = mappings()["cloudevents"]["events"]
        if etype not in known:
            raise Malformed(422, f"unknown CloudEvents type {etype!r}")
        action = known[etype] or data.get("action")
        alias, stage = _str(data.get("alias")), _str(data.get("stage"))
        events.append(
            _event(
                registry=str(data.get("registry") or "cloudevents"),
                action=action,
                model_name=data.get("model_name") or data.get("name"),
                version=_str(data.get("version")),
                alias=alias,
                stage=stage,
                tags=_tags(data.get("tags")),
                tag_key=_str(data.get("tag_key")),
                tag_value=_str(data.get("tag_value")),
                source_uri=_str(data.get("source_uri")),
                artifact_digest=_str(data.get("artifact_digest")),
                deployment=_str(data.get("deployment")),
                production=bool(data.get("production"))
                or is_production(alias=alias if action == "alias_set" else None, stage=stage),
                occurred_at=_time(item.get("time")),
                delivery_id=delivery,
            )
        )
    return Normalised(ids[0] if len(ids) == 1 else _digest(ids), events)


def _digest(ids: list[str]) -> str:
    return "batch:" + hashlib.sha256("\n".join(ids).encode()).hexdigest()
