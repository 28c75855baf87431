"""Merkle ledger (leaf hashes, complete-subtree nodes, head, signed checkpoints), evidence items and
blobs, ISO/IEC 42001 control records.

The hash chain's entries keep their position and content; their leaf hashes and the tree are
computed here from the same canonical record the chain hashed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import hashlib
import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def upgrade() -> None:
    op.create_table(
        "ledger_node",
        sa.Column("level", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("index", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(32), nullable=False),
        sa.PrimaryKeyConstraint("level", "index", name="pk_ledger_node"),
    )
    op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("frontier", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_head"),
    )
    op.create_table(
        "ledger_checkpoint",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("note", sa.String(1000), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_checkpoint"),
    )
    op.create_index("ix_ledger_checkpoint_tree_size", "ledger_checkpoint", ["tree_size"])

    # Leaf hashes for the entries the hash chain already holds, then the tree over them.
    with op.batch_alter_table("ledger_entry") as batch:
        batch.add_column(sa.Column("leaf_hash", sa.String(64), nullable=True))
    conn = op.get_bind()
    entry = sa.table(
        "ledger_entry",
        sa.column("seq", sa.BigInteger()),
        sa.column("topic", sa.String()),
        sa.column("envelope", sa.JSON()),
        sa.column("leaf_hash", sa.String()),
    )
    node = sa.table(
        "ledger_node",
        sa.column("level", sa.Integer()),
        sa.column("index", sa.BigInteger()),
        sa.column("hash", sa.LargeBinary()),
    )
    frontier: list[bytes] = []
    size = 0
    rows = conn.execute(sa.select(entry.c.seq, entry.c.topic, entry.c.envelope).order_by("seq"))
    for seq, topic, envelope in rows.fetchall():
        record = {"seq": seq, "topic": topic, "event": envelope}
        leaf = hashlib.sha256(b"\x00" + _canonical(record)).digest()
        conn.execute(sa.update(entry).where(entry.c.seq == seq).values(leaf_hash=leaf.hex()))
        nodes = [(0, size, leaf)]
        carry, level, index = leaf, 0, size
        while (size >> level) & 1:
            carry = _node(frontier.pop(), carry)
            level, index = level + 1, index >> 1
            nodes.append((level, index, carry))
        frontier.append(carry)
        size += 1
        conn.execute(sa.insert(node), [{"level": a, "index": b, "hash": c} for a, b, c in nodes])
    head = sa.table(
        "ledger_head",
        sa.column("id", sa.Integer()),
        sa.column("size", sa.BigInteger()),
        sa.column("frontier", sa.JSON()),
    )
    conn.execute(sa.insert(head).values(id=1, size=size, frontier=[h.hex() for h in frontier]))
    with op.batch_alter_table("ledger_entry") as batch:
        batch.alter_column("leaf_hash", existing_type=sa.String(64), nullable=False)
        batch.drop_column("prev_hash")
        batch.drop_column("entry_hash")

    op.create_table(
        "evidence_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("lineage_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.String(4000), nullable=True),
        sa.Column("system_id", sa.Uuid(), nullable=True),
        sa.Column("provisions", sa.JSON(), nullable=False),
        sa.Column("iso_refs", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("confidentiality", sa.String(30), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("placed_on_market", sa.Date(), nullable=True),
        sa.Column("retention_until", sa.Date(), nullable=True),
        sa.Column("retention_basis", sa.String(300), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tombstoned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ledger_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_item"),
    )
    for column in ("organisation_id", "lineage_id", "system_id", "sha256"):
        op.create_index(f"ix_evidence_item_{column}", "evidence_item", [column])
    op.create_table(
        "evidence_blob",
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("last_checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("sha256", name="pk_evidence_blob"),
    )
    op.create_table(
        "control_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.String(100), nullable=False),
        sa.Column("control_id", sa.String(20), nullable=False),
        sa.Column("applicable", sa.Boolean(), nullable=False),
        sa.Column("justification", sa.String(2000), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("owner", sa.String(200), nullable=True),
        sa.Column("notes", sa.String(4000), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_control_record"),
        sa.UniqueConstraint(
            "organisation_id", "control_id", name="uq_control_record_organisation_id"
        ),
    )
    op.create_index("ix_control_record_organisation_id", "control_record", ["organisation_id"])


def downgrade() -> None:
    op.drop_table("control_record")
    op.drop_table("evidence_blob")
    op.drop_table("evidence_item")
    # The chain's hashes are not recomputed on the way down: the columns come back empty-valued.
    with op.batch_alter_table("ledger_entry") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        batch.add_column(sa.Column("entry_hash", sa.String(64), nullable=False, server_default=""))
        batch.drop_column("leaf_hash")
    op.drop_table("ledger_checkpoint")
    op.drop_table("ledger_head")
    op.drop_table("ledger_node")
