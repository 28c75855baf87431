"""Registry ingest (store raw, publish normalised) and application (link or discover)."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.inventory.metrics import REGISTRY_APPLIED
from aigov.inventory.registry.models import DiscoveredModel, IngestDelivery, WebhookSecret
from aigov.inventory.registry.normalise import mappings
from aigov.inventory.system import service as systems
from aigov.inventory.system.models import AISystem, SystemAttribute
from aigov.shared.contracts.inventory import DiscoveredModelAssignedV1, ModelDiscoveredV1
from aigov.shared.contracts.registry import RegistryLifecycleV1
from aigov.shared.db import utcnow
from aigov.shared.events import make_event
from aigov.shared.outbox import stage_event
from aigov.shared.problems import Conflict, NotFound
from aigov.shared.topics import INVENTORY_EVENTS, REGISTRY_LIFECYCLE

SOURCE = "/aigov/inventory/ingest"
PROVIDERS = ("mlflow", "sagemaker", "azureml", "cloudevents")
# Headers worth keeping with a raw delivery (never the secret-bearing ones).
KEPT_HEADERS = ("content-type", "user-agent", "x-mlflow-delivery-id", "x-mlflow-timestamp")


# --- secrets ---------------------------------------------------------------------------------


async def set_secret(
    session: AsyncSession, *, organisation_id: str, provider: str, secret: str, actor: str
) -> WebhookSecret:
    row = await session.get(WebhookSecret, (organisation_id, provider))
    if row is None:
        row = WebhookSecret(organisation_id=organisation_id, provider=provider)
        session.add(row)
    row.secret = secret
    row.created_by = actor
    row.updated_at = utcnow()
    await session.flush()
    return row


async def get_secret(session: AsyncSession, *, organisation_id: str, provider: str) -> str | None:
    row = await session.get(WebhookSecret, (organisation_id, provider))
    return row.secret if row else None


async def list_secrets(session: AsyncSession, *, organisation_id: str) -> Sequence[WebhookSecret]:
    rows = await session.scalars(
        select(WebhookSecret)
        .where(WebhookSecret.organisation_id == organisation_id)
        .order_by(WebhookSecret.provider)
    )
    return rows.all()


async def delete_secret(session: AsyncSession, *, organisation_id: str, provider: str) -> None:
    row = await session.get(WebhookSecret, (organisation_id, provider))
    if row is None:
        raise NotFound(f"no webhook secret for {provider}")
    await session.delete(row)
    await session.flush()


# --- ingest ----------------------------------------------------------------------------------


async def find_delivery(
    session: AsyncSession, *, organisation_id: str, provider: str, delivery_id: str
) -> IngestDelivery | None:
    found: IngestDelivery | None = await session.scalar(
        select(IngestDelivery).where(
            IngestDelivery.organisation_id == organisation_id,
            IngestDelivery.provider == provider,
            IngestDelivery.delivery_id == delivery_id,
        )
    )
    return found


async def store_delivery(
    session: AsyncSession,
    *,
    organisation_id: str,
    provider: str,
    delivery_id: str,
    body: bytes,
    headers: dict[str, str],
    events: Sequence[RegistryLifecycleV1] = (),
    error: str | None = None,
) -> IngestDelivery | None:
    """Keep the raw delivery and stage its normalised events; None if a twin got there first."""
    delivery = IngestDelivery(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        provider=provider,
        delivery_id=delivery_id[:300],
        status="rejected" if error else "accepted",
        error=error,
        raw_body=body.decode("utf-8", "replace"),
        headers={k: v for k, v in headers.items() if k in KEPT_HEADERS},
        event_count=len(events),
        received_at=utcnow(),
    )
    try:
        async with session.begin_nested():
            session.add(delivery)
            await session.flush()
    except IntegrityError:
        return None  # the same delivery id was stored concurrently: one effect only
    for payload in events:
        payload = payload.model_copy(update={"ingest_id": str(delivery.id)})
        event = make_event(
            payload,
            source=f"{SOURCE}/{provider}",
            subject=payload.model_name,
            organisation_id=organisation_id,
        )
        key = systems.model_key(payload.registry, payload.model_name)
        stage_event(session, REGISTRY_LIFECYCLE, event, key=key)
    await session.flush()
    return delivery


async def list_deliveries(
    session: AsyncSession, *, organisation_id: str, status: str | None, limit: int
) -> Sequence[IngestDelivery]:
    query = select(IngestDelivery).where(IngestDelivery.organisation_id == organisation_id)
    if status:
        query = query.where(IngestDelivery.status == status)
    rows = await session.scalars(query.order_by(IngestDelivery.received_at.desc()).limit(limit))
    return rows.all()


# --- applying normalised events --------------------------------------------------------------


async def _linked_systems(
    session: AsyncSession, *, organisation_id: str, event: RegistryLifecycleV1
) -> list[AISystem]:
    link_tag = mappings()["link_tag"]
    wanted: str | None = event.tags.get(link_tag)
    if event.action == "version_tag_set" and event.tag_key == link_tag:
        wanted = event.tag_value
    found: dict[uuid.UUID, AISystem] = {}
    if wanted:
        try:
            system = await session.get(AISystem, uuid.UUID(wanted.strip()), with_for_update=True)
        except ValueError:
            system = None
        if system is not None and system.organisation_id == organisation_id:
            found[system.id] = system
    listed = await session.scalars(
        select(AISystem)
        .where(
            AISystem.id.in_(
                select(SystemAttribute.system_id).where(
                    SystemAttribute.organisation_id == organisation_id,
                    SystemAttribute.kind == "model",
                    SystemAttribute.value == systems.model_key(event.registry, event.model_name),
                )
            )
        )
        .order_by(AISystem.id)
        .with_for_update()
    )
    for system in listed:
        found[system.id] = system
    return [s for s in found.values() if s.status == "active"]


def _apply_to_record(record: dict[str, Any], event: RegistryLifecycleV1) -> dict[str, Any]:
    """The system's record after the registry event (a copy; the caller writes it)."""
    new = copy.deepcopy(record)
    models: list[dict[str, Any]] = new["models"]
    same_model = [
        m for m in models if m["registry"] == event.registry and m["name"] == event.model_name
    ]

    def version_entry(version: str | None) -> dict[str, Any]:
        for m in same_model:
            if m.get("version") == version:
                return m
        # A bare entry (no version) stands for "this model": the first version fills it in.
        for m in same_model:
            if m.get("version") is None and version is not None:
                m["version"] = version
                return m
        entry: dict[str, Any] = {
            "registry": event.registry,
            "name": event.model_name,
            "version": version,
            "stage": None,
            "aliases": [],
            "artifact_digest": None,
            "training_data_refs": [],
            "tags": {},
        }
        models.append(entry)
        same_model.append(entry)
        return entry

    if event.action == "model_registered":
        if not same_model:
            version_entry(None)
    elif event.action in ("version_created", "approval_changed", "stage_changed", "deployed"):
        entry = version_entry(event.version)
        if event.stage and event.action != "deployed":
            entry["stage"] = event.stage
        if event.artifact_digest:
            entry["artifact_digest"] = event.artifact_digest
        if event.tags:
            entry["tags"] = {**entry.get("tags", {}), **event.tags}
    elif event.action in ("version_tag_set", "version_tag_deleted") and event.tag_key:
        entry = version_entry(event.version)
        tags = dict(entry.get("tags", {}))
        if event.action == "version_tag_set":
            tags[event.tag_key] = event.tag_value or ""
        else:
            tags.pop(event.tag_key, None)
        entry["tags"] = tags
    elif event.action == "alias_set" and event.alias:
        for m in same_model:
            if event.alias in m["aliases"]:
                m["aliases"] = [a for a in m["aliases"] if a != event.alias]
        entry = version_entry(event.version)
        entry["aliases"] = sorted({*entry["aliases"], event.alias})
    elif event.action == "alias_deleted" and event.alias:
        for m in same_model:
            m["aliases"] = [a for a in m["aliases"] if a != event.alias]

    environment = mappings()["production_environment"]
    deployments: list[dict[str, Any]] = new["deployments"]
    current = next((d for d in deployments if d["environment"] == environment), None)
    if event.production:
        target = {
            "environment": environment,
            "model_registry": event.registry,
            "model_name": event.model_name,
            "model_version": event.version,
            "alias": event.alias,
            "region": current.get("region") if current else None,
            "endpoint": event.deployment or (current.get("endpoint") if current else None),
            "status": "active",
        }
        if current is None:
            deployments.append(target)
        else:
            current.update(target)
    elif (
        event.action == "alias_deleted"
        and current is not None
        and current.get("model_name") == event.model_name
        and current.get("alias") == event.alias
    ):
        current["status"] = "inactive"
    return new


