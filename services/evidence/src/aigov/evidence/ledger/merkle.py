"""RFC 6962 / RFC 9162 Merkle tree hashing, inclusion and consistency proofs (pure functions).

* leaf hash ``SHA-256(0x00 || data)``, node hash ``SHA-256(0x01 || left || right)``;
* the tree of ``n`` leaves splits at ``k``, the largest power of two below ``n`` (RFC 9162 2.1.1);
* the hash of the empty tree is ``SHA-256("")``.

Stored trees are addressed by *complete subtrees*: node ``(level, index)`` covers the leaves
``[index * 2**level, (index + 1) * 2**level)``. Every range the RFC algorithms need decomposes into
O(log n) such nodes, so proofs read O(log n) stored hashes. The algorithms take a ``get`` callable
for a node; :func:`needed_nodes` runs them once with a recorder to learn which nodes to fetch, so
the caller can read them all in one query.

This module is also used by the offline verifier: it imports nothing but the standard library.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from typing import Any

Hash = bytes
NodeGetter = Callable[[int, int], Hash]
EMPTY_ROOT: Hash = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof request or a proof that cannot be right (bad sizes, wrong length...)."""


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no insignificant whitespace, UTF-8: the same bytes for the same value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def leaf_hash(data: bytes) -> Hash:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: Hash, right: Hash) -> Hash:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root_from_leaves(leaf_hashes: Sequence[Hash]) -> Hash:
    """MTH over already-hashed leaves, iteratively (used to audit a whole stored tree)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    # Fold complete subtrees left to right, keeping a frontier like an appender does.
    frontier: list[Hash] = []
    size = 0
    for leaf in leaf_hashes:
        frontier, _ = append_to_frontier(frontier, size, leaf)
        size += 1
    return root_from_frontier(frontier, size)


# -- appending with a frontier ------------------------------------------------------------------


def append_to_frontier(
    frontier: Sequence[Hash], size: int, leaf: Hash
) -> tuple[list[Hash], list[tuple[int, int, Hash]]]:
    """Append ``leaf`` to a tree of ``size`` leaves.

    ``frontier`` holds the roots of the complete subtrees the tree is made of, largest (leftmost)
    first: one per set bit of ``size``. Returns the new frontier and every node completed by the
    append as ``(level, index, hash)``, the leaf itself included, so they can be stored.
    """
    new_nodes = [(0, size, leaf)]
    stack = list(frontier)
    carry, level, index = leaf, 0, size
    while (size >> level) & 1:
        carry = node_hash(stack.pop(), carry)
        level, index = level + 1, index >> 1
        new_nodes.append((level, index, carry))
    stack.append(carry)
    return stack, new_nodes


def root_from_frontier(frontier: Sequence[Hash], size: int) -> Hash:
    if size == 0:
        return EMPTY_ROOT
    if len(frontier) != bin(size).count("1"):
        raise ProofError("frontier does not match the tree size")
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


# -- subtree hashes over stored complete nodes ---------------------------------------------------


def subtree_hash(get: NodeGetter, start: int, end: int) -> Hash:
    """MTH(D[start:end]) where ``start`` is a multiple of the largest power of two <= the width
    (always the case for the ranges RFC 9162 asks for)."""
    width = end - start
    if width <= 0:
        raise ProofError("empty range")
    if width & (width - 1) == 0 and start % width == 0:
        level = width.bit_length() - 1
        return get(level, start >> level)
    k = split_point(width)
    return node_hash(subtree_hash(get, start, start + k), subtree_hash(get, start + k, end))


def tree_root(get: NodeGetter, size: int) -> Hash:
    return EMPTY_ROOT if size == 0 else subtree_hash(get, 0, size)


def inclusion_path(get: NodeGetter, index: int, size: int) -> list[Hash]:
    """PATH(m, D[n]) of RFC 9162 2.1.3.1, leaf to root."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    path: list[Hash] = []

    def walk(m: int, start: int, end: int) -> None:
        n = end - start
        if n == 1:
            return
        k = split_point(n)
        if m < k:
            walk(m, start, start + k)
            path.append(subtree_hash(get, start + k, end))
        else:
            walk(m - k, start + k, end)
            path.append(subtree_hash(get, start, start + k))

    walk(index, 0, size)
    return path


def consistency_path(get: NodeGetter, first: int, second: int) -> list[Hash]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1 between tree sizes ``first`` and ``second``."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    path: list[Hash] = []

    def subproof(m: int, start: int, end: int, complete: bool) -> None:
        n = end - start
        if m == n:
            if not complete:
                path.append(subtree_hash(get, start, end))
            return
        k = split_point(n)
        if m <= k:
            subproof(m, start, start + k, complete)
            path.append(subtree_hash(get, start + k, end))
        else:
            subproof(m - k, start + k, end, False)
            path.append(subtree_hash(get, start, start + k))

    subproof(first, 0, second, True)
    return path


def needed_nodes(run: Callable[[NodeGetter], object]) -> set[tuple[int, int]]:
    """The ``(level, index)`` nodes ``run`` reads; the algorithms' shape does not depend on the
    hash values, so a dry run with placeholder hashes finds them."""
    seen: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> Hash:
        seen.add((level, index))
        return EMPTY_ROOT

    run(record)
    return seen


# -- verification (RFC 9162 2.1.3.2 and 2.1.4.2) -------------------------------------------------


def root_from_inclusion_proof(index: int, size: int, leaf: Hash, path: Sequence[Hash]) -> Hash:
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    return r


def verify_inclusion(index: int, size: int, leaf: Hash, path: Sequence[Hash], root: Hash) -> bool:
    try:
        return root_from_inclusion_proof(index, size, leaf, path) == root
    except ProofError:
        return False


def verify_consistency(
    first: int, second: int, first_root: Hash, second_root: Hash, path: Sequence[Hash]
) -> bool:
    if not 0 < first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    proof = list(path)
    if first & (first - 1) == 0:  # a power of two: the first tree is itself a node
        proof.insert(0, first_root)
    if not proof:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn != 0 and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root
