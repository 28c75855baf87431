"""Normalised model-registry lifecycle events on ``aigov.registry.lifecycle``.

Whoever receives a registry's delivery (today the inventory's ``/v1/ingest/...`` endpoints, later
the gateway, or an organisation that writes to Kafka directly) publishes one of these per
registry event, keyed by ``<registry>:<model_name>`` so one model's events stay in order.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from aigov.shared.events import EventPayload

RegistryAction = Literal[
    "model_registered",
    "version_created",
    "version_tag_set",
    "version_tag_deleted",
    "alias_set",
    "alias_deleted",
    "stage_changed",
    "approval_changed",
    "deployed",
]


class RegistryLifecycleV1(EventPayload):
    event_type = "aigov.registry.model.changed"

    registry: str  # mlflow, sagemaker, azureml, or the CloudEvents source's registry name
    action: RegistryAction
    model_name: str
    version: str | None = None
    alias: str | None = None
    stage: str | None = None  # registry stage or approval status (e.g. Approved)
    tags: dict[str, str] = Field(default_factory=dict)
    tag_key: str | None = None
    tag_value: str | None = None
    source_uri: str | None = None
    artifact_digest: str | None = None
    deployment: str | None = None  # endpoint / service name for "deployed"
    production: bool = False  # the receiver judged this a production promotion
    occurred_at: datetime | None = None
    delivery_id: str  # the registry's delivery or event id
    ingest_id: str | None = None  # the inventory's stored raw delivery, for diagnosis
