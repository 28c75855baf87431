"""Events the inventory service publishes on ``aigov.inventory.events``.

Every system event carries the full :class:`SystemFactsV1` snapshot, so consumers (the classifier
above all) never need to call back: a system's facts are entered once, in the inventory.
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aigov.shared.events import EventPayload

# The organisation's role(s) for a system under the EU AI Act (Art. 3(3)-(7), Art. 25).
Role = Literal[
    "provider",
    "deployer",
    "importer",
    "distributor",
    "authorised_representative",
    "product_manufacturer",
]
# ISO/IEC 22989 / ISO/IEC 42001 AI system life cycle stages.
LifecycleStage = Literal[
    "inception",
    "design_and_development",
    "verification_and_validation",
    "deployment",
    "operation_and_monitoring",
    "re_evaluation",
    "retirement",
]
HumanOversight = Literal["human_in_the_loop", "human_on_the_loop", "human_in_command", "none"]
Autonomy = Literal["assistive", "partial", "high", "full"]
FactValue = bool | int | float | str | list[str] | None


class GPAIModelRef(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    provider: str
    model: str
    open_source: bool = False


class SystemFactsV1(BaseModel):
    """What the EU AI Act and ISO/IEC 42001 need to know about a system, as the inventory holds it.

    ``extra_facts`` holds further answers keyed by the classifier's fact ids (for instance
    ``annex_iii.employment.recruitment``), so questionnaire answers can also be kept here.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    intended_purpose: str
    roles: list[Role] = Field(default_factory=list)
    lifecycle_stage: LifecycleStage = "inception"
    business_owner: str
    technical_owner: str | None = None
    # ISO 3166-1 alpha-2 codes where the system is placed on the market or used.
    countries: list[str] = Field(default_factory=list)
    affects_natural_persons: bool = False
    affects_employees: bool = False
    affects_public: bool = False
    affects_vulnerable_groups: bool = False  # children or other vulnerable groups
    processes_personal_data: bool = False
    processes_special_category_data: bool = False
    processes_biometric_data: bool = False
    human_oversight: HumanOversight = "human_in_the_loop"
    autonomy: Autonomy = "assistive"
    safety_component_of_product: bool = False
    gpai_models: list[GPAIModelRef] = Field(default_factory=list)
    extra_facts: dict[str, FactValue] = Field(default_factory=dict)


class SystemRegisteredV1(EventPayload):
    event_type = "aigov.inventory.system.registered"

    system_id: uuid.UUID
    revision: int = 1
    facts: SystemFactsV1


class SystemUpdatedV1(EventPayload):
    event_type = "aigov.inventory.system.updated"

    system_id: uuid.UUID
    revision: int
    changed: list[str]  # names of the facts that changed
    facts: SystemFactsV1


class SystemRetiredV1(EventPayload):
    event_type = "aigov.inventory.system.retired"

    system_id: uuid.UUID
    revision: int
    reason: str | None = None


# --- Models, deployments, suppliers (ISO/IEC 42001 A.10) and registry discoveries -------------

ChangeSource = Literal["api", "import", "registry", "triage"]


class ModelVersionRefV1(BaseModel):
    """One model version a system uses, as the inventory holds it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    registry: str
    name: str
    version: str | None = None
    stage: str | None = None
    aliases: list[str] = Field(default_factory=list)
    artifact_digest: str | None = None
    training_data_refs: list[str] = Field(default_factory=list)


class DeploymentRefV1(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    environment: str
    model_registry: str | None = None
    model_name: str | None = None
    model_version: str | None = None
    alias: str | None = None
    status: str = "active"


class ModelVersionAddedV1(EventPayload):
    event_type = "aigov.inventory.model_version.added"

    system_id: uuid.UUID
    revision: int
    model: ModelVersionRefV1
    source: ChangeSource = "api"


class DeploymentChangedV1(EventPayload):
    event_type = "aigov.inventory.deployment.changed"

    system_id: uuid.UUID
    revision: int
    environment: str
    before: DeploymentRefV1 | None = None
    after: DeploymentRefV1 | None = None  # None: the deployment was removed
    source: ChangeSource = "api"


class SupplierChangedV1(EventPayload):
    event_type = "aigov.inventory.supplier.changed"

    system_id: uuid.UUID
    revision: int
    added: list[str] = Field(default_factory=list)  # supplier names
    removed: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)


class ModelDiscoveredV1(EventPayload):
    """A registry reported a model that no system lists: AI in use that nobody registered."""

    event_type = "aigov.inventory.model.discovered"

    discovered_model_id: uuid.UUID
    registry: str
    model_name: str
    version: str | None = None


class DiscoveredModelAssignedV1(EventPayload):
    event_type = "aigov.inventory.model.assigned"

    discovered_model_id: uuid.UUID
    system_id: uuid.UUID
    revision: int
    registry: str
    model_name: str
