from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from aigov.classifier.rulebook.conditions import FactValue


class QuestionnaireCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    system_id: uuid.UUID


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question_id: str = Field(min_length=1, max_length=120)
    value: FactValue = Field(description="null marks the fact as unknown again")


class AnswerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    question_id: str
    fact: str
    value: Any
    answered_by: str
    answered_at: datetime


class QuestionnaireOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    system_id: uuid.UUID
    status: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    classification_id: uuid.UUID | None


class Question(BaseModel):
    id: str
    fact: str
    provision: str
    text: str
    explanation: str
    type: str
    options: list[str] | None = None


class NextOut(BaseModel):
    done: bool
    question: Question | None
    provisional_tier: str
    missing_facts: list[str]
    answered: int


class CompleteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = None
