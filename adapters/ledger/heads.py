"""Tree heads: the signed receipt every commit ends with.

Each transaction that records events (a clerk's command, an import's chunk)
also writes one row of ``registre_tree_heads``, after its ledger leaves and
under the same writers' lock: the tree's new size, its root, the log's
compact range (the roots of its perfect subtrees, one per bit of the size,
see ``merkle.RootAccumulator``) and, when the deployment has a signing key,
the tree head signed as a C2SP checkpoint note. The next commit starts from
that compact range: it hashes its own leaves and about log2(n) nodes, never
the log, so a signed tree head costs microseconds whatever the log's size.

The signed note is printed with the command's output: kept by the clerk, a
founder or anyone, it later proves (``registre audit receipt``) that the log
held that record at that size. The table is append-only, like the ledger;
``verify`` checks every row's root and signature against the log, and names
events after the last tree head, which no commit wrote.

No cryptography is imported here: a deployment without a key signs nothing,
and the key is loaded (and the library imported) on a store's first commit.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from registre.adapters.ledger.leaves import LEDGER_TABLE, stored_bytes
from registre.adapters.ledger.merkle import RootAccumulator

if TYPE_CHECKING:
    from registre.adapters.stores import Store
    from registre.adapters.stores.dialect import Dialect

TREE_HEADS_TABLE = "registre_tree_heads"
# The keyword argument of ``Application.save`` that carries the ``Signing``.
TREE_HEAD = "tree_head"

# Why a deployment that never ran ``registre init`` signs nothing (said, not warned).
NO_KEY = "this deployment has no signing key yet (registre init creates it)"

COLUMNS = "tree_size, root_hash, compact_range, created_at, label, key_id, note"


def create_statement(d: Dialect) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {d.table(TREE_HEADS_TABLE)} ("
        f"tree_size BIGINT PRIMARY KEY, root_hash {d.blob} NOT NULL, "
        f"compact_range {d.blob} NOT NULL, created_at TEXT NOT NULL, label TEXT NOT NULL, "
        "key_id TEXT NOT NULL, note TEXT)"
    )


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: bytes
    created_at: str
    label: str
    key_id: str  # the operator key that signed it; "" when unsigned
    note: str | None  # the C2SP checkpoint, signed; None when no key was at hand
    unsigned: str = ""  # why it is not signed (said to the clerk, not stored)

    def as_dict(self) -> dict[str, Any]:
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "created_at": self.created_at,
            "label": self.label,
            "key_id": self.key_id,
            "note": self.note,
        }

    def lines(self) -> list[str]:
        """What a recording command prints: the receipt to keep."""
        if self.note is None:
            why = self.unsigned or "no signing key was at hand"
            return [
                f"tree head: {self.tree_size} events, root {self.root_hash.hex()}, "
                f"NOT signed: {why}"
            ]
        return [
            f"signed tree head ({self.tree_size} events, key {self.key_id}); "
            "keep it to prove this record later (registre audit receipt FILE):",
            *self.note.rstrip("\n").split("\n"),
        ]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Signing:
    """What a commit signs its tree head with, and the head it made (``made``).

    ``key`` is the deployment's Ed25519 private key, or None when the
    deployment has none yet (its tree heads are then unsigned)."""

    origin: str
    label: str
    key: Any = None
    key_id: str = ""
    unsigned: str = ""  # why there is no key, when there is none
    made: TreeHead | None = None

    @property
    def key_missing(self) -> bool:
        """Whether the deployment has a key that this machine does not hold."""
        return self.key is None and bool(self.unsigned) and self.unsigned != NO_KEY

    def head(self, size: int, root: bytes) -> TreeHead:
        created_at = _now()
        note = None
        if self.key is not None:
            from registre.adapters.ledger import notes

            body = notes.checkpoint_body(self.origin, size, root, created_at, self.label)
            note = notes.Note(body, (notes.sign(body, self.origin, self.key),)).text
        self.made = TreeHead(
            size, root, created_at, self.label, self.key_id, note, "" if note else self.unsigned
        )
        return self.made


def signing(store: Store, label: str) -> Signing:
    """The store's signing for a commit labelled ``label``.

    The key is loaded once per open store. Without the deployment's key at
    hand (a deployment that never ran ``registre init``, a machine without
    the key file), the commit is still recorded, with an unsigned tree head,
    and the command says why: a record is never refused for want of a key,
    and ``verify`` names the unsigned heads, which attest nothing."""
    if store.head_key is None:
        store.head_key = _load_key(store)
    key, key_id, why = store.head_key
    return Signing(store.origin, label, key, key_id, why)


def _load_key(store: Store) -> tuple[Any, str, str]:
    d = store.dialect
    from registre.adapters.stores.schema import KEYS_TABLE

    with store.transaction() as cursor:
        has_keys = d.rows(cursor, f"SELECT 1 AS one FROM {d.table(KEYS_TABLE)} LIMIT 1")
    if not has_keys:
        return None, "", NO_KEY
    from registre.adapters.ledger import keyring
    from registre.adapters.stores.keys import key_dir
    from registre.domain.errors import RuleViolation

    try:
        key = keyring.load_signing_key(store, key_dir())
    except RuleViolation as error:  # NotFound too
        return None, "", str(error)
    return key, keyring.key_id(keyring.public_key_bytes(key)), ""


def last_statement(d: Dialect) -> str:
    """The last tree head's size and compact range (no row: none yet)."""
    return d.sql(
        f"SELECT tree_size, compact_range FROM {d.table(TREE_HEADS_TABLE)} "
        "ORDER BY tree_size DESC LIMIT 1"
    )


