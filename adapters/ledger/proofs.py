"""The log as a published site carries it: its entries up to the latest signed
checkpoint, and the proofs a reader checks without Registre.

``PublishedLog`` reads the store once: the entry (leaf bytes) of every event
the latest signed checkpoint covers, their leaf hashes, and the roots of the
perfect subtrees above them (level by level, as the tiles hold them), so an
inclusion or consistency proof takes O(log² n) hashes of lookups, not a pass
over the log. It writes the tiles (``tiles``) and the readable log
(``evenements.jsonl``, as ``registre export events --all`` writes it), and
gives each page of the site the proof of the events it shows: their entries,
their inclusion paths and the checkpoint, with every earlier checkpoint and
the consistency proof from each one to the next (``page_proof``).

Proofs are the RFC 9162 ones (``merkle``): a test compares them with
``merkle.inclusion_proof`` and ``merkle.consistency_proof``.
"""

from __future__ import annotations

import base64
import bisect
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from registre.adapters.ledger.checkpoints import Checkpoint, list_checkpoints
from registre.adapters.ledger.keyring import key_id
from registre.adapters.ledger.leaves import leaf_bytes, leaf_hash
from registre.adapters.ledger.merkle import EMPTY_ROOT, node_hash
from registre.adapters.ledger.tables import AuditTables, exported_events
from registre.adapters.ledger.tiles import write_log
from registre.adapters.stores import Store

READABLE_LOG = "evenements.jsonl"


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


class Tree:
    """A Merkle tree of RFC 9162 over leaf hashes, with every perfect aligned
    subtree's root kept: ``levels[k][j]`` is the root of leaves
    ``[j * 2^k, (j + 1) * 2^k)``."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.size = len(leaves)
        self.levels: list[list[bytes]] = [list(leaves)]
        while len(self.levels[-1]) > 1:
            below = self.levels[-1]
            self.levels.append(
                [node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
            )

    def subtree(self, lo: int, hi: int) -> bytes:
        """MTH(D[lo:hi]); ``lo`` is a multiple of the largest power of two
        not above ``hi - lo``, as every range of a proof is."""
        n = hi - lo
        if n == 0:
            return EMPTY_ROOT
        if n & (n - 1) == 0 and lo % n == 0:
            return self.levels[n.bit_length() - 1][lo // n]
        k = _split(n)
        return node_hash(self.subtree(lo, lo + k), self.subtree(lo + k, hi))

    def root(self, size: int | None = None) -> bytes:
        return self.subtree(0, self.size if size is None else size)

    def inclusion(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]), bottom-up."""
        size = self.size if size is None else size
        if not 0 <= index < size <= self.size:
            raise ValueError(f"leaf {index} is not in a tree of {size} leaves")
        path: list[bytes] = []
        lo, hi = 0, size
        while hi - lo > 1:
            k = _split(hi - lo)
            if index - lo < k:
                path.append(self.subtree(lo + k, hi))
                hi = lo + k
            else:
                path.append(self.subtree(lo, lo + k))
                lo += k
        return path[::-1]

    def consistency(self, old: int, new: int | None = None) -> list[bytes]:
        """PROOF(old, D[new])."""
        new = self.size if new is None else new
        if not 0 <= old <= new <= self.size:
            raise ValueError(f"cannot prove that {new} leaves extend {old}")
        if old in (0, new):
            return []
        return self._subproof(old, 0, new, True)

    def _subproof(self, m: int, lo: int, hi: int, whole: bool) -> list[bytes]:
        n = hi - lo
        if m == n:
            return [] if whole else [self.subtree(lo, hi)]
        k = _split(n)
        if m <= k:
            return [*self._subproof(m, lo, lo + k, whole), self.subtree(lo + k, hi)]
        return [*self._subproof(m - k, lo + k, hi, False), self.subtree(lo, lo + k)]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _checkpoint(c: Checkpoint) -> dict[str, Any]:
    return {
        "id": c.id,
        "size": c.tree_size,
        "note": c.note,
        "public_key": _b64(c.public_key),
        "key_id": key_id(c.public_key),
    }


class PublishedLog:
    """The entries, tree and signed checkpoints the site publishes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Checkpoints as C2SP signed notes, oldest first; those of schema 2 have
        # no note, and generic tools cannot read them.
        self.checkpoints = [c for c in list_checkpoints(store) if c.note is not None]
        self.latest = self.checkpoints[-1] if self.checkpoints else None
        size = self.latest.tree_size if self.latest else 0
        self.entries: list[bytes] = []
        self.positions: list[int] = []
        for row in AuditTables(store).all_events():
            if len(self.entries) == size:
                break
            self.entries.append(
                leaf_bytes(row.position, row.aggregate_id, row.version, row.topic, row.payload)
            )
            self.positions.append(row.position)
        self.tree = Tree([leaf_hash(e) for e in self.entries])

    @property
    def size(self) -> int:
        return len(self.entries)

    def write(self, folder: Path, readable: Path) -> list[Path]:
        """The tiles into ``folder``, and the readable log of the same events
        into ``readable``; nothing without a signed checkpoint."""
        if self.latest is None:
            return []
        written = write_log(folder, self.entries, self.latest.note or "")
        with readable.open("w", encoding="utf-8", newline="\n") as out:
            for number, event in enumerate(exported_events(AuditTables(self.store)), 1):
                if number > self.size:
                    break
                out.write(json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n")
        written.append(readable)
        return written

    def index_of(self, position: int) -> int | None:
        i = bisect.bisect_left(self.positions, position)
        return i if i < len(self.positions) and self.positions[i] == position else None

    def page_proof(self, positions: Iterable[int]) -> dict[str, Any] | None:
        """The proof a page carries for the events at ``positions``: each one's
        entry and inclusion path in the latest checkpoint (or that no checkpoint
        covers it yet), that checkpoint, and the earlier ones with the
        consistency proof from each to the next. None without a checkpoint."""
        if self.latest is None:
            return None
        events: list[dict[str, Any]] = []
        later: list[int] = []
        for position in sorted(set(positions)):
            index = self.index_of(position)
            if index is None:
                later.append(position)
                continue
            events.append(
                {
                    "position": position,
                    "index": index,
                    "entry": _b64(self.entries[index]),
                    "path": [_b64(h) for h in self.tree.inclusion(index)],
                }
            )
        history = []
        for old, new in zip(self.checkpoints, self.checkpoints[1:], strict=False):
            # A log shorter than its checkpoints gives no proof: the reader's check fails.
            provable = old.tree_size <= new.tree_size <= self.size
            proof = self.tree.consistency(old.tree_size, new.tree_size) if provable else []
            history.append(
                {"from": _checkpoint(old), "to": new.id, "proof": [_b64(h) for h in proof]}
            )
        return {
            "checkpoint": _checkpoint(self.latest),
            "events": events,
            "not_covered": later,
            "history": history,
        }
