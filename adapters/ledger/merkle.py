"""Merkle trees of RFC 9162 (Certificate Transparency 2.0), over leaf hashes.

The ledger stores each event's leaf hash (``ledger.leaf_hash``), so the tree
here starts from leaf hashes, not from entries: MTH of one leaf is the leaf
hash itself, and an interior node is SHA-256(0x01 || left || right). The tree
of n leaves splits at k, the largest power of two smaller than n (RFC 9162
section 2.1.1), which is what makes its root, inclusion proofs (PATH) and
consistency proofs (PROOF) the same as any other CT implementation's.

``RootAccumulator`` computes the root of a log of any length while reading it
once, in order, holding only the roots of its perfect subtrees (at most one
per bit of the size): a million leaves take about twenty hashes of memory.
Those roots are the log's *compact range* [0, n): ``compact_range`` writes
them as bytes and ``RootAccumulator.resume`` starts again from them, so the
store keeps the range beside each tree head and a commit extends the tree by
its own leaves, without reading the log again.

No project import: the offline verifier uses this module on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


class RootAccumulator:
    """The root of a growing log, fed one leaf hash at a time.

    The stack holds the roots of the perfect subtrees that the leaves so far
    decompose into, largest (leftmost) first, with their sizes; appending a
    leaf merges equal-sized neighbours, as binary addition carries.
    """

    __slots__ = ("_stack", "size")

    def __init__(self) -> None:
        self._stack: list[tuple[int, bytes]] = []
        self.size = 0

    def append(self, leaf: bytes) -> None:
        size, node = 1, leaf
        while self._stack and self._stack[-1][0] == size:
            _, left = self._stack.pop()
            node = node_hash(left, node)
            size *= 2
        self._stack.append((size, node))
        self.size += 1

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Appends the leaves in order. A list is taken in the largest perfect
        subtrees its span holds, each hashed level by level: the same nodes
        as leaf by leaf, for less work per node."""
        if not isinstance(leaves, list):
            for leaf in leaves:
                self.append(leaf)
            return
        start, total = 0, len(leaves)
        while start < total:
            left = total - start
            # The largest block that starts at this size and fits: the size's
            # lowest set bit (any power of two at size 0), at most what is left.
            block = self.size & -self.size or 1 << (left.bit_length() - 1)
            while block > left:
                block >>= 1
            if block == 1:
                self.append(leaves[start])
                start += 1
                continue
            level = leaves[start : start + block]
            while len(level) > 1:
                level = [
                    hashlib.sha256(b"\x01" + a + b).digest()
                    for a, b in zip(level[::2], level[1::2], strict=True)
                ]
            self._push(block, level[0])
            start += block

    def _push(self, size: int, node: bytes) -> None:
        """Appends the root of a perfect subtree of ``size`` leaves (the log's
        size a multiple of it), merging equal-sized neighbours."""
        added = size
        while self._stack and self._stack[-1][0] == size:
            _, left = self._stack.pop()
            node = node_hash(left, node)
            size *= 2
        self._stack.append((size, node))
        self.size += added

    def copy(self) -> RootAccumulator:
        acc = RootAccumulator()
        acc._stack, acc.size = list(self._stack), self.size
        return acc

    @classmethod
    def resume(cls, size: int, compact_range: bytes) -> RootAccumulator:
        """The accumulator of a log of ``size`` leaves, from its compact range."""
        sizes = [1 << bit for bit in range(size.bit_length() - 1, -1, -1) if size >> bit & 1]
        if len(compact_range) != HASH_SIZE * len(sizes):
            raise ValueError(
                f"a compact range of {size} leaves holds {len(sizes)} hashes, "
                f"not {len(compact_range) / HASH_SIZE:g}"
            )
        acc = cls()
        acc._stack = [
            (n, compact_range[i * HASH_SIZE : (i + 1) * HASH_SIZE]) for i, n in enumerate(sizes)
        ]
        acc.size = size
        return acc

    def compact_range(self) -> bytes:
        """The roots of the perfect subtrees of the leaves so far, largest first:
        one hash per bit set in the size."""
        return b"".join(node for _, node in self._stack)

    def root(self) -> bytes:
        """The tree head of the leaves so far: the subtree roots folded from the right."""
        if not self._stack:
            return EMPTY_ROOT
        node = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            node = node_hash(left, node)
        return node


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) of a list of leaf hashes."""
    acc = RootAccumulator()
    acc.extend(leaves)
    return acc.root()


def _check(size: int, total: int) -> None:
    if not 0 <= size <= total:
        raise ValueError(f"tree size {size} is not within the {total} leaves given")


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int | None = None) -> list[bytes]:
    """PATH(index, D[size]): the audit path of leaf ``index`` in the first ``size`` leaves."""
    size = len(leaves) if size is None else size
    _check(size, len(leaves))
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is not in a tree of {size} leaves")
    path: list[bytes] = []
    lo, hi = 0, size
    # Walk down from the root; the sibling subtrees are collected top-down,
    # and the path lists them bottom-up.
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            path.append(root(leaves[lo + k : hi]))
            hi = lo + k
        else:
            path.append(root(leaves[lo : lo + k]))
            lo += k
    return path[::-1]


def consistency_proof(leaves: Sequence[bytes], old: int, new: int | None = None) -> list[bytes]:
    """PROOF(old, D[new]): that the tree of ``new`` leaves extends the tree of ``old``."""
    new = len(leaves) if new is None else new
    _check(new, len(leaves))
    if not 0 <= old <= new:
        raise ValueError(f"cannot prove that {new} leaves extend {old}")
    if old in (0, new):
        return []
    return _subproof(leaves, old, 0, new, True)


def _subproof(leaves: Sequence[bytes], m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
    """SUBPROOF(m, D[lo:hi], whole) of RFC 9162 section 2.1.4.1."""
    n = hi - lo
    if m == n:
        return [] if whole else [root(leaves[lo:hi])]
    k = _split(n)
    if m <= k:
        return [*_subproof(leaves, m, lo, lo + k, whole), root(leaves[lo + k : hi])]
    return [*_subproof(leaves, m - k, lo + k, hi, False), root(leaves[lo : lo + k])]


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """RFC 9162 section 2.1.3.2: whether ``proof`` puts ``leaf`` at ``index`` under the root."""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in proof):
        return False
    fn, sn = index, size - 1
    node = leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = node_hash(p, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == expected_root


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 section 2.1.4.2: whether the tree of ``new`` leaves extends that of ``old``."""
    if not 0 <= old <= new or any(len(p) != HASH_SIZE for p in proof):
        return False
    if old == new:
        return not proof and old_root == new_root
    if old == 0:
        return not proof and old_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    # When old is a power of two, the old root is itself the first node of the proof.
    if old & (old - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
