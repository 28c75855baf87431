"""Observations in: validated, split into bounded columnar chunks, stored per window."""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.monitoring.errors import (
    InvalidObservation,
    PayloadTooLarge,
    SchemaMismatch,
    SystemNotFound,
)
from aigov.monitoring.metrics import OBSERVATIONS_INGESTED
from aigov.monitoring.observation.models import ObservationChunk
from aigov.monitoring.system.models import MonitoredSystem
from aigov.shared.contracts.monitoring import ObservationRecord
from aigov.shared.db import utcnow

MAX_LINE_BYTES = 1 << 20


def value_kind(value: object) -> str | None:
    """``numeric`` for numbers, ``categorical`` for strings and booleans, None for missing."""
    if value is None:
        return None
    if isinstance(value, bool) or isinstance(value, str):
        return "categorical"
    return "numeric"


def _clean(value: object) -> object:
    # NaN and inf cannot be stored in JSON; they are missing values (counted as dropped later).
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return value


@dataclass
class ChunkBuilder:
    """Accumulates up to ``limit`` records as columns; ``kinds`` must stay consistent."""

    limit: int
    kinds: dict[str, str] = field(default_factory=dict)
    columns: dict[str, list[Any]] = field(default_factory=dict)
    rows: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None

    def add(self, record: ObservationRecord, *, line: int, received: datetime) -> None:
        at = record.timestamp or received
        if at.tzinfo is None:
            raise InvalidObservation(
                f"record {line}: timestamp needs a time zone offset", line=line
            )
        values: dict[str, object] = {f"f:{k}": v for k, v in record.features.items()}
        values |= {f"p:{k}": v for k, v in record.protected.items()}
        values |= {"prediction": record.prediction, "score": record.score, "label": record.label}
        values["ts"] = at.isoformat()
        for name, value in values.items():
            kind = value_kind(value)
            if name.startswith("f:") and kind is not None:
                seen = self.kinds.setdefault(name[2:], kind)
                if seen != kind:
                    raise InvalidObservation(
                        f"record {line}: feature {name[2:]!r} is {kind} here but {seen} before",
                        line=line,
                        feature=name[2:],
                    )
            column = self.columns.get(name)
            if column is None:
                if value is None:
                    continue
                column = self.columns[name] = [None] * self.rows
            column.append(_clean(value))
        self.rows += 1
        for column in self.columns.values():
            if len(column) < self.rows:
                column.append(None)
        self.first_at = min(self.first_at, at) if self.first_at else at
        self.last_at = max(self.last_at, at) if self.last_at else at

    @property
    def full(self) -> bool:
        return self.rows >= self.limit


@dataclass
class IngestResult:
    system_id: uuid.UUID
    model_version: str
    window: str
    accepted: int = 0
    chunks: int = 0


async def get_system(
    session: AsyncSession, *, organisation_id: str, system_id: uuid.UUID
) -> MonitoredSystem:
    system = await session.get(MonitoredSystem, system_id)
    if system is None or system.organisation_id != organisation_id:
        raise SystemNotFound(
            f"system {system_id} is not known to monitoring (register it in the inventory first)",
            system_id=str(system_id),
        )
    return system


class Ingestor:
    """Writes records of one system, model version and window in chunks, flushing as it goes,
    so memory holds one chunk whatever the size of the stream."""

    def __init__(
        self,
        session: AsyncSession,
        system: MonitoredSystem,
        *,
        model_version: str,
        window: str,
        chunk_rows: int,
        max_rows: int,
        transport: str,
    ) -> None:
        self.session = session
        self.system = system
        self.max_rows = max_rows
        self.chunk_rows = chunk_rows
        self.transport = transport
        self.received = utcnow()
        self.result = IngestResult(system.system_id, model_version, window)
        self.builder = ChunkBuilder(chunk_rows)

    async def add(self, record: ObservationRecord) -> None:
        if self.result.accepted >= self.max_rows:
            raise PayloadTooLarge(
                f"at most {self.max_rows} observations per request", limit=self.max_rows
            )
        self.builder.add(record, line=self.result.accepted + 1, received=self.received)
        self.result.accepted += 1
        if self.builder.full:
            await self._flush()

    async def _flush(self) -> None:
        b = self.builder
        if b.rows == 0:
            return
        assert b.first_at is not None
        assert b.last_at is not None
        chunk = ObservationChunk(
            organisation_id=self.system.organisation_id,
            system_id=self.system.system_id,
            model_version=self.result.model_version,
            window=self.result.window,
            row_count=b.rows,
            first_at=b.first_at,
            last_at=b.last_at,
            received_at=self.received,
            kinds=b.kinds,
            columns=b.columns,
        )
        self.session.add(chunk)
        await self.session.flush()
        self.session.expunge(chunk)
        self.result.chunks += 1
        # The next chunk keeps the kinds, so a type change across chunks is still caught.
        self.builder = ChunkBuilder(self.chunk_rows, kinds=dict(b.kinds))

    async def finish(self) -> IngestResult:
        await self._flush()
        if self.result.accepted == 0:
            raise InvalidObservation("no observations in the request")
        if self.result.window == "current":
            self.system.last_observation_at = self.received
            self.system.rows_since_drift += self.result.accepted
        OBSERVATIONS_INGESTED.labels(self.transport).inc(self.result.accepted)
        return self.result


