from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow

SeqType = BigInteger().with_variant(Integer(), "sqlite")


class ObservationChunk(Base):
    """Up to a few thousand observations of one system, model version and window, columnar.

    ``columns`` maps a column name to its values in row order: ``f:<feature>`` for features,
    ``prediction``, ``score``, ``label``, ``p:<attribute>`` for protected attributes and ``ts``
    (ISO timestamps). One JSON document per chunk keeps rows compact and reads cheap.
    """

    __tablename__ = "observation_chunk"
    __table_args__ = (
        Index("ix_observation_chunk_window", "system_id", "model_version", "window", "seq"),
    )

    seq: Mapped[int] = mapped_column(SeqType, primary_key=True, autoincrement=True)
    organisation_id: Mapped[str] = mapped_column(String(100), index=True)
    system_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    model_version: Mapped[str] = mapped_column(String(100))
    window: Mapped[str] = mapped_column(String(20))
    row_count: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Feature kinds seen in this chunk ("numeric" / "categorical").
    kinds: Mapped[dict[str, str]] = mapped_column(JSON)
    columns: Mapped[dict[str, list[Any]]] = mapped_column(JSON)
