"""Services on SQLite: projection, storage, outbox, questionnaire, rulebook change."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aigov.classifier.classification import service as classification
from aigov.classifier.classification.models import Classification
from aigov.classifier.questionnaire import service as questionnaire
from aigov.classifier.rulebook.loader import load_rulebook
from aigov.classifier.system.service import record_retirement, record_snapshot
from aigov.shared.bus_tables import OutboxEvent
from aigov.shared.contracts.classifier import SystemClassifiedV1
from aigov.shared.contracts.inventory import SystemFactsV1
from aigov.shared.db import transaction
from aigov.shared.problems import Conflict, NotFound, Unprocessable
from aigov.shared.topics import CLASSIFIER_EVENTS
from tests.unit.conftest import migrated_sqlite

RB = load_rulebook()
AS_OF = date(2028, 1, 1)


@pytest.fixture
async def classifier_db(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with migrated_sqlite(tmp_path, "aigov.classifier:migrations") as factory:
        yield factory


def cv_screener(**extra: object) -> SystemFactsV1:
    return SystemFactsV1(
        name="CV screener",
        intended_purpose="rank job applicants",
        business_owner="hr",
        roles=["deployer"],
        countries=["DE"],
        affects_employees=True,
        extra_facts={"use.employment_recruitment": True, **extra},
    )


async def register(
    db: async_sessionmaker[AsyncSession], facts: SystemFactsV1, *, org: str = "org-a"
) -> uuid.UUID:
    system_id = uuid.uuid4()
    async with transaction(db) as session:
        await record_snapshot(
            session, organisation_id=org, system_id=system_id, revision=1, facts=facts
        )
    return system_id


async def test_classification_is_stored_versioned_and_emitted(
    classifier_db: async_sessionmaker[AsyncSession],
) -> None:
    system_id = await register(classifier_db, cv_screener())
    for _ in range(2):
        async with transaction(classifier_db) as session:
            row, result = await classification.classify_system(
                session,
                rulebook=RB,
                organisation_id="org-a",
                system_id=system_id,
                actor="alice",
                trigger="manual",
                as_of=AS_OF,
            )
    assert row is not None
    assert row.version == 2
    assert result.risk_tier == "high_risk"
    assert result.effective_roles == ["deployer"]
    assert "context.workplace" not in result.missing_facts  # from affects_employees
    async with classifier_db() as session:
        latest = await classification.latest(session, organisation_id="org-a", system_id=system_id)
        assert latest.rulebook_hash == RB.content_hash
        assert latest.created_by == "alice"
        assert [
            r.version
            for r in await classification.history(
                session, organisation_id="org-a", system_id=system_id
            )
        ] == [2, 1]
        with pytest.raises(NotFound):
            await classification.latest(session, organisation_id="org-b", system_id=system_id)
        outbox = (await session.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))).all()
    assert [o.topic for o in outbox] == [CLASSIFIER_EVENTS, CLASSIFIER_EVENTS]
    payload = SystemClassifiedV1.model_validate(outbox[-1].envelope["data"])
    assert payload.risk_tier == "high_risk"
    assert payload.high_risk_route == "annex_iii"
    assert payload.annex_iii_points == ["4(a)"]
    assert payload.rulebook_hash == RB.content_hash
    assert payload.version == 2
    assert outbox[-1].envelope["orgid"] == "org-a"
    assert outbox[-1].key == str(system_id)


async def test_what_if_stores_nothing_and_overrides_are_validated(
    classifier_db: async_sessionmaker[AsyncSession],
) -> None:
    system_id = await register(classifier_db, cv_screener())
    async with transaction(classifier_db) as session:
        row, result = await classification.classify_system(
            session,
            rulebook=RB,
            organisation_id="org-a",
            system_id=system_id,
            actor="alice",
            trigger="what_if",
            overrides={"practice.untargeted_facial_scraping": True},
            save=False,
        )
        assert row is None
        assert result.risk_tier == "prohibited"
        with pytest.raises(Unprocessable):
            await classification.classify_system(
                session,
                rulebook=RB,
                organisation_id="org-a",
                system_id=system_id,
                actor="alice",
                trigger="manual",
                overrides={"no.such.fact": True, "gpai.training_compute_flop": "lots"},
            )
    async with classifier_db() as session:
        assert (await session.scalars(select(OutboxEvent))).all() == []


async def test_questionnaire_is_adaptive_resumable_and_records_who_and_when(
    classifier_db: async_sessionmaker[AsyncSession],
) -> None:
    facts = SystemFactsV1(
        name="Helpdesk bot", intended_purpose="answer questions", business_owner="it"
    )
    system_id = await register(classifier_db, facts)
    async with transaction(classifier_db) as session:
        started = await questionnaire.start(
            session, organisation_id="org-a", system_id=system_id, actor="alice"
        )
    asked: list[str] = []
    for _ in range(200):
        async with transaction(classifier_db) as session:
            q = await questionnaire.get(session, organisation_id="org-a", session_id=started.id)
            result = await questionnaire.provisional(
                session, rulebook=RB, questionnaire=q, as_of=AS_OF
            )
            item = questionnaire.next_question(RB, result)
            if item is None:
                break
            asked.append(item["fact"])
            spec = RB.facts[item["fact"]]
            value: object = {
                "bool": item["fact"] in {"scope.eu_nexus", "interaction.direct_with_persons"},
                "number": 0,
                "choice": "none",
                "list": ["provider"],
            }[spec["type"]]
            await questionnaire.answer(
                session,
                rulebook=RB,
                questionnaire=q,
                question_id=item["id"],
                value=value,
                actor="bob" if len(asked) % 2 else "alice",
            )
    assert asked[0] == "org.roles"
    assert "interaction.obvious_ai" in asked  # asked because the bot talks to people
    assert "purpose.medical_or_safety" not in asked  # no emotion recognition: never asked
    assert "processing.profiling" not in asked  # no Annex III point: profiling irrelevant
    assert len(asked) == len(set(asked)) < len(RB.questions)
    async with transaction(classifier_db) as session:
        q = await questionnaire.get(session, organisation_id="org-a", session_id=started.id)
        stored = await questionnaire.answers(session, questionnaire=q)
        assert {a.answered_by for a in stored} == {"alice", "bob"}
        assert all(a.answered_at is not None for a in stored)
        row, result = await questionnaire.complete(
            session, rulebook=RB, questionnaire=q, actor="alice", as_of=AS_OF
        )
    assert result.risk_tier == "limited_risk"
    assert not result.needs_review
    assert row.trigger == "questionnaire"
    async with transaction(classifier_db) as session:
        q = await questionnaire.get(session, organisation_id="org-a", session_id=started.id)
        assert q.status == "completed"
        assert q.classification_id == row.id
        with pytest.raises(Conflict):
            await questionnaire.answer(
                session,
                rulebook=RB,
                questionnaire=q,
                question_id="q_org_roles",
                value=["provider"],
                actor="alice",
            )
        with pytest.raises(NotFound):
            await questionnaire.get(session, organisation_id="org-b", session_id=started.id)


async def test_answers_are_type_checked(classifier_db: async_sessionmaker[AsyncSession]) -> None:
    system_id = await register(classifier_db, cv_screener())
    async with transaction(classifier_db) as session:
        q = await questionnaire.start(
            session, organisation_id="org-a", system_id=system_id, actor="alice"
        )
        with pytest.raises(Unprocessable):
            await questionnaire.answer(
                session,
                rulebook=RB,
                questionnaire=q,
                question_id="q_scope_eu_nexus",
                value="yes",
                actor="alice",
            )
        with pytest.raises(Unprocessable):
            await questionnaire.answer(
                session,
                rulebook=RB,
                questionnaire=q,
                question_id="q_nope",
                value=True,
                actor="alice",
            )


async def test_early_finish_lists_missing_facts(
    classifier_db: async_sessionmaker[AsyncSession],
) -> None:
    system_id = await register(classifier_db, cv_screener())
    async with transaction(classifier_db) as session:
        q = await questionnaire.start(
            session, organisation_id="org-a", system_id=system_id, actor="alice"
        )
        _, result = await questionnaire.complete(
            session, rulebook=RB, questionnaire=q, actor="alice", as_of=AS_OF
        )
    assert result.needs_review
    assert "scope.military_defence_national_security" in result.missing_facts


async def test_rulebook_change_reclassifies_affected_systems(
    classifier_db: async_sessionmaker[AsyncSession],
) -> None:
    active = await register(classifier_db, cv_screener())
    retired = await register(classifier_db, cv_screener())
    async with transaction(classifier_db) as session:
        await record_retirement(session, organisation_id="org-a", system_id=retired)
    assert await classification.reclassify_if_rulebook_changed(classifier_db, RB) == 1
    assert await classification.reclassify_if_rulebook_changed(classifier_db, RB) == 0
    changed = replace(RB, version="next", content_hash="0" * 64)
    assert await classification.reclassify_if_rulebook_changed(classifier_db, changed) == 1
    async with classifier_db() as session:
        row = await classification.latest(session, organisation_id="org-a", system_id=active)
        assert (row.version, row.trigger, row.rulebook_hash) == (2, "rulebook", "0" * 64)
        with pytest.raises(NotFound):
            await classification.latest(session, organisation_id="org-a", system_id=retired)


async def test_stale_revision_is_ignored(classifier_db: async_sessionmaker[AsyncSession]) -> None:
    system_id = await register(classifier_db, cv_screener())
    async with transaction(classifier_db) as session:
        newer = await record_snapshot(
            session,
            organisation_id="org-a",
            system_id=system_id,
            revision=3,
            facts=cv_screener(),
        )
        older = await record_snapshot(
            session,
            organisation_id="org-a",
            system_id=system_id,
            revision=2,
            facts=cv_screener(),
        )
        other_tenant = await record_snapshot(
            session,
            organisation_id="org-b",
            system_id=system_id,
            revision=9,
            facts=cv_screener(),
        )
    assert newer is not None
    assert older is None
    assert other_tenant is None


def test_suggestions_only_propose_and_skip_answered_facts() -> None:
    text = "Chatbot that screens each applicant CV for recruitment in our payroll team"
    proposed = questionnaire.suggestions(RB, text=text, answered=set())
    facts = {s["fact"] for s in proposed}
    assert facts == {"use.employment_recruitment", "interaction.direct_with_persons"}
    assert all(s["note"].startswith("suggestion") for s in proposed)
    answered = questionnaire.suggestions(RB, text=text, answered={"use.employment_recruitment"})
    assert {s["fact"] for s in answered} == {"interaction.direct_with_persons"}


async def test_bulk_read_returns_each_latest_version_with_the_named_fields(
    classifier_db: async_sessionmaker[AsyncSession],
) -> None:
    twice, once, never = [await register(classifier_db, cv_screener()) for _ in range(3)]
    for system_id in (twice, twice, once):
        async with transaction(classifier_db) as session:
            await classification.classify_system(
                session,
                rulebook=RB,
                organisation_id="org-a",
                system_id=system_id,
                actor="alice",
                trigger="manual",
                as_of=AS_OF,
            )
    async with classifier_db() as session:
        rows = await classification.latest_many(
            session,
            organisation_id="org-a",
            system_ids=[twice, once, never],
            fields=["needs_review", "obligations"],
        )
        other_tenant = await classification.latest_many(
            session, organisation_id="org-b", system_ids=[twice], fields=["risk_tier"]
        )
    assert sorted((sid, version) for sid, version, _, _ in rows) == sorted([(twice, 2), (once, 1)])
    for _, _, tier, result in rows:
        assert tier == "high_risk"
        assert set(result) == {"needs_review", "obligations"}
        assert isinstance(result["needs_review"], bool)
        assert {o["id"] for o in result["obligations"]} >= {"art26_2_human_oversight"}
    assert other_tenant == []


def test_the_trace_is_stored_apart_and_read_back_whole() -> None:
    columns = Classification.split_result({"risk_tier": "high_risk", "trace": [{"rule": "r"}]})
    assert columns == {"result": {"risk_tier": "high_risk"}, "trace": [{"rule": "r"}]}
    row = Classification(**columns)
    assert row.full_result == {"risk_tier": "high_risk", "trace": [{"rule": "r"}]}
    # Written by a pre-0004 pod during a rolling upgrade: the trace is still inside the result.
    old = Classification(result={"risk_tier": "minimal_risk", "trace": [{"rule": "s"}]}, trace=[])
    assert old.full_result == {"risk_tier": "minimal_risk", "trace": [{"rule": "s"}]}
