from __future__ import annotations

import json
from typing import Any

import pytest

from aigov.inventory.registry.normalise import (
    Malformed,
    normalise_azureml,
    normalise_cloudevents,
    normalise_mlflow,
    normalise_sagemaker,
)


def mlflow_body(entity: str, action: str, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {"entity": entity, "action": action, "timestamp": "2026-11-27T21:00:00", "data": data}
    ).encode()


@pytest.mark.parametrize(
    ("entity", "action", "data", "expected"),
    [
        (
            "registered_model",
            "created",
            {"name": "m", "tags": {"a": "b"}, "description": None},
            {"action": "model_registered", "tags": {"a": "b"}},
        ),
        (
            "model_version",
            "created",
            {"name": "m", "version": "3", "source": "s3://x", "run_id": None, "tags": {}},
            {"action": "version_created", "version": "3", "source_uri": "s3://x"},
        ),
        (
            "model_version_tag",
            "set",
            {"name": "m", "version": "3", "key": "k", "value": "v"},
            {"action": "version_tag_set", "tag_key": "k", "tag_value": "v"},
        ),
        (
            "model_version_tag",
            "deleted",
            {"name": "m", "version": "3", "key": "k"},
            {"action": "version_tag_deleted", "tag_key": "k"},
        ),
        (
            "model_version_alias",
            "created",
            {"name": "m", "alias": "champion", "version": "3"},
            {"action": "alias_set", "alias": "champion", "production": True},
        ),
        (
            "model_version_alias",
            "created",
            {"name": "m", "alias": "challenger", "version": "4"},
            {"action": "alias_set", "production": False},
        ),
        (
            "model_version_alias",
            "deleted",
            {"name": "m", "alias": "champion"},
            {"action": "alias_deleted", "version": None},
        ),
    ],
)
def test_mlflow_events(
    entity: str, action: str, data: dict[str, Any], expected: dict[str, Any]
) -> None:
    result = normalise_mlflow(mlflow_body(entity, action, data), "d-1")
    assert result.delivery_id == "d-1"
    [event] = result.events
    assert event.registry == "mlflow"
    assert event.model_name == "m"
    assert event.delivery_id == "d-1"
    assert event.occurred_at is not None
    assert event.occurred_at.tzinfo is not None
    for key, value in expected.items():
        assert getattr(event, key) == value, key


def test_mlflow_prompt_events_are_acknowledged_without_effect() -> None:
    assert normalise_mlflow(mlflow_body("prompt", "created", {"name": "p"}), "d").events == []


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        (b"{not json", 400, "not JSON"),
        (mlflow_body("experiment", "created", {"name": "m"}), 422, "unknown MLflow event"),
        (mlflow_body("model_version", "created", {"version": "1"}), 422, "model_name"),
        (b'{"entity": "model_version", "action": "created"}', 422, "data"),
        (b"[]", 422, "entity"),
    ],
)
def test_mlflow_malformed(body: bytes, status: int, needle: str) -> None:
    with pytest.raises(Malformed) as info:
        normalise_mlflow(body, "d")
    assert info.value.status == status
    assert needle in info.value.detail


SAGEMAKER = {
    "version": "0",
    "id": "ev-123",
    "detail-type": "SageMaker Model Package State Change",
    "source": "aws.sagemaker",
    "account": "123456789012",
    "time": "2026-11-27T20:00:00Z",
    "region": "eu-west-1",
    "resources": ["arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/4"],
    "detail": {
        "ModelPackageGroupName": "churn",
        "ModelPackageVersion": 4,
        "ModelPackageArn": "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/4",
        "ModelApprovalStatus": "Approved",
        "ModelPackageStatus": "Completed",
        "CreationTime": 1795900000000,
        "InferenceSpecification": {"Containers": [{"Image": "img", "ImageDigest": "sha256:ab"}]},
    },
}


def test_sagemaker_approval() -> None:
    result = normalise_sagemaker(json.dumps(SAGEMAKER).encode())
    assert result.delivery_id == "ev-123"
    [event] = result.events
    assert (event.model_name, event.version, event.stage) == ("churn", "4", "Approved")
    assert event.production
    assert event.artifact_digest == "sha256:ab"
    pending = {**SAGEMAKER, "detail": {**SAGEMAKER["detail"], "ModelApprovalStatus": "Rejected"}}  # type: ignore[dict-item]
    assert not normalise_sagemaker(json.dumps(pending).encode()).events[0].production
    with pytest.raises(Malformed):
        normalise_sagemaker(json.dumps({**SAGEMAKER, "detail-type": "Other"}).encode())


