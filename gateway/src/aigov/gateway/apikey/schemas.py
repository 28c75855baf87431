from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, examples=["ci"])
    role: str = Field(examples=["compliance_officer"])
    expires_at: datetime | None = None
    rate_limit_per_minute: int | None = Field(default=None, ge=1, le=1_000_000)


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    organisation_id: str
    name: str
    role: str
    prefix: str
    created_by: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    rate_limit_per_minute: int | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret. Shown once: store it now; only its hash is kept.")


class ApiKeyList(BaseModel):
    items: list[ApiKeyRead]
