"""The adaptive questionnaire: the next question is the first one whose fact is still missing.

The engine reports the facts that keep the result undecided; questions are asked in the rulebook's
order among those, so each answer can remove whole branches (a system that infers no emotions is
never asked about workplaces or medical reasons for emotion recognition).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.classifier.classification import service as classification_service
from aigov.classifier.classification.models import Classification
from aigov.classifier.metrics import QUESTIONNAIRE_ANSWERS
from aigov.classifier.questionnaire.models import QuestionnaireAnswer, QuestionnaireSession
from aigov.classifier.rulebook.engine import ClassificationResult
from aigov.classifier.rulebook.loader import Rulebook
from aigov.classifier.system.service import get_known_system
from aigov.shared.db import utcnow
from aigov.shared.problems import Conflict, NotFound, Unprocessable


async def start(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID, actor: str
) -> QuestionnaireSession:
    await get_known_system(session, organisation_id=organisation_id, system_id=system_id)
    row = QuestionnaireSession(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        system_id=system_id,
        status="open",
        created_by=actor,
    )
    session.add(row)
    await session.flush()
    return row


async def get(
    session: AsyncSession, *, organisation_id: str, session_id: uuid.UUID
) -> QuestionnaireSession:
    row = await session.get(QuestionnaireSession, session_id)
    if row is None or row.organisation_id != organisation_id:
        raise NotFound(f"questionnaire {session_id} not found")
    return row


async def answers(
    session: AsyncSession, *, questionnaire: QuestionnaireSession
) -> Sequence[QuestionnaireAnswer]:
    return (
        await session.scalars(
            select(QuestionnaireAnswer)
            .where(QuestionnaireAnswer.session_id == questionnaire.id)
            .order_by(QuestionnaireAnswer.answered_at, QuestionnaireAnswer.id)
        )
    ).all()


async def provisional(
    session: AsyncSession, *, rulebook: Rulebook, questionnaire: QuestionnaireSession, as_of: date
) -> ClassificationResult:
    system = await get_known_system(
        session, organisation_id=questionnaire.organisation_id, system_id=questionnaire.system_id
    )
    facts = await classification_service.gather_facts(session, rulebook, system)
    return classification_service.evaluate(rulebook, facts, as_of=as_of)


def next_question(rulebook: Rulebook, result: ClassificationResult) -> dict[str, Any] | None:
    missing = set(result.missing_facts)
    return next((q for q in rulebook.questions if q["fact"] in missing), None)


async def answer(
    session: AsyncSession,
    *,
    rulebook: Rulebook,
    questionnaire: QuestionnaireSession,
    question_id: str,
    value: Any,
    actor: str,
) -> QuestionnaireAnswer:
    if questionnaire.status != "open":
        raise Conflict(f"questionnaire {questionnaire.id} is {questionnaire.status}")
    question = rulebook.question(question_id)
    if question is None:
        raise Unprocessable(f"unknown question {question_id!r}")
    spec = rulebook.facts[question["fact"]]
    if value is not None:
        problem = classification_service.value_problem(spec, value)
        if problem:
            raise Unprocessable(f"answer to {question_id}: {problem}", question=question_id)
    row = QuestionnaireAnswer(
        id=uuid.uuid4(),
        session_id=questionnaire.id,
        organisation_id=questionnaire.organisation_id,
        system_id=questionnaire.system_id,
        question_id=question_id,
        fact=question["fact"],
        value=value,
        answered_by=actor,
        answered_at=utcnow(),
    )
    session.add(row)
    questionnaire.updated_at = row.answered_at
    await session.flush()
    QUESTIONNAIRE_ANSWERS.inc()
    return row


async def complete(
    session: AsyncSession,
    *,
    rulebook: Rulebook,
    questionnaire: QuestionnaireSession,
    actor: str,
    as_of: date | None = None,
) -> tuple[Classification, ClassificationResult]:
    """Finish (possibly early): the classification says which facts are still missing."""
    if questionnaire.status != "open":
        raise Conflict(f"questionnaire {questionnaire.id} is {questionnaire.status}")
    row, result = await classification_service.classify_system(
        session,
        rulebook=rulebook,
        organisation_id=questionnaire.organisation_id,
        system_id=questionnaire.system_id,
        actor=actor,
        trigger="questionnaire",
        as_of=as_of,
    )
    assert row is not None
    questionnaire.status = "completed"
    questionnaire.completed_at = utcnow()
    questionnaire.classification_id = row.id
    await session.flush()
    return row, result


def suggestions(rulebook: Rulebook, *, text: str, answered: set[str]) -> list[dict[str, Any]]:
    """Answers the intended-purpose text hints at, for a person to confirm (never applied)."""
    lowered = text.lower()
    questions = {q["fact"]: q for q in rulebook.questions}
    out: list[dict[str, Any]] = []
    for hint in rulebook.files["suggestions"]["hints"]:
        if hint["fact"] in answered or hint["fact"] not in questions:
            continue
        matched = [
            k for k in hint["keywords"] if re.search(rf"\b{re.escape(str(k).lower())}", lowered)
        ]
        if matched:
            out.append(
                {
                    "question_id": questions[hint["fact"]]["id"],
                    "fact": hint["fact"],
                    "proposed_value": hint["value"],
                    "matched": matched,
                    "note": "suggestion from free text: confirm by answering the question",
                }
            )
    return out
