from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from aigov.shared.db import Base, UTCDateTime, utcnow


class LedgerEntry(Base):
    """One appended event: leaf ``seq - 1`` of the Merkle tree. Rows are only ever inserted.

    The leaf data is ``canonical_json({"seq", "topic", "event"})`` (see ``ledger.service``), so an
    entry can be re-hashed from what is stored and from what an audit package exports.
    """

    __tablename__ = "ledger_entry"
    # A system's entries in ledger order (its page of the console, its audit facts).
    __table_args__ = (Index("ix_ledger_entry_subject_seq", "subject", "seq"),)

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    event_id: Mapped[str] = mapped_column(String(200), unique=True)
    organisation_id: Mapped[str | None] = mapped_column(String(100), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(String(200))
    event_time: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    envelope: Mapped[dict[str, Any]] = mapped_column(JSON)
    leaf_hash: Mapped[str] = mapped_column(String(64))


class LedgerNode(Base):
    """A complete subtree's hash: ``(level, index)`` covers leaves
    ``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes."""

    __tablename__ = "ledger_node"

    level: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    index: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class LedgerHead(Base):
    """The single row every appender updates first: the tree size and its frontier (the roots of
    the complete subtrees the tree is made of). The row lock serialises appenders on PostgreSQL,
    and the frontier makes an append and the current root O(1) reads."""

    __tablename__ = "ledger_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[list[str]] = mapped_column(JSON)


class LedgerCheckpoint(Base):
    """A signed statement of the tree at a size: ``note`` is the exact signed text."""

    __tablename__ = "ledger_checkpoint"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    tree_size: Mapped[int] = mapped_column(BigInteger, index=True)
    root_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(String(1000))
    signature: Mapped[str] = mapped_column(String(200))
