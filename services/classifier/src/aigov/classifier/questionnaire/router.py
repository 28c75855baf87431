from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter

from aigov.classifier.classification.router import to_out
from aigov.classifier.classification.schemas import ClassificationOut
from aigov.classifier.classification.service import gather_facts, today
from aigov.classifier.deps import RulebookDep
from aigov.classifier.questionnaire import service
from aigov.classifier.questionnaire.schemas import (
    AnswerIn,
    AnswerOut,
    CompleteIn,
    NextOut,
    Question,
    QuestionnaireCreate,
    QuestionnaireOut,
)
from aigov.classifier.rulebook.loader import Rulebook
from aigov.classifier.system.service import get_known_system
from aigov.shared.deps import SessionDep
from aigov.shared.problems import PROBLEM_RESPONSES
from aigov.shared.tenancy import CallerContext, requires

router = APIRouter(
    prefix="/v1/questionnaires", tags=["questionnaires"], responses=PROBLEM_RESPONSES
)

Reader = Annotated[CallerContext, requires("classification:read")]
Writer = Annotated[CallerContext, requires("classification:write")]


def as_question(rulebook: Rulebook, item: dict[str, Any]) -> Question:
    spec = rulebook.facts[item["fact"]]
    return Question(
        id=item["id"],
        fact=item["fact"],
        provision=item["provision"],
        text=item["text"],
        explanation=item["explanation"],
        type=spec["type"],
        options=spec.get("options"),
    )


@router.post("", response_model=QuestionnaireOut, status_code=201)
async def start_questionnaire(
    body: QuestionnaireCreate, session: SessionDep, caller: Writer
) -> object:
    return await service.start(
        session,
        organisation_id=caller.organisation_id,
        system_id=body.system_id,
        actor=caller.subject,
    )


@router.get("/{questionnaire_id}", response_model=QuestionnaireOut)
async def get_questionnaire(
    questionnaire_id: uuid.UUID, session: SessionDep, caller: Reader
) -> object:
    return await service.get(
        session, organisation_id=caller.organisation_id, session_id=questionnaire_id
    )


@router.get("/{questionnaire_id}/answers", response_model=list[AnswerOut])
async def list_answers(questionnaire_id: uuid.UUID, session: SessionDep, caller: Reader) -> object:
    questionnaire = await service.get(
        session, organisation_id=caller.organisation_id, session_id=questionnaire_id
    )
    return await service.answers(session, questionnaire=questionnaire)


@router.get("/{questionnaire_id}/next", response_model=NextOut)
async def get_next_question(
    questionnaire_id: uuid.UUID, session: SessionDep, rulebook: RulebookDep, caller: Reader
) -> NextOut:
    """The next question that would change the result, or done when none is left."""
    questionnaire = await service.get(
        session, organisation_id=caller.organisation_id, session_id=questionnaire_id
    )
    result = await service.provisional(
        session, rulebook=rulebook, questionnaire=questionnaire, as_of=today()
    )
    item = service.next_question(rulebook, result)
    answered = len(await service.answers(session, questionnaire=questionnaire))
    return NextOut(
        done=item is None or questionnaire.status != "open",
        question=None
        if item is None or questionnaire.status != "open"
        else as_question(rulebook, item),
        provisional_tier=result.risk_tier,
        missing_facts=result.missing_facts,
        answered=answered,
    )


@router.post("/{questionnaire_id}/answers", response_model=AnswerOut, status_code=201)
async def answer_question(
    questionnaire_id: uuid.UUID,
    body: AnswerIn,
    session: SessionDep,
    rulebook: RulebookDep,
    caller: Writer,
) -> object:
    questionnaire = await service.get(
        session, organisation_id=caller.organisation_id, session_id=questionnaire_id
    )
    return await service.answer(
        session,
        rulebook=rulebook,
        questionnaire=questionnaire,
        question_id=body.question_id,
        value=body.value,
        actor=caller.subject,
    )


@router.post("/{questionnaire_id}/complete", response_model=ClassificationOut)
async def complete_questionnaire(
    questionnaire_id: uuid.UUID,
    body: CompleteIn,
    session: SessionDep,
    rulebook: RulebookDep,
    caller: Writer,
) -> ClassificationOut:
    """Finish now (even early): stores a classification that lists what is still missing."""
    questionnaire = await service.get(
        session, organisation_id=caller.organisation_id, session_id=questionnaire_id
    )
    row, _ = await service.complete(
        session,
        rulebook=rulebook,
        questionnaire=questionnaire,
        actor=caller.subject,
        as_of=body.as_of,
    )
    return to_out(row)


@router.get("/{questionnaire_id}/suggestions")
async def list_suggestions(
    questionnaire_id: uuid.UUID, session: SessionDep, rulebook: RulebookDep, caller: Reader
) -> list[dict[str, Any]]:
    """Proposed answers from the system's name, description and intended purpose: suggestions
    to confirm, never used for classification until someone answers."""
    questionnaire = await service.get(
        session, organisation_id=caller.organisation_id, session_id=questionnaire_id
    )
    system = await get_known_system(
        session, organisation_id=caller.organisation_id, system_id=questionnaire.system_id
    )
    snapshot = system.snapshot or {}
    text = " ".join([system.name, system.intended_purpose, str(snapshot.get("description", ""))])
    facts = await gather_facts(session, rulebook, system)
    return service.suggestions(rulebook, text=text, answered=set(facts))