def append(
    cursor: Any,
    d: Dialect,
    new_leaves: Sequence[tuple[int, bytes]],
    signing: Signing | None,
    last: list[dict[str, Any]] | None = None,
) -> TreeHead:
    """Extends the last tree head by the leaves just written (in the same
    transaction, under the writers' lock) and writes the new head. ``last``:
    what ``last_statement`` found, if the caller read it under that lock."""
    table = d.table(TREE_HEADS_TABLE)
    if last is None:
        last = d.rows(cursor, last_statement(d))
    if last:
        acc = RootAccumulator.resume(int(last[0]["tree_size"]), bytes(last[0]["compact_range"]))
    else:
        # The first head of a store (or of one recorded before tree heads):
        # the leaves already there, read once.
        acc = RootAccumulator()
        first = min((p for p, _ in new_leaves), default=None)
        condition, params = ("WHERE position < ?", (first,)) if first is not None else ("", ())
        for row in d.rows(
            cursor,
            f"SELECT leaf_hash FROM {d.table(LEDGER_TABLE)} {condition} ORDER BY position",
            params,
        ):
            acc.append(stored_bytes(row["leaf_hash"]))
    acc.extend(leaf for _, leaf in new_leaves)
    signing = signing or Signing("", "")
    made = signing.head(acc.size, acc.root())
    cursor.execute(
        d.sql(f"INSERT INTO {table} ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"),
        (
            made.tree_size,
            made.root_hash,
            acc.compact_range(),
            made.created_at,
            made.label,
            made.key_id,
            made.note,
        ),
    )
    return made


def list_heads(store: Store, since: int = 0) -> list[TreeHead]:
    """The tree heads of more than ``since`` leaves, smallest first."""
    d = store.dialect
    with store.transaction() as cursor:
        rows = d.rows(
            cursor,
            f"SELECT {COLUMNS} FROM {d.table(TREE_HEADS_TABLE)} WHERE tree_size > ? "
            "ORDER BY tree_size",
            (since,),
        )
    return [_head(r) for r in rows]


def latest_head(store: Store) -> tuple[TreeHead, RootAccumulator] | None:
    """The last tree head, with the compact range it was made from."""
    d = store.dialect
    with store.transaction() as cursor:
        rows = d.rows(
            cursor,
            f"SELECT {COLUMNS} FROM {d.table(TREE_HEADS_TABLE)} ORDER BY tree_size DESC LIMIT 1",
        )
    if not rows:
        return None
    return _head(rows[0]), RootAccumulator.resume(
        int(rows[0]["tree_size"]), bytes(rows[0]["compact_range"])
    )


def _head(r: dict[str, Any]) -> TreeHead:
    return TreeHead(
        int(r["tree_size"]),
        stored_bytes(r["root_hash"]),
        str(r["created_at"]),
        str(r["label"]),
        str(r["key_id"]),
        None if r["note"] is None else str(r["note"]),
    )


def root_b64(root: bytes) -> str:
    return base64.b64encode(root).decode("ascii")
