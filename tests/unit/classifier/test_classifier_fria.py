"""Art. 27 FRIA records: who needs one, complete contents, notification, updates, events."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.classifier.assessment import service as fria
from aigov.classifier.classification import service as classification
from aigov.classifier.rulebook.loader import load_rulebook
from aigov.classifier.system.service import record_snapshot
from aigov.shared.bus_tables import OutboxEvent
from aigov.shared.contracts.classifier import FundamentalRightsImpactAssessedV1
from aigov.shared.contracts.inventory import SystemFactsV1
from aigov.shared.db import transaction
from aigov.shared.problems import Conflict, NotFound, Unprocessable
from tests.unit.conftest import migrated_sqlite

RB = load_rulebook()
ITEMS = [c["id"] for c in RB.files["fria"]["contents"]]


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_sqlite(tmp_path, "aigov.classifier:migrations") as factory:
        yield factory


async def classified(
    db: async_sessionmaker[AsyncSession],
    extra: dict[str, object],
    revision: int = 1,
    system_id: uuid.UUID | None = None,
) -> uuid.UUID:
    system_id = system_id or uuid.uuid4()
    facts = SystemFactsV1(
        name="Credit scorer",
        intended_purpose="score consumers",
        business_owner="risk",
        roles=["deployer"],
        countries=["IT"],
        extra_facts=extra,
    )
    async with transaction(db) as session:
        await record_snapshot(
            session, organisation_id="org-a", system_id=system_id, revision=revision, facts=facts
        )
        await classification.classify_system(
            session,
            rulebook=RB,
            organisation_id="org-a",
            system_id=system_id,
            actor="alice",
            trigger="manual",
            as_of=date(2028, 1, 1),
        )
    return system_id


async def test_fria_required_for_credit_scoring_deployer_not_for_cv_screening(
    db: async_sessionmaker[AsyncSession],
) -> None:
    credit = await classified(db, {"use.creditworthiness": True})
    hiring = await classified(db, {"use.employment_recruitment": True})
    async with db() as session:
        need = await fria.requirement(session, organisation_id="org-a", system_id=credit)
        assert need["required"] is True
        assert (await fria.requirement(session, organisation_id="org-a", system_id=hiring))[
            "required"
        ] is False
        with pytest.raises(NotFound):
            await fria.requirement(session, organisation_id="org-b", system_id=credit)


async def test_complete_notify_and_update_when_facts_change(
    db: async_sessionmaker[AsyncSession],
) -> None:
    system_id = await classified(db, {"use.creditworthiness": True})
    async with transaction(db) as session:
        draft = await fria.save(
            session,
            rulebook=RB,
            organisation_id="org-a",
            system_id=system_id,
            contents={"processes": "loan origination"},
            status="draft",
            actor="alice",
        )
        assert draft.version == 1
        with pytest.raises(Unprocessable):
            await fria.save(
                session,
                rulebook=RB,
                organisation_id="org-a",
                system_id=system_id,
                contents={"processes": "x"},
                status="completed",
                actor="alice",
            )
        with pytest.raises(Unprocessable):
            await fria.save(
                session,
                rulebook=RB,
                organisation_id="org-a",
                system_id=system_id,
                contents={"colour": "x"},
                status="draft",
                actor="alice",
            )
    async with transaction(db) as session:
        done = await fria.save(
            session,
            rulebook=RB,
            organisation_id="org-a",
            system_id=system_id,
            contents={i: f"{i} answer" for i in ITEMS},
            status="completed",
            actor="bob",
        )
    async with transaction(db) as session:
        with pytest.raises(Conflict):
            await fria.notify(
                session,
                rulebook=RB,
                organisation_id="org-a",
                system_id=system_id,
                version=1,
                actor="bob",
            )
        notified = await fria.notify(
            session,
            rulebook=RB,
            organisation_id="org-a",
            system_id=system_id,
            version=done.version,
            actor="bob",
        )
        assert notified.notified_by == "bob"
    async with db() as session:
        events = [
            o.envelope
            for o in (await session.scalars(select(OutboxEvent))).all()
            if o.envelope["type"] == FundamentalRightsImpactAssessedV1.event_type
        ]
    statuses = [FundamentalRightsImpactAssessedV1.model_validate(e["data"]).status for e in events]
    assert statuses == ["completed", "notified"]
    payload = FundamentalRightsImpactAssessedV1.model_validate(events[0]["data"])
    assert "A.5.4" in payload.iso_controls
    assert "Art. 27(1)(f)" in payload.references

    # Same facts: still current. Changed facts: the completed FRIA needs an update.
    await classified(db, {"use.creditworthiness": True}, revision=1, system_id=system_id)
    async with db() as session:
        latest = (await fria.history(session, organisation_id="org-a", system_id=system_id))[0]
        assert not latest.needs_update
    await classified(
        db,
        {"use.creditworthiness": True, "org.public_authority": True},
        revision=2,
        system_id=system_id,
    )
    async with db() as session:
        versions = await fria.history(session, organisation_id="org-a", system_id=system_id)
        assert [(v.version, v.needs_update) for v in versions] == [(2, True), (1, False)]