async def apply_registry_event(
    session: AsyncSession, *, organisation_id: str, event: RegistryLifecycleV1
) -> list[AISystem]:
    """Link the event to the systems that list the model (or name it in a tag); else keep the
    model as discovered, awaiting triage."""
    linked = await _linked_systems(session, organisation_id=organisation_id, event=event)
    for system in linked:
        new_record = systems.validate_record(_apply_to_record(system.record, event))
        await systems.apply_change(
            session,
            system,
            new_record,
            actor=f"registry:{event.registry}",
            action="registry",
            source="registry",
        )
    if linked:
        REGISTRY_APPLIED.labels("linked").inc()
        return linked
    await _discover(session, organisation_id=organisation_id, event=event)
    REGISTRY_APPLIED.labels("discovered").inc()
    return []


async def _discover(
    session: AsyncSession, *, organisation_id: str, event: RegistryLifecycleV1
) -> DiscoveredModel:
    model: DiscoveredModel | None = await session.scalar(
        select(DiscoveredModel).where(
            DiscoveredModel.organisation_id == organisation_id,
            DiscoveredModel.registry_name == event.registry,
            DiscoveredModel.name == event.model_name,
        )
    )
    now = utcnow()
    if model is None:
        model = DiscoveredModel(
            id=uuid.uuid4(),
            organisation_id=organisation_id,
            registry_name=event.registry,
            name=event.model_name,
            status="awaiting_triage",
            versions=[],
            aliases={},
            tags={},
            event_count=0,
            first_seen_at=now,
            details={},
        )
        session.add(model)
        stage_event(
            session,
            INVENTORY_EVENTS,
            make_event(
                ModelDiscoveredV1(
                    discovered_model_id=model.id,
                    registry=event.registry,
                    model_name=event.model_name,
                    version=event.version,
                ),
                source=systems.SOURCE,
                subject=systems.model_key(event.registry, event.model_name),
                organisation_id=organisation_id,
            ),
            key=systems.model_key(event.registry, event.model_name),
        )
    versions = list(model.versions)
    if event.version and event.version not in versions:
        versions.append(event.version)
    aliases = dict(model.aliases)
    if event.action == "alias_set" and event.alias:
        aliases[event.alias] = event.version or ""
    elif event.action == "alias_deleted" and event.alias:
        aliases.pop(event.alias, None)
    tags = {**model.tags, **event.tags}
    if event.action == "version_tag_set" and event.tag_key:
        tags[event.tag_key] = event.tag_value or ""
    details = dict(model.details)
    if event.stage:
        details.setdefault("stages", {})[event.version or ""] = event.stage
    if event.deployment:
        details["deployment"] = event.deployment
    if event.production:
        details["production_version"] = event.version
    model.versions, model.aliases, model.tags, model.details = versions, aliases, tags, details
    model.last_action = event.action
    model.event_count += 1
    model.last_seen_at = now
    await session.flush()
    return model


