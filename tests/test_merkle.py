"""The Merkle tree against the Certificate Transparency reference vectors
(RFC 6962; certificate-transparency and transparency-dev/merkle test data),
and against a straightforward recursive reading of RFC 9162 on other sizes."""

from __future__ import annotations

import hashlib
import random

import pytest

from registre.adapters.ledger.leaves import leaf_hash
from registre.adapters.ledger.merkle import (
    EMPTY_ROOT,
    RootAccumulator,
    consistency_proof,
    inclusion_proof,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

LAYER = "unit"

ENTRIES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
LEAVES = [leaf_hash(e) for e in ENTRIES]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
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
    (
        2,
        3,
        ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
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
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
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


# -- a naive reading of RFC 9162, straight from its recursive definitions ------------------


def naive_root(leaves: list[bytes]) -> bytes:
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(naive_root(leaves[:k]), naive_root(leaves[k:]))


def naive_path(m: int, leaves: list[bytes]) -> list[bytes]:
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return [*naive_path(m, leaves[:k]), naive_root(leaves[k:])]
    return [*naive_path(m - k, leaves[k:]), naive_root(leaves[:k])]


def naive_subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [naive_root(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*naive_subproof(m, leaves[:k], whole), naive_root(leaves[k:])]
    return [*naive_subproof(m - k, leaves[k:], False), naive_root(leaves[:k])]


def synthetic(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


# -- the reference vectors ----------------------------------------------------------------------


def test_roots_of_the_reference_leaves_for_every_size() -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    for n in range(len(LEAVES) + 1):
        assert root(LEAVES[:n]).hex() == ROOTS[n]
        assert naive_root(LEAVES[:n]).hex() == ROOTS[n]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_reference_inclusion_proofs(index: int, size: int, path: list[str]) -> None:
    assert [p.hex() for p in inclusion_proof(LEAVES, index, size)] == path
    proof = [bytes.fromhex(p) for p in path]
    assert verify_inclusion(LEAVES[index], index, size, proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_reference_consistency_proofs(old: int, new: int, path: list[str]) -> None:
    assert [p.hex() for p in consistency_proof(LEAVES, old, new)] == path
    proof = [bytes.fromhex(p) for p in path]
    assert verify_consistency(old, new, bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new]), proof)


# -- every size up to 70, against the naive reading -----------------------------------------------


def test_roots_and_proofs_agree_with_the_recursive_definitions() -> None:
    leaves = synthetic(70)
    acc = RootAccumulator()
    for n in range(1, len(leaves) + 1):
        acc.append(leaves[n - 1])
        tree = leaves[:n]
        expected = naive_root(tree)
        assert acc.root() == root(tree) == expected
        for i in range(n):
            path = inclusion_proof(leaves, i, n)
            assert path == naive_path(i, tree)
            assert verify_inclusion(leaves[i], i, n, path, expected)
        for m in range(1, n + 1):
            proof = consistency_proof(leaves, m, n)
            assert proof == ([] if m == n else naive_subproof(m, tree, True))
            assert verify_consistency(m, n, naive_root(leaves[:m]), expected, proof)


def test_any_changed_byte_or_wrong_index_fails_the_proofs() -> None:
    rng = random.Random(6962)
    leaves = synthetic(53)
    for _ in range(300):
        n = rng.randrange(2, len(leaves) + 1)
        i = rng.randrange(n)
        top = root(leaves[:n])
        path = inclusion_proof(leaves, i, n)
        assert not verify_inclusion(leaves[i], (i + 1) % n, n, path, top) or n == 1
        assert not verify_inclusion(leaves[(i + 1) % n], i, n, path, top)
        assert not verify_inclusion(leaves[i], i, n, path[:-1], top)
        assert not verify_inclusion(leaves[i], i, n, [*path, EMPTY_ROOT], top)
        if path:
            j, b = rng.randrange(len(path)), rng.randrange(32)
            bad = list(path)
            bad[j] = bad[j][:b] + bytes([bad[j][b] ^ 1]) + bad[j][b + 1 :]
            assert not verify_inclusion(leaves[i], i, n, bad, top)
        m = rng.randrange(1, n)
        old = root(leaves[:m])
        proof = consistency_proof(leaves, m, n)
        assert verify_consistency(m, n, old, top, proof)
        j, b = rng.randrange(len(proof)), rng.randrange(32)
        bad = list(proof)
        bad[j] = bad[j][:b] + bytes([bad[j][b] ^ 0x80]) + bad[j][b + 1 :]
        assert not verify_consistency(m, n, old, top, bad)
        assert not verify_consistency(m, n, old, top, proof[:-1])
        assert not verify_consistency(m, n, leaves[0] if m > 1 else EMPTY_ROOT, top, proof)
        assert not verify_consistency(m, n, old, old, proof)


def test_degenerate_cases() -> None:
    assert verify_consistency(0, 5, EMPTY_ROOT, root(LEAVES[:5]), [])
    assert not verify_consistency(0, 5, LEAVES[0], root(LEAVES[:5]), [])
    assert not verify_consistency(3, 3, root(LEAVES[:3]), root(LEAVES[:3]), [LEAVES[0]])
    assert not verify_consistency(5, 3, root(LEAVES[:5]), root(LEAVES[:3]), [])
    assert not verify_inclusion(LEAVES[0], 0, 0, [], EMPTY_ROOT)
    with pytest.raises(ValueError):
        inclusion_proof(LEAVES, 8, 8)
    with pytest.raises(ValueError):
        consistency_proof(LEAVES, 5, 9)


def test_the_accumulator_holds_one_node_per_bit_of_the_size() -> None:
    acc = RootAccumulator()
    leaf = leaf_hash(b"x")
    for _ in range((1 << 20) - 1):  # a million leaves, twenty subtree roots at most
        acc.append(leaf)
    assert len(acc._stack) == 20
    assert acc.size == (1 << 20) - 1


def test_extending_by_lists_gives_the_nodes_of_appending_one_by_one() -> None:
    # Lists are taken in perfect subtrees hashed level by level; whatever the
    # chunks, the roots and compact ranges are those of one leaf at a time.
    rng = random.Random(14)
    leaves = synthetic(1100)
    for _ in range(20):
        one, chunked, done = RootAccumulator(), RootAccumulator(), 0
        while done < len(leaves):
            chunk = leaves[done : done + rng.choice((1, 2, 3, 7, 64, 100, 257, 513))]
            chunked.extend(chunk)
            for leaf in chunk:
                one.append(leaf)
            done += len(chunk)
            assert chunked.size == one.size
            assert chunked.root() == one.root()
            assert chunked.compact_range() == one.compact_range()
            assert chunked.copy().compact_range() == one.compact_range()
