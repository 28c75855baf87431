"""The Merkle tree against the RFC 6962 / Certificate Transparency test vectors and a naive,
independent implementation of RFC 9162 section 2.1."""

from __future__ import annotations

import hashlib

import pytest

from aigov.evidence.ledger import merkle

# certificate-transparency merkle_tree_test.cc: leaves, and the roots of the first n of them.
CT_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_PATHS: list[tuple[int, int, list[str]]] = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
CT_CONSISTENCY: list[tuple[int, int, list[str]]] = [
    (1, 1, []),
    (1, 8, CT_PATHS[1][2]),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


def naive_mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1 written as the recursion it is, over raw leaf data."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + naive_mth(leaves[:k]) + naive_mth(leaves[k:])).digest()


class MemoryTree:
    """Complete-subtree nodes in a dict, filled the way the ledger fills its table."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.frontier: list[bytes] = []
        self.size = 0

    def append(self, data: bytes) -> None:
        self.frontier, new = merkle.append_to_frontier(
            self.frontier, self.size, merkle.leaf_hash(data)
        )
        for level, index, h in new:
            self.nodes[(level, index)] = h
        self.size += 1

    def get(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]


def tree_of(leaves: list[bytes]) -> MemoryTree:
    tree = MemoryTree()
    for leaf in leaves:
        tree.append(leaf)
    return tree


LEAVES = [bytes.fromhex(h) for h in CT_LEAVES]


def test_empty_tree_root_is_sha256_of_nothing() -> None:
    assert merkle.EMPTY_ROOT.hex() == hashlib.sha256(b"").hexdigest()
    assert merkle.root_from_leaves([]) == merkle.EMPTY_ROOT


@pytest.mark.parametrize("n", range(1, 9))
def test_roots_match_the_ct_vectors(n: int) -> None:
    tree = tree_of(LEAVES[:n])
    assert merkle.root_from_frontier(tree.frontier, n).hex() == CT_ROOTS[n - 1]
    assert merkle.tree_root(tree.get, n).hex() == CT_ROOTS[n - 1]
    assert naive_mth(LEAVES[:n]).hex() == CT_ROOTS[n - 1]


@pytest.mark.parametrize(("index", "size", "path"), CT_PATHS)
def test_inclusion_paths_match_the_ct_vectors(index: int, size: int, path: list[str]) -> None:
    tree = tree_of(LEAVES[:size])
    got = merkle.inclusion_path(tree.get, index, size)
    assert [h.hex() for h in got] == path
    root = bytes.fromhex(CT_ROOTS[size - 1])
    assert merkle.verify_inclusion(index, size, merkle.leaf_hash(LEAVES[index]), got, root)


@pytest.mark.parametrize(("first", "second", "path"), CT_CONSISTENCY)
def test_consistency_proofs_match_the_ct_vectors(first: int, second: int, path: list[str]) -> None:
    tree = tree_of(LEAVES[:second])
    got = merkle.consistency_path(tree.get, first, second)
    assert [h.hex() for h in got] == path
    r1, r2 = (bytes.fromhex(CT_ROOTS[s - 1]) for s in (first, second))
    assert merkle.verify_consistency(first, second, r1, r2, got)


def test_every_proof_agrees_with_the_naive_tree_up_to_70_leaves() -> None:
    leaves = [i.to_bytes(4, "big") * (i % 3 + 1) for i in range(70)]
    tree = MemoryTree()
    for n in range(1, len(leaves) + 1):
        tree.append(leaves[n - 1])
        root = naive_mth(leaves[:n])
        assert merkle.tree_root(tree.get, n) == root
        assert merkle.root_from_frontier(tree.frontier, n) == root
        for m in range(n):
            path = merkle.inclusion_path(tree.get, m, n)
            assert merkle.verify_inclusion(m, n, merkle.leaf_hash(leaves[m]), path, root)
        for m in range(1, n + 1):
            proof = merkle.consistency_path(tree.get, m, n)
            assert merkle.verify_consistency(m, n, naive_mth(leaves[:m]), root, proof)


def test_tampered_proofs_and_leaves_are_rejected() -> None:
    leaves = [bytes([i]) for i in range(13)]
    tree = tree_of(leaves)
    root = merkle.tree_root(tree.get, 13)
    for m in range(13):
        leaf = merkle.leaf_hash(leaves[m])
        path = merkle.inclusion_path(tree.get, m, 13)
        assert not merkle.verify_inclusion(m, 13, merkle.leaf_hash(b"x" + leaves[m]), path, root)
        for j in range(len(path)):
            bad = list(path)
            bad[j] = bytes([bad[j][0] ^ 1]) + bad[j][1:]
            assert not merkle.verify_inclusion(m, 13, leaf, bad, root)
        assert not merkle.verify_inclusion(m, 13, leaf, path[:-1], root)
        assert not merkle.verify_inclusion(m, 13, leaf, [*path, path[0]], root)
        assert not merkle.verify_inclusion((m + 1) % 13, 13, leaf, path, root)
    proof = merkle.consistency_path(tree.get, 5, 13)
    old = merkle.tree_root(tree.get, 5)
    assert merkle.verify_consistency(5, 13, old, root, proof)
    assert not merkle.verify_consistency(5, 13, root, root, proof)
    assert not merkle.verify_consistency(6, 13, old, root, proof)
    assert not merkle.verify_consistency(5, 13, old, root, proof[1:])


def test_impossible_requests_raise() -> None:
    tree = tree_of(LEAVES[:4])
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_path(tree.get, 4, 4)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_path(tree.get, 5, 4)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_path(tree.get, 0, 4)


def test_needed_nodes_are_logarithmic() -> None:
    n = 1_000_003
    nodes = merkle.needed_nodes(lambda get: merkle.inclusion_path(get, 123_456, n))
    assert len(nodes) <= 2 * n.bit_length()
