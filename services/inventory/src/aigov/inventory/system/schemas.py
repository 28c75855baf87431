from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SystemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    intended_purpose: str = Field(min_length=1, max_length=10_000)
    owner: str = Field(min_length=1, max_length=200)


class SystemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    intended_purpose: str
    owner: str
    created_at: datetime
    updated_at: datetime
