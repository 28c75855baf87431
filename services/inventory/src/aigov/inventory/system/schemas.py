from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from aigov.shared.contracts.inventory import (
    Autonomy,
    FactValue,
    GPAIModelRef,
    HumanOversight,
    LifecycleStage,
    Role,
)

Text200 = Field(min_length=1, max_length=200)


class ModelVersion(BaseModel):
    """A model (and version) the system uses: from a registry or entered by hand."""

    model_config = ConfigDict(extra="forbid")

    registry: str = Field(default="manual", min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=300)
    version: str | None = Field(default=None, max_length=100)
    stage: str | None = Field(default=None, max_length=60)
    aliases: list[str] = Field(default_factory=list)
    artifact_digest: str | None = Field(default=None, max_length=200)
    training_data_refs: list[str] = Field(default_factory=list)
    tags: dict[str, str] = Field(default_factory=dict)


class Supplier(BaseModel):
    """A supplier or third-party component (ISO/IEC 42001 Annex A.10)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: Literal["model_provider", "data_provider", "component", "service", "other"] = "component"
    component: str | None = Field(default=None, max_length=300)
    country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    contract_ref: str | None = Field(default=None, max_length=300)
    responsibilities: str | None = Field(default=None, max_length=2000)
    assessed: bool = False


class Deployment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    environment: str = Field(min_length=1, max_length=60)
    model_registry: str | None = Field(default=None, max_length=40)
    model_name: str | None = Field(default=None, max_length=300)
    model_version: str | None = Field(default=None, max_length=100)
    alias: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=60)
    endpoint: str | None = Field(default=None, max_length=500)
    status: Literal["active", "inactive"] = "active"


def _countries(value: list[str]) -> list[str]:
    codes = [c.strip().upper() for c in value]
    for code in codes:
        if len(code) != 2 or not code.isalpha():
            raise ValueError(f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return sorted(set(codes))


def _clean_list(value: list[str]) -> list[str]:
    out: list[str] = []
    for item in value:
        item = item.strip()
        if item and item not in out:
            out.append(item)
    return out


class SystemRecord(BaseModel):
    """Every fact the register keeps about a system (what the classifier will ask included)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    intended_purpose: str = Field(min_length=1, max_length=10_000)
    roles: list[Role] = Field(default_factory=list)
    lifecycle_stage: LifecycleStage = "inception"
    business_owner: str = Field(
        min_length=1,
        max_length=200,
        validation_alias=AliasChoices("business_owner", "owner"),
    )
    technical_owner: str | None = Field(default=None, max_length=200)
    countries: list[str] = Field(default_factory=list)
    affects_natural_persons: bool = False
    affects_employees: bool = False
    affects_public: bool = False
    affects_vulnerable_groups: bool = False
    processes_personal_data: bool = False
    processes_special_category_data: bool = False
    processes_biometric_data: bool = False
    human_oversight: HumanOversight = "human_in_the_loop"
    autonomy: Autonomy = "assistive"
    safety_component_of_product: bool = False
    models: list[ModelVersion] = Field(default_factory=list)
    gpai_models: list[GPAIModelRef] = Field(default_factory=list)
    suppliers: list[Supplier] = Field(default_factory=list)
    deployments: list[Deployment] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    external_ids: dict[str, str] = Field(default_factory=dict)
    extra_facts: dict[str, FactValue] = Field(default_factory=dict)

    @field_validator("countries")
    @classmethod
    def _check_countries(cls, value: list[str]) -> list[str]:
        return _countries(value)

    @field_validator("tags")
    @classmethod
    def _check_tags(cls, value: list[str]) -> list[str]:
        return _clean_list(value)

    @field_validator("roles")
    @classmethod
    def _unique_roles(cls, value: list[Role]) -> list[Role]:
        return list(dict.fromkeys(value))

    @field_validator("deployments")
    @classmethod
    def _one_per_environment(cls, value: list[Deployment]) -> list[Deployment]:
        envs = [d.environment for d in value]
        if len(envs) != len(set(envs)):
            raise ValueError("one deployment per environment")
        return value


# Creating takes the whole record; `owner` is accepted for `business_owner`.
SystemCreate = SystemRecord


class SystemPatch(BaseModel):
    """A partial update: only the fields sent change (top-level fields replace as a whole)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    description: str | None = None
    intended_purpose: str | None = None
    roles: list[Role] | None = None
    lifecycle_stage: LifecycleStage | None = None
    business_owner: str | None = None
    technical_owner: str | None = None
    countries: list[str] | None = None
    affects_natural_persons: bool | None = None
    affects_employees: bool | None = None
    affects_public: bool | None = None
    affects_vulnerable_groups: bool | None = None
    processes_personal_data: bool | None = None
    processes_special_category_data: bool | None = None
    processes_biometric_data: bool | None = None
    human_oversight: HumanOversight | None = None
    autonomy: Autonomy | None = None
    safety_component_of_product: bool | None = None
    models: list[ModelVersion] | None = None
    gpai_models: list[GPAIModelRef] | None = None
    suppliers: list[Supplier] | None = None
    deployments: list[Deployment] | None = None
    tags: list[str] | None = None
    external_ids: dict[str, str] | None = None
    extra_facts: dict[str, FactValue] | None = None


class SystemRead(SystemRecord):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    id: uuid.UUID
    revision: int
    status: Literal["active", "retired"]
    risk_tier: str | None = None
    owner: str  # = business_owner, kept for clients of the first API version
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    retired_at: datetime | None = None
    retired_reason: str | None = None


class SystemPage(BaseModel):
    items: list[SystemRead]
    next_page_token: str | None = None


class SystemBrief(BaseModel):
    """What an organisation-wide view needs of each system, without the record."""

    id: uuid.UUID
    name: str
    status: Literal["active", "retired"]
    lifecycle_stage: str
    risk_tier: str | None


class SystemBriefPage(BaseModel):
    items: list[SystemBrief]
    next_page_token: str | None = None


class SystemSummary(BaseModel):
    """Counts over the register, for dashboards: one query per breakdown, however many systems."""

    status: Literal["active", "retired"]
    total: int
    by_risk_tier: dict[str, int] = Field(
        description="latest classification's tier; `unclassified` when none arrived yet"
    )
    by_role: dict[str, int] = Field(description="a system with several roles counts in each")
    by_stage: dict[str, int]


class RetireRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=2000)


class FieldChange(BaseModel):
    field: str
    before: Any = None
    after: Any = None


class RevisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    revision: int
    actor: str
    action: str
    changes: list[FieldChange]
    created_at: datetime


class RevisionList(BaseModel):
    items: list[RevisionRead]


class RowReport(BaseModel):
    row: int
    status: Literal["created", "failed", "valid"]
    system_id: uuid.UUID | None = None
    name: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class ImportReport(BaseModel):
    mode: Literal["all_or_nothing", "best_effort"]
    total: int
    created: int
    failed: int
    rows: list[RowReport]