async def ingest(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    model_version: str,
    window: str,
    records: Iterable[ObservationRecord],
    chunk_rows: int,
    max_rows: int,
    transport: str,
) -> IngestResult:
    system = await get_system(session, organisation_id=organisation_id, system_id=system_id)
    ingestor = Ingestor(
        session,
        system,
        model_version=model_version,
        window=window,
        chunk_rows=chunk_rows,
        max_rows=max_rows,
        transport=transport,
    )
    for record in records:
        await ingestor.add(record)
    return await ingestor.finish()


async def ingest_ndjson(
    session: AsyncSession,
    *,
    organisation_id: str,
    system_id: uuid.UUID,
    model_version: str,
    window: str,
    stream: AsyncIterable[bytes],
    chunk_rows: int,
    max_rows: int,
) -> IngestResult:
    """One JSON observation per line, parsed as the bytes arrive (never the whole body)."""
    system = await get_system(session, organisation_id=organisation_id, system_id=system_id)
    ingestor = Ingestor(
        session,
        system,
        model_version=model_version,
        window=window,
        chunk_rows=chunk_rows,
        max_rows=max_rows,
        transport="ndjson",
    )
    line_no = 0
    pending = b""

    async def handle(line: bytes) -> None:
        if not line.strip():
            return
        try:
            record = ObservationRecord.model_validate_json(line)
        except ValidationError as exc:
            raise InvalidObservation(
                f"line {line_no}: {exc.errors()[0]['msg']}",
                line=line_no,
                errors=[
                    {"location": list(e["loc"]), "message": e["msg"]} for e in exc.errors()[:5]
                ],
            ) from exc
        await ingestor.add(record)

    async for piece in stream:
        pending += piece
        *lines, pending = pending.split(b"\n")
        for line in lines:
            line_no += 1
            await handle(line)
        if len(pending) > MAX_LINE_BYTES:
            raise PayloadTooLarge(f"line {line_no + 1} is longer than {MAX_LINE_BYTES} bytes")
    if pending:
        line_no += 1
        await handle(pending)
    return await ingestor.finish()


@dataclass
class WindowData:
    rows: int
    kinds: dict[str, str]
    columns: dict[str, list[Any]]
    first_seq: int | None
    last_seq: int | None
    first_at: datetime | None
    last_at: datetime | None

    def describe(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "first_chunk": self.first_seq,
            "last_chunk": self.last_seq,
            "from": self.first_at.isoformat() if self.first_at else None,
            "to": self.last_at.isoformat() if self.last_at else None,
        }


async def load_window(
    session: AsyncSession,
    *,
    system_id: uuid.UUID,
    model_version: str,
    window: str,
    last_n: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    max_rows: int,
) -> WindowData:
    """The newest rows of a window: the last ``last_n`` rows, or those timed in [since, until)."""
    query = select(ObservationChunk).where(
        ObservationChunk.system_id == system_id,
        ObservationChunk.model_version == model_version,
        ObservationChunk.window == window,
    )
    if since is not None:
        query = query.where(ObservationChunk.last_at >= since)
    if until is not None:
        query = query.where(ObservationChunk.first_at < until)
    limit = min(last_n, max_rows) if last_n else max_rows
    picked: list[ObservationChunk] = []
    total = 0
    for chunk in await session.scalars(query.order_by(ObservationChunk.seq.desc())):
        picked.append(chunk)
        total += chunk.row_count
        if total >= limit:
            break
    picked.reverse()
    kinds: dict[str, str] = {}
    for chunk in picked:
        for name, kind in chunk.kinds.items():
            if kinds.setdefault(name, kind) != kind:
                raise SchemaMismatch(
                    f"feature {name!r} is both numeric and categorical in the {window} window",
                    feature=name,
                )
    names = sorted({n for c in picked for n in c.columns})
    columns: dict[str, list[Any]] = {n: [] for n in names}
    rows = 0
    for chunk in picked:
        keep = _rows_in_range(chunk, since, until)
        for name in names:
            values = chunk.columns.get(name) or [None] * chunk.row_count
            columns[name].extend(values if keep is None else [values[i] for i in keep])
        rows += chunk.row_count if keep is None else len(keep)
    if rows > limit:
        columns = {n: v[rows - limit :] for n, v in columns.items()}
        rows = limit
    return WindowData(
        rows=rows,
        kinds=kinds,
        columns=columns,
        first_seq=picked[0].seq if picked else None,
        last_seq=picked[-1].seq if picked else None,
        first_at=min((c.first_at for c in picked), default=None),
        last_at=max((c.last_at for c in picked), default=None),
    )


def _rows_in_range(
    chunk: ObservationChunk, since: datetime | None, until: datetime | None
) -> list[int] | None:
    if since is None and until is None:
        return None
    if (since is None or chunk.first_at >= since) and (until is None or chunk.last_at < until):
        return None
    keep = []
    for i, ts in enumerate(chunk.columns.get("ts", [])):
        at = datetime.fromisoformat(ts)
        if (since is None or at >= since) and (until is None or at < until):
            keep.append(i)
    return keep