def test_azure_event_grid_schema() -> None:
    registered = [
        {
            "id": "az-1",
            "topic": "/subscriptions/x/workspaces/ws",
            "subject": "models/credit:2",
            "eventType": "Microsoft.MachineLearningServices.ModelRegistered",
            "eventTime": "2026-11-27T20:00:00Z",
            "data": {"ModelName": "credit", "ModelVersion": 2, "ModelTags": {"t": "1"}},
        }
    ]
    [event] = normalise_azureml(json.dumps(registered).encode()).events
    assert (event.action, event.model_name, event.version, event.tags) == (
        "version_created",
        "credit",
        "2",
        {"t": "1"},
    )
    deployed = {
        "id": "az-2",
        "type": "Microsoft.MachineLearningServices.ModelDeployed",
        "source": "/subscriptions/x/workspaces/ws",
        "specversion": "1.0",
        "data": {"ServiceName": "svc", "ModelIds": "credit:2,scorer:7", "ServiceTags": {}},
    }
    events = normalise_azureml(json.dumps(deployed).encode()).events
    assert [(e.model_name, e.version, e.deployment, e.production) for e in events] == [
        ("credit", "2", "svc", True),
        ("scorer", "7", "svc", True),
    ]


def test_azure_handshake_and_unknown() -> None:
    handshake = [
        {
            "id": "v",
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
            "data": {"validationCode": "abc"},
        }
    ]
    assert normalise_azureml(json.dumps(handshake).encode()).validation_code == "abc"
    drift = {"id": "x", "eventType": "Microsoft.MachineLearningServices.RunCompleted"}
    assert normalise_azureml(json.dumps(drift).encode()).events == []
    with pytest.raises(Malformed):
        normalise_azureml(json.dumps({"id": "x", "eventType": "Other.Thing"}).encode())


def test_cloudevents_modes() -> None:
    event = {
        "specversion": "1.0",
        "id": "1",
        "source": "/reg",
        "type": "eu.aiact.model.alias.set",
        "data": {"registry": "vertex", "model_name": "m", "version": "2", "alias": "prod"},
    }
    structured = normalise_cloudevents(
        json.dumps(event).encode(), {"content-type": "application/cloudevents+json"}
    )
    assert structured.delivery_id == "/reg#1"
    [e] = structured.events
    assert (e.registry, e.action, e.alias, e.production) == ("vertex", "alias_set", "prod", True)

    binary = normalise_cloudevents(
        json.dumps({"model_name": "m", "version": "5"}).encode(),
        {
            "content-type": "application/json",
            "ce-specversion": "1.0",
            "ce-id": "2",
            "ce-source": "/reg",
            "ce-type": "eu.aiact.model.version.registered",
        },
    )
    assert binary.events[0].action == "version_created"
    assert binary.events[0].registry == "cloudevents"

    batch = normalise_cloudevents(
        json.dumps([event, {**event, "id": "3"}]).encode(),
        {"content-type": "application/cloudevents-batch+json"},
    )
    assert len(batch.events) == 2
    assert batch.delivery_id.startswith("batch:")


@pytest.mark.parametrize(
    ("body", "headers", "needle"),
    [
        ({"specversion": "1.0", "id": "1", "source": "/r", "type": "x.unknown"}, None, "unknown"),
        ({"specversion": "0.3", "id": "1", "source": "/r", "type": "x"}, None, "specversion"),
        ({"id": "1", "type": "x"}, None, "specversion, source"),
        ({"a": 1}, {"content-type": "application/json"}, "not a CloudEvent"),
    ],
)
def test_cloudevents_rejects(
    body: dict[str, Any], headers: dict[str, str] | None, needle: str
) -> None:
    with pytest.raises(Malformed) as info:
        normalise_cloudevents(
            json.dumps(body).encode(), headers or {"content-type": "application/cloudevents+json"}
        )
    assert needle in info.value.detail
