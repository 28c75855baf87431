from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class QuestionnaireSession(Base):
    __tablename__ = "questionnaire_session"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    system_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | completed
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    classification_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class QuestionnaireAnswer(Base):
    """One answer: the fact it settles, who gave it and when (answers are never overwritten)."""

    __tablename__ = "questionnaire_answer"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("questionnaire_session.id"), index=True
    )
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    system_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    question_id: Mapped[str] = mapped_column(String(120))
    fact: Mapped[str] = mapped_column(String(120))
    value: Mapped[Any] = mapped_column(JSON)
    answered_by: Mapped[str] = mapped_column(String(200))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
