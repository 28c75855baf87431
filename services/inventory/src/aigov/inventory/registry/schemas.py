from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field


class SecretWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    secret: str = Field(min_length=16, max_length=500)


class SecretRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    provider: str
    created_by: str
    updated_at: datetime


class IngestAccepted(BaseModel):
    status: str  # accepted | duplicate
    ingest_id: uuid.UUID | None = None
    events: int = 0


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    provider: str
    delivery_id: str
    status: str
    error: str | None
    raw_body: str
    headers: dict[str, str]
    event_count: int
    received_at: datetime


class DiscoveredModelRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registry: str = Field(validation_alias=AliasChoices("registry_name", "registry"))
    name: str
    status: str
    versions: list[str]
    aliases: dict[str, str]
    tags: dict[str, str]
    last_action: str
    event_count: int
    assigned_system_id: uuid.UUID | None
    first_seen_at: datetime
    last_seen_at: datetime
    details: dict[str, Any]


class AssignRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system_id: uuid.UUID