async def list_discovered(
    session: AsyncSession, *, organisation_id: str, status: str | None, limit: int
) -> Sequence[DiscoveredModel]:
    query = select(DiscoveredModel).where(DiscoveredModel.organisation_id == organisation_id)
    if status:
        query = query.where(DiscoveredModel.status == status)
    rows = await session.scalars(query.order_by(DiscoveredModel.first_seen_at).limit(limit))
    return rows.all()


async def assign_discovered(
    session: AsyncSession,
    *,
    organisation_id: str,
    discovered_id: uuid.UUID,
    system_id: uuid.UUID,
    actor: str,
) -> tuple[DiscoveredModel, AISystem]:
    model = await session.get(DiscoveredModel, discovered_id)
    if model is None or model.organisation_id != organisation_id:
        raise NotFound(f"discovered model {discovered_id} does not exist")
    if model.status == "assigned":
        raise Conflict(f"already assigned to system {model.assigned_system_id}")
    system = await systems.get_system(session, organisation_id=organisation_id, system_id=system_id)
    if system.status == "retired":
        raise Conflict("a retired system cannot take a model")
    record = system.record
    replay: list[RegistryLifecycleV1] = [
        RegistryLifecycleV1(
            registry=model.registry_name,
            action="model_registered",
            model_name=model.name,
            tags=model.tags,
            delivery_id="triage",
        )
    ]
    replay += [
        RegistryLifecycleV1(
            registry=model.registry_name,
            action="version_created",
            model_name=model.name,
            version=v,
            stage=model.details.get("stages", {}).get(v),
            delivery_id="triage",
        )
        for v in model.versions
    ]
    replay += [
        RegistryLifecycleV1(
            registry=model.registry_name,
            action="alias_set",
            model_name=model.name,
            version=v or None,
            alias=a,
            delivery_id="triage",
        )
        for a, v in sorted(model.aliases.items())
    ]
    production_version = model.details.get("production_version")
    if production_version is not None or "production_version" in model.details:
        replay.append(
            RegistryLifecycleV1(
                registry=model.registry_name,
                action="deployed",
                model_name=model.name,
                version=production_version,
                deployment=model.details.get("deployment"),
                production=True,
                delivery_id="triage",
            )
        )
    for event in replay:
        record = _apply_to_record(record, event)
    await systems.apply_change(
        session,
        system,
        systems.validate_record(record),
        actor=actor,
        action="model_assigned",
        source="triage",
    )
    model.status = "assigned"
    model.assigned_system_id = system.id
    systems.emit(
        session,
        system,
        DiscoveredModelAssignedV1(
            discovered_model_id=model.id,
            system_id=system.id,
            revision=system.revision,
            registry=model.registry_name,
            model_name=model.name,
        ),
    )
    await session.flush()
    return model, system
