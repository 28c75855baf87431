"""Register logic on the embedded SQLite database (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.inventory.registry.service import apply_registry_event, assign_discovered
from aigov.inventory.registry.service import list_discovered as list_discovered_models
from aigov.inventory.system import service
from aigov.inventory.system.importer import parse
from aigov.inventory.system.schemas import SystemCreate
from aigov.shared.bus_tables import OutboxEvent
from aigov.shared.contracts.registry import RegistryLifecycleV1
from aigov.shared.db import transaction
from aigov.shared.problems import (
    Conflict,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
)

Factory = async_sessionmaker[AsyncSession]


def system_data(**extra: Any) -> SystemCreate:
    base: dict[str, Any] = {
        "name": "CV ranker",
        "intended_purpose": "rank job applicants",
        "business_owner": "hr",
    }
    return SystemCreate.model_validate({**base, **extra})


async def events_of(factory: Factory) -> list[dict[str, Any]]:
    async with factory() as session:
        rows = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))).all()
    return [r.envelope for r in rows]


async def register(factory: Factory, org: str = "org-a", **extra: Any) -> Any:
    async with transaction(factory) as session:
        return await service.register_system(
            session, organisation_id=org, data=system_data(**extra), actor="alice"
        )


async def test_update_makes_a_revision_and_needs_the_current_etag(inventory_db: Factory) -> None:
    system = await register(inventory_db, suppliers=[{"name": "Acme"}])
    assert service.etag_of(system) == '"r1"'
    async with transaction(inventory_db) as session:
        with pytest.raises(PreconditionRequired):
            await service.update_system(
                session,
                organisation_id="org-a",
                system_id=system.id,
                patch={"name": "x"},
                if_match=None,
                actor="bob",
            )
        with pytest.raises(PreconditionFailed):
            await service.update_system(
                session,
                organisation_id="org-a",
                system_id=system.id,
                patch={"name": "x"},
                if_match='"r0"',
                actor="bob",
            )
    async with transaction(inventory_db) as session:
        updated = await service.update_system(
            session,
            organisation_id="org-a",
            system_id=system.id,
            patch={"countries": ["de"], "suppliers": [{"name": "Beta"}]},
            if_match='"r1"',
            actor="bob",
        )
        assert updated.revision == 2
        assert updated.record["countries"] == ["DE"]
    async with inventory_db() as session:
        revisions = await service.list_revisions(
            session, organisation_id="org-a", system_id=system.id
        )
    assert [(r.revision, r.actor, r.action) for r in revisions] == [
        (2, "bob", "updated"),
        (1, "alice", "registered"),
    ]
    assert {c["field"] for c in revisions[0].changes} == {"countries", "suppliers"}
    types = [e["type"] for e in await events_of(inventory_db)]
    assert types == [
        "aigov.inventory.system.registered",
        "aigov.inventory.supplier.changed",
        "aigov.inventory.system.updated",
        "aigov.inventory.supplier.changed",
    ]
    last = (await events_of(inventory_db))[-1]["data"]
    assert (last["added"], last["removed"]) == (["Beta"], ["Acme"])


async def test_invalid_patch_changes_nothing(inventory_db: Factory) -> None:
    system = await register(inventory_db)
    with pytest.raises(Unprocessable):
        async with transaction(inventory_db) as session:
            await service.update_system(
                session,
                organisation_id="org-a",
                system_id=system.id,
                patch={"name": None},
                if_match='"r1"',
                actor="bob",
            )
    async with inventory_db() as session:
        again = await service.get_system(session, organisation_id="org-a", system_id=system.id)
    assert again.revision == 1
    assert again.name == "CV ranker"


async def test_retire_keeps_the_record(inventory_db: Factory) -> None:
    system = await register(inventory_db)
    async with transaction(inventory_db) as session:
        retired = await service.retire_system(
            session,
            organisation_id="org-a",
            system_id=system.id,
            if_match='"r1"',
            actor="bob",
            reason="replaced",
        )
        assert (retired.status, retired.lifecycle_stage) == ("retired", "retirement")
    async with transaction(inventory_db) as session:
        with pytest.raises(Conflict):
            await service.retire_system(
                session,
                organisation_id="org-a",
                system_id=system.id,
                if_match="*",
                actor="bob",
                reason=None,
            )
    assert (await events_of(inventory_db))[-1]["type"] == "aigov.inventory.system.retired"


async def test_filters_and_pages(inventory_db: Factory) -> None:
    for i in range(7):
        await register(
            inventory_db,
            name=f"system {i}",
            roles=["provider"] if i % 2 else ["deployer"],
            countries=["DE"] if i < 3 else ["US"],
            tags=["hr"] if i == 4 else [],
            description="uses a chatbot" if i == 5 else "",
            technical_owner="ml-team" if i == 6 else None,
        )
    await register(inventory_db, org="org-b", roles=["provider"])

    async def names(**kw: Any) -> list[str]:
        async with inventory_db() as session:
            items, _ = await service.list_systems(
                session,
                organisation_id="org-a",
                filters=service.SystemFilters(**kw),
                limit=100,
                page_token=None,
            )
        return sorted(i.name for i in items)

    assert await names(roles=["provider"]) == ["system 1", "system 3", "system 5"]
    assert await names(countries=["de"]) == ["system 0", "system 1", "system 2"]
    assert await names(tags=["hr"]) == ["system 4"]
    assert await names(text="CHATBOT") == ["system 5"]
    assert await names(owner="ml-team") == ["system 6"]
    assert await names(roles=["provider"], countries=["US"]) == ["system 3", "system 5"]
    assert len(await names()) == 7  # org-b's system is not listed

    seen: list[str] = []
    token = None
    async with inventory_db() as session:
        while True:
            items, token = await service.list_systems(
                session,
                organisation_id="org-a",
                filters=service.SystemFilters(),
                limit=3,
                page_token=token,
            )
            seen += [i.name for i in items]
            if token is None:
                break
    assert seen == [f"system {i}" for i in range(7)]


def lifecycle(action: str, **kw: Any) -> RegistryLifecycleV1:
    return RegistryLifecycleV1.model_validate(
        {"registry": "mlflow", "action": action, "model_name": "ranker", "delivery_id": "d", **kw}
    )


async def apply(factory: Factory, event: RegistryLifecycleV1) -> None:
    async with transaction(factory) as session:
        await apply_registry_event(session, organisation_id="org-a", event=event)


async def test_registry_events_follow_a_listed_model(inventory_db: Factory) -> None:
    system = await register(inventory_db, models=[{"registry": "mlflow", "name": "ranker"}])
    await apply(inventory_db, lifecycle("version_created", version="1"))
    await apply(inventory_db, lifecycle("version_created", version="2"))
    await apply(
        inventory_db, lifecycle("alias_set", version="2", alias="champion", production=True)
    )
    async with inventory_db() as session:
        current = await service.get_system(session, organisation_id="org-a", system_id=system.id)
    versions = [(m["version"], m["aliases"]) for m in current.record["models"]]
    assert versions == [("1", []), ("2", ["champion"])]
    [deployment] = current.record["deployments"]
    assert (deployment["environment"], deployment["model_version"]) == ("production", "2")
    events = await events_of(inventory_db)
    added = [e["data"]["model"]["version"] for e in events if e["type"].endswith("version.added")]
    assert added == [None, "1", "2"]  # the listed model, then each registry version
    assert events[-1]["type"] == "aigov.inventory.deployment.changed"
    assert events[-1]["data"]["after"]["model_version"] == "2"
    assert events[-1]["data"]["source"] == "registry"
    assert current.revision == 4
    assert current.updated_by == "registry:mlflow"


async def test_tag_links_and_unknown_models_are_discovered(inventory_db: Factory) -> None:
    system = await register(inventory_db)
    await apply(
        inventory_db, lifecycle("model_registered", tags={"aigov.system_id": str(system.id)})
    )
    await apply(inventory_db, lifecycle("version_created", model_name="shadow", version="1"))
    await apply(
        inventory_db,
        lifecycle("alias_set", model_name="shadow", version="1", alias="prod", production=True),
    )
    async with inventory_db() as session:
        linked = await service.get_system(session, organisation_id="org-a", system_id=system.id)
        [found] = await list_discovered_models(
            session, organisation_id="org-a", status=None, limit=10
        )
    assert [m["name"] for m in linked.record["models"]] == ["ranker"]
    assert (found.name, found.versions, found.aliases, found.event_count) == (
        "shadow",
        ["1"],
        {"prod": "1"},
        2,
    )
    other = await register(inventory_db, name="Other")
    async with transaction(inventory_db) as session:
        _, assigned = await assign_discovered(
            session,
            organisation_id="org-a",
            discovered_id=found.id,
            system_id=other.id,
            actor="carol",
        )
    assert [(m["name"], m["version"]) for m in assigned.record["models"]] == [("shadow", "1")]
    assert assigned.record["deployments"][0]["model_name"] == "shadow"
    async with transaction(inventory_db) as session:
        with pytest.raises(Conflict):
            await assign_discovered(
                session,
                organisation_id="org-a",
                discovered_id=found.id,
                system_id=other.id,
                actor="carol",
            )
    # From now on the model follows the system it was assigned to.
    await apply(inventory_db, lifecycle("version_created", model_name="shadow", version="2"))
    async with inventory_db() as session:
        after = await service.get_system(session, organisation_id="org-a", system_id=other.id)
    assert [m["version"] for m in after.record["models"]] == ["1", "2"]
    types = [e["type"] for e in await events_of(inventory_db)]
    assert "aigov.inventory.model.discovered" in types
    assert "aigov.inventory.model.assigned" in types


async def test_import_all_or_nothing_and_best_effort(inventory_db: Factory) -> None:
    csv = (
        b"name,intended_purpose,business_owner,roles\n"
        b"Good,screen,hr,provider\n"
        b"Bad role,screen,hr,wizard\n"
        b"No purpose,,hr,\n"
    )
    rows = parse(csv, "csv", max_rows=100)
    with pytest.raises(Unprocessable) as info:
        async with transaction(inventory_db) as session:
            await service.import_systems(
                session, organisation_id="org-a", rows=rows, all_or_nothing=True, actor="a"
            )
    report = info.value.extensions["rows"]
    assert [r["status"] for r in report] == ["valid", "failed", "failed"]
    assert report[1]["errors"][0]["location"] == ["roles", 0]
    assert await events_of(inventory_db) == []
    async with transaction(inventory_db) as session:
        result = await service.import_systems(
            session, organisation_id="org-a", rows=rows, all_or_nothing=False, actor="a"
        )
    assert (result.created, result.failed) == (1, 2)
    assert result.rows[0].system_id is not None
