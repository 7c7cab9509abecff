"""A tampering campaign: many random changes to copies of one store, each made as
someone with direct database access would (past the append-only triggers, as
``tests/tamper_support.py`` does: a PostgreSQL superuser in replica mode, or
whoever can write the SQLite file), each followed by ``audit verify`` with the
deployment's published key; and copies nobody altered (untouched, moved to
another folder or database, restored from a backup or a dump), which must
verify.

Every kind of tampering (``TAMPERINGS``) says what it changes and which finding
names it (``Tampering.kind``). A trial is:

- detected: ``verify`` reports at least one finding;
- named: a finding of the expected kind, at the expected positions (or
  checkpoint), and no finding of another kind but the consequences the kind
  allows (``Tampering.also``: the history diverging from a checkpoint);
- missed: no finding at all.

Beside it, the offline verifier checks the store's full export against the
published checkpoint and key (detected or not: it says what it found in
words, not kinds).

The base store (``record_base``) is a recorded programme with two signed
checkpoints, then a few more commands that no checkpoint covers. The
``recent`` group changes those last events: it is judged like the others and
reported apart, so that the same campaign measures what signing a tree head
with every command changes.

Each trial works on a fresh copy: a SQLite file copied; on PostgreSQL, the
one copy put back as it was after each trial (``postgres_reset``), every
trial first checking that it verifies untouched.

    python bench/tampering.py --store both --sqlite 1000 --postgres 200

It prints a table per store and, unless ``--output -``, prepends them to
docs/tampering.md. ``tests/test_tamper_campaign.py`` runs a small seeded
sample of the same campaign and asserts that every trial is named.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = Path(__file__).resolve().parents[1]
# The attacker of the tamper tests: one way to get past the triggers, on both stores.
sys.path.insert(0, str(ROOT / "tests"))

from tamper_support import Attacker, attacker, store_tables  # noqa: E402

from registre.adapters.application import Registre  # noqa: E402
from registre.adapters.application import commands as c  # noqa: E402
from registre.adapters.ledger import checkpoints as cp  # noqa: E402
from registre.adapters.ledger import notes, witness  # noqa: E402
from registre.adapters.ledger.heads import TREE_HEADS_TABLE  # noqa: E402
from registre.adapters.ledger.keyring import key_id, public_key_bytes  # noqa: E402
from registre.adapters.ledger.leaves import event_leaf_hash  # noqa: E402
from registre.adapters.ledger.merkle import RootAccumulator  # noqa: E402
from registre.adapters.ledger.offline_verify import verify_export  # noqa: E402
from registre.adapters.ledger.tables import AuditTables, exported_events  # noqa: E402
from registre.adapters.ledger.verify import Report, verify  # noqa: E402
from registre.adapters.stores.config import parse_url  # noqa: E402
from registre.adapters.stores.schema import COSIGNATURES_TABLE, KEYS_TABLE  # noqa: E402

CTX = c.Context(actor="greffe")
PROGRAMME = "campagne"
KEY_SOURCE = "the deployment's published key"

# -- the base store ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """What the campaign knows of the base store, as its publisher would."""

    public_key: bytes  # the deployment's published key
    size: int  # events recorded
    covered: int  # events the last explicit checkpoint covers
    checkpoints: int  # explicit checkpoints (ids 1..checkpoints)
    published: str  # the last one, as ``audit checkpoint --export`` writes it

    @property
    def recent(self) -> range:
        """Positions recorded after the last explicit checkpoint."""
        return range(self.covered + 1, self.size + 1)


def record_base(url: str, keys: Path, demo: bool = True, recent: int = 6) -> Base:
    """A recorded programme with two signed checkpoints, then ``recent`` commands
    after the last one. ``demo``: the demonstration programme (about 500 events
    of every kind, its plan's publication signing the first checkpoint); else a
    small programme of a few dozen events, for the test suite."""
    with Registre.open(parse_url(url)) as service:
        cp.ensure_key(service.store, keys)
        if demo:
            from registre.adapters.demo import record_fabrik_medvallee

            record_fabrik_medvallee(service)
            programme = "fabrik-medvallee"
        else:
            programme = _small_programme(service)
        if not cp.list_checkpoints(service.store):
            cp.create_checkpoint(service.store, "premier", keys)
        # A founder witnesses the log: its key registered, and a cosignature of
        # the tree head the last checkpoint signs.
        founder = sorted(witness.registered(service.store, programme).founders)[0]
        witness_key = keys / f"temoin-{founder}-{uuid.uuid4().hex[:12]}.pem"
        public_witness = witness.new_key(witness_key)
        service.handle(
            c.RegisterWitness(
                programme=programme,
                founder=founder,
                name=f"temoin/{founder}",
                public_key=base64.b64encode(public_witness).decode("ascii"),
            ),
            CTX,
        )
        for i in range(4):
            service.handle(c.AddAxis(programme=programme, key=f"axe-{i}", title=f"Axe {i}"), CTX)
        last = cp.create_checkpoint(service.store, "dernier", keys)
        witness.cosign(service.store, programme, founder, witness_key)
        for i in range(recent):
            service.handle(
                c.AddAxis(programme=programme, key=f"apres-{i}", title=f"Après {i}"), CTX
            )
        public = public_key_bytes(cp.load_private_key(service.store, keys))
        return Base(
            public,
            service.store.head(),
            last.tree_size,
            len(cp.list_checkpoints(service.store)),
            json.dumps(last.as_dict()),
        )


def _small_programme(service: Registre) -> str:
    from registre.domain import DecisionRule

    service.handle(
        c.OpenProgramme(
            programme=PROGRAMME,
            title="Campagne",
            organiser="Métropole",
            founders={"m": "Métropole", "e": "État"},
            rule=DecisionRule.ANY,
        ),
        CTX,
    )
    for i in range(12):
        service.handle(c.AddAxis(programme=PROGRAMME, key=f"base-{i}", title=f"Base {i}"), CTX)
    return PROGRAMME


# -- what verification should say ---------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    """The finding that names a change: its kind, and where."""

    kind: str
    positions: tuple[int, ...] = ()  # events; for "diverges", a position in its range
    checkpoint: int | None = None


@dataclass
class Scene:
    """What a change acts on: the attacker's cursor on one copy, the base, the dice."""

    a: Attacker
    base: Base
    rng: random.Random
    origin: str  # the deployment's origin line, as its checkpoints name it

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        cursor = self.a.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []

    @property
    def postgres(self) -> bool:
        return self.a.tables.kind == "postgres"

    def covered(self, low: int = 1) -> int:
        """A position an explicit checkpoint covers."""
        return self.rng.randint(low, self.base.covered)

    def recent(self) -> int:
        return self.rng.choice(self.base.recent)

    def event(self, p: int) -> tuple[str, int, str, bytes]:
        aggregate, version, topic, state = self.rows(
            "SELECT originator_id, originator_version, topic, state FROM {events} WHERE {key} = ?",
            (p,),
        )[0]
        return str(aggregate), int(version), str(topic), bytes(state)

    def set_state(self, p: int, state: bytes) -> None:
        self.rows("UPDATE {events} SET state = ? WHERE {key} = ?", (state, p))

    def set_leaf(self, p: int, leaf: bytes) -> None:
        self.rows("UPDATE {ledger} SET leaf_hash = ? WHERE position = ?", (leaf, p))

    def aggregate(self, value: uuid.UUID) -> Any:
        return value if self.postgres else value.hex

    @property
    def keys(self) -> str:
        """The deployment's keys table."""
        return _beside(self.a.tables.checkpoints, KEYS_TABLE)

    @property
    def tree_heads(self) -> str:
        """The tree heads the commits signed."""
        return _beside(self.a.tables.checkpoints, TREE_HEADS_TABLE)

    @property
    def cosignatures(self) -> str:
        """The founders' cosignatures of tree heads."""
        return _beside(self.a.tables.checkpoints, COSIGNATURES_TABLE)


def _flip(data: bytes, rng: random.Random) -> bytes:
    changed = bytearray(data)
    i = rng.randrange(len(changed))
    changed[i] = (changed[i] + rng.randrange(1, 256)) % 256
    return bytes(changed)


def _rewritten(state: bytes, rng: random.Random) -> bytes:
    """The payload with one byte changed to another printable one: valid bytes a
    careful forger would write."""
    i = rng.randrange(len(state))
    new = rng.choice([b for b in range(0x30, 0x7B) if b != state[i]])
    return state[:i] + bytes([new]) + state[i + 1 :]


# -- the changes, one function each --------------------------------------------------------------


def payload_byte(s: Scene, p: int | None = None) -> Expected:
    p = p or s.covered()
    s.set_state(p, _flip(s.event(p)[3], s.rng))
    return Expected("altered", (p,))


def topic(s: Scene, p: int | None = None) -> Expected:
    p = p or s.covered()
    current = s.event(p)[2]
    others = [t for (t,) in s.rows("SELECT DISTINCT topic FROM {events}") if t != current]
    if others and s.rng.random() < 0.5:
        changed = s.rng.choice(others)
    else:
        changed = _flip(current.encode(), s.rng).decode("utf-8", "replace")
    s.rows("UPDATE {events} SET topic = ? WHERE {key} = ?", (changed, p))
    return Expected("altered", (p,))


def version(s: Scene) -> Expected:
    p = s.covered()
    s.rows(
        "UPDATE {events} SET originator_version = originator_version + ? WHERE {key} = ?",
        (s.rng.randint(1000, 10**6), p),
    )
    return Expected("altered", (p,))


def aggregate_id(s: Scene) -> Expected:
    p = s.covered()
    s.rows("UPDATE {events} SET originator_id = ? WHERE {key} = ?", (s.aggregate(uuid.uuid4()), p))
    return Expected("altered", (p,))


def event_deleted(s: Scene, p: int | None = None) -> Expected:
    p = p or s.covered()
    s.rows("DELETE FROM {events} WHERE {key} = ?", (p,))
    return Expected("missing-event", (p,))


def event_and_leaf_deleted(s: Scene) -> Expected:
    p = s.covered()
    s.rows("DELETE FROM {events} WHERE {key} = ?", (p,))
    s.rows("DELETE FROM {ledger} WHERE position = ?", (p,))
    return Expected("missing-event", (p,))


def leaf_deleted(s: Scene, p: int | None = None) -> Expected:
    p = p or s.covered()
    s.rows("DELETE FROM {ledger} WHERE position = ?", (p,))
    return Expected(MISSING_LEAF, (p,))


def event_inserted(s: Scene) -> Expected:
    """A forged event after the last one, copied from a real one, without a leaf."""
    (head,) = s.rows("SELECT MAX({key}) FROM {events}")[0]
    _, _, kind, state = s.event(s.covered())
    s.rows(
        "INSERT INTO {events} ({key}, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, 1, ?, ?)",
        (head + 1, s.aggregate(uuid.uuid4()), kind, state),
    )
    return Expected("inserted", (head + 1,))


def rows_swapped(s: Scene) -> Expected:
    a, b = sorted(s.rng.sample(range(1, s.base.covered + 1), 2))
    row_a, row_b = s.event(a), s.event(b)
    setter = "originator_id = ?, originator_version = ?, topic = ?, state = ?"
    ids = {a: row_a[0], b: row_b[0]}
    # Out of the way first: (originator_id, originator_version) is unique.
    s.rows("UPDATE {events} SET originator_version = -1 WHERE {key} = ?", (a,))
    s.rows(f"UPDATE {{events}} SET {setter} WHERE {{key}} = ?", (ids[a], *row_a[1:], b))
    s.rows(f"UPDATE {{events}} SET {setter} WHERE {{key}} = ?", (ids[b], *row_b[1:], a))
    return Expected("swapped", (a, b))


def truncated(s: Scene) -> Expected:
    """The last events and their leaves gone, into what a checkpoint covers."""
    keep = s.base.covered - s.rng.randint(1, min(20, s.base.covered - 1))
    s.rows("DELETE FROM {events} WHERE {key} > ?", (keep,))
    s.rows("DELETE FROM {ledger} WHERE position > ?", (keep,))
    return Expected("truncated")


def leaf_altered(s: Scene, p: int | None = None) -> Expected:
    p = p or s.covered()
    (leaf,) = s.rows("SELECT leaf_hash FROM {ledger} WHERE position = ?", (p,))[0]
    changed = _flip(bytes(leaf), s.rng) if s.rng.random() < 0.5 else s.rng.randbytes(32)
    s.set_leaf(p, changed)
    return Expected("altered-leaf", (p,))


def event_and_leaf_rewritten(s: Scene, p: int | None = None) -> Expected:
    """The careful forger: the payload changed and its leaf recomputed to match."""
    p = p or s.covered()
    aggregate, version, kind, state = s.event(p)
    state = _rewritten(state, s.rng)
    s.set_state(p, state)
    s.set_leaf(p, event_leaf_hash(p, aggregate, version, kind, state))
    return Expected("diverges", (p,))


def checkpoint_field(s: Scene) -> Expected:
    ident = s.rng.randint(1, s.base.checkpoints)
    edit = s.rng.choice(
        ["label = 'autre'", "created_at = '2020-01-01T00:00:00+00:00'", "tree_size = tree_size - 1"]
    )
    s.rows(f"UPDATE {{checkpoints}} SET {edit} WHERE id = ?", (ident,))
    return Expected("altered-checkpoint", checkpoint=ident)


def _note_edited(note: str, line: int, value: str) -> str:
    lines = note.split("\n")
    lines[line] = value
    return "\n".join(lines)


def checkpoint_root(s: Scene) -> Expected:
    """Another root, in the row and in its note, keeping the signature."""
    ident = s.rng.randint(1, s.base.checkpoints)
    (root, note) = s.rows("SELECT root_hash, note FROM {checkpoints} WHERE id = ?", (ident,))[0]
    forged = _flip(bytes(root), s.rng)
    s.rows(
        "UPDATE {checkpoints} SET root_hash = ?, note = ? WHERE id = ?",
        (forged, _note_edited(note, 2, base64.b64encode(forged).decode()), ident),
    )
    return Expected("altered-checkpoint", checkpoint=ident)


def checkpoint_size(s: Scene) -> Expected:
    """Another size, in the row and in its note, keeping the signature."""
    ident = s.rng.randint(1, s.base.checkpoints)
    (size, note) = s.rows("SELECT tree_size, note FROM {checkpoints} WHERE id = ?", (ident,))[0]
    forged = int(size) + s.rng.choice([-3, -2, -1, 1, 2, 3])
    s.rows(
        "UPDATE {checkpoints} SET tree_size = ?, note = ? WHERE id = ?",
        (forged, _note_edited(note, 1, str(forged)), ident),
    )
    return Expected("altered-checkpoint", checkpoint=ident)


def _signed_row(
    s: Scene, key: Ed25519PrivateKey, size: int, root: bytes, label: str
) -> tuple[Any, ...]:
    created = datetime.now(UTC).isoformat(timespec="seconds")
    body = notes.checkpoint_body(s.origin, size, root, created, label)
    signed = notes.sign(body, s.origin, key)
    public = public_key_bytes(key)
    deployment = s.origin.removeprefix("registre/")
    note = notes.Note(body, (signed,)).text
    return (size, root, created, label, deployment, key_id(public), public, signed.signature, note)


CHECKPOINT_COLUMNS = (
    "tree_size, root_hash, created_at, label, deployment, key_id, public_key, signature, note"
)


def _leaves(s: Scene) -> list[bytes]:
    return [bytes(leaf) for (leaf,) in s.rows("SELECT leaf_hash FROM {ledger} ORDER BY position")]


def checkpoint_forged(s: Scene) -> Expected:
    """A new checkpoint, well formed, of the log as it stands, signed with a key
    that is not the deployment's."""
    leaves = _leaves(s)
    acc = RootAccumulator()
    acc.extend(leaves)
    row = _signed_row(s, Ed25519PrivateKey.generate(), acc.size, acc.root(), "forgée")
    (ident,) = s.rows(
        f"INSERT INTO {{checkpoints}} ({CHECKPOINT_COLUMNS}) "
        f"VALUES ({', '.join('?' * len(row))}) RETURNING id",
        row,
    )[0]
    return Expected("unknown-key", checkpoint=int(ident))


def cosignature_forged(s: Scene) -> Expected:
    """A founder's cosignature with one byte of its signature changed: the
    founder seems to have witnessed a tree head it did not sign."""
    (ident, line) = s.rows(f"SELECT id, cosignature FROM {s.cosignatures} ORDER BY id LIMIT 1")[0]
    head, _, b64 = str(line).rstrip("\n").rpartition(" ")
    raw = bytearray(base64.b64decode(b64))
    i = s.rng.randrange(12, len(raw))  # in the signature, past key id and timestamp
    raw[i] ^= 1 << s.rng.randrange(8)
    forged = f"{head} {base64.b64encode(bytes(raw)).decode('ascii')}\n"
    s.rows(f"UPDATE {s.cosignatures} SET cosignature = ? WHERE id = ?", (forged, ident))
    return Expected("cosignature")


def cosignature_by_another(s: Scene) -> Expected:
    """A cosignature line made with a key that is not the founder's, under its name."""
    (ident, line, checkpoint) = s.rows(
        f"SELECT id, cosignature, checkpoint FROM {s.cosignatures} ORDER BY id LIMIT 1"
    )[0]
    name = str(line).split(" ")[1]
    body = notes.parse(str(checkpoint)).body
    forged = witness.cosignature_line(name, Ed25519PrivateKey.generate(), body, 1_700_000_000)
    s.rows(f"UPDATE {s.cosignatures} SET cosignature = ? WHERE id = ?", (forged, ident))
    return Expected("cosignature")


def checkpoint_resigned(s: Scene) -> Expected:
    """An existing checkpoint signed again, as it is, with another key."""
    ident = s.rng.randint(1, s.base.checkpoints)
    (size, root, label) = s.rows(
        "SELECT tree_size, root_hash, label FROM {checkpoints} WHERE id = ?", (ident,)
    )[0]
    row = _signed_row(s, Ed25519PrivateKey.generate(), int(size), bytes(root), str(label))
    sets = ", ".join(f"{name} = ?" for name in CHECKPOINT_COLUMNS.split(", "))
    s.rows(f"UPDATE {{checkpoints}} SET {sets} WHERE id = ?", (*row, ident))
    return Expected("unknown-key", checkpoint=ident)


def _restored_under(s: Scene, key: Ed25519PrivateKey) -> None:
    """The deployment's keys replaced by ``key``, and every checkpoint and
    every commit's tree head signed again with it for the ledger as it now
    stands."""
    public = public_key_bytes(key)
    s.rows(f"DELETE FROM {s.keys}")
    s.rows(
        f"INSERT INTO {s.keys} (role, name, key_id, public_key, added_at, endorsed_by, "
        "endorsement) "
        "VALUES ('operator', ?, ?, ?, ?, '', ?)",
        (s.origin, key_id(public), public, datetime.now(UTC).isoformat(timespec="seconds"), b""),
    )
    leaves = _leaves(s)
    sets = ", ".join(f"{name} = ?" for name in CHECKPOINT_COLUMNS.split(", "))
    for ident, size, label in s.rows("SELECT id, tree_size, label FROM {checkpoints}"):
        acc = RootAccumulator()
        acc.extend(leaves[: int(size)])
        row = _signed_row(s, key, int(size), acc.root(), str(label))
        s.rows(f"UPDATE {{checkpoints}} SET {sets} WHERE id = ?", (*row, ident))
    acc = RootAccumulator()
    heads = s.rows(f"SELECT tree_size, label FROM {s.tree_heads} ORDER BY tree_size")
    for size, label in heads:
        acc.extend(leaves[acc.size : int(size)])
        (_, root, created, _, _, kid, _, _, note) = _signed_row(
            s, key, int(size), acc.root(), str(label)
        )
        s.rows(
            f"UPDATE {s.tree_heads} SET root_hash = ?, compact_range = ?, created_at = ?, "
            "key_id = ?, note = ? WHERE tree_size = ?",
            (root, acc.compact_range(), created, kid, note, size),
        )


def restored_under_another_key(s: Scene) -> Expected:
    """The store as it was, but its keys and checkpoints those of another key
    (a store restored from a copy whose keys were replaced)."""
    _restored_under(s, Ed25519PrivateKey.generate())
    return Expected("key")


def rewritten_under_another_key(s: Scene) -> Expected:
    """An event rewritten with its leaf, then every checkpoint signed again under
    a new key the store now pins: only the published key tells."""
    event_and_leaf_rewritten(s)
    _restored_under(s, Ed25519PrivateKey.generate())
    return Expected("key")


def key_added(s: Scene) -> Expected:
    """A key added to the deployment's keys without a valid endorsement."""
    public = public_key_bytes(Ed25519PrivateKey.generate())
    (anchor,) = s.rows(f"SELECT key_id FROM {s.keys} ORDER BY id LIMIT 1")[0]
    s.rows(
        f"INSERT INTO {s.keys} (role, name, key_id, public_key, added_at, endorsed_by, "
        "endorsement) "
        "VALUES ('operator', ?, ?, ?, ?, ?, ?)",
        (
            s.origin,
            key_id(public),
            public,
            datetime.now(UTC).isoformat(timespec="seconds"),
            anchor,
            s.rng.randbytes(64),
        ),
    )
    return Expected("key")


# -- the same, on the events recorded after the last checkpoint ----------------------------------


def recent_payload_byte(s: Scene) -> Expected:
    return payload_byte(s, s.recent())


def recent_topic(s: Scene) -> Expected:
    return topic(s, s.recent())


def recent_event_deleted(s: Scene) -> Expected:
    return event_deleted(s, s.recent())


def recent_leaf_altered(s: Scene) -> Expected:
    return leaf_altered(s, s.recent())


def recent_leaf_deleted(s: Scene) -> Expected:
    p = s.recent()
    s.rows("DELETE FROM {ledger} WHERE position = ?", (p,))
    return Expected(MISSING_LEAF, (p,))


def recent_event_and_leaf_rewritten(s: Scene) -> Expected:
    return event_and_leaf_rewritten(s, s.recent())


def recent_forged_with_leaf(s: Scene) -> Expected:
    """A forged event appended with its leaf computed as the recorder would."""
    (head,) = s.rows("SELECT MAX({key}) FROM {events}")[0]
    _, _, kind, state = s.event(s.covered())
    aggregate = uuid.uuid4()
    s.rows(
        "INSERT INTO {events} ({key}, originator_id, originator_version, topic, state) "
        "VALUES (?, ?, 1, ?, ?)",
        (head + 1, s.aggregate(aggregate), kind, state),
    )
    leaf = event_leaf_hash(head + 1, str(aggregate), 1, kind, state)
    s.rows("INSERT INTO {ledger} (position, leaf_hash) VALUES (?, ?)", (head + 1, leaf))
    return Expected("inserted", (head + 1,))


def recent_truncated(s: Scene) -> Expected:
    """The last events and their leaves gone, no further than the last checkpoint."""
    keep = s.rng.randint(s.base.covered, s.base.size - 1)
    s.rows("DELETE FROM {events} WHERE {key} > ?", (keep,))
    s.rows("DELETE FROM {ledger} WHERE position > ?", (keep,))
    return Expected("truncated")


# -- the kinds of tampering ------------------------------------------------------------------------

# The kind of finding for a ledger leaf removed from under its event.
MISSING_LEAF = "missing-leaf"


@dataclass(frozen=True)
class Tampering:
    name: str
    group: str  # a key of GROUPS
    kind: str  # the finding that names it
    act: Callable[[Scene], Expected]
    what: str
    # Findings that may come with it: a change inside a checkpoint makes the
    # history diverge from it; a change to the event that registers the
    # founder's witness key leaves its cosignature by a witness the log does
    # not record.
    also: frozenset[str] = frozenset({"diverges", "cosignature"})


GROUPS = {
    "record": "events and ledger leaves inside the last signed checkpoint",
    "checkpoints": "signed checkpoints",
    "keys": "the deployment's keys",
    "recent": "events recorded after the last signed checkpoint",
}

T = Tampering
TAMPERINGS: tuple[Tampering, ...] = (
    T("payload byte", "record", "altered", payload_byte, "one byte of a payload changed"),
    T("topic", "record", "altered", topic, "a topic changed (to another, or one byte)"),
    T("version", "record", "altered", version, "an event's version changed"),
    T("aggregate id", "record", "altered", aggregate_id, "an event moved to another aggregate"),
    T("event deleted", "record", "missing-event", event_deleted, "an event deleted, its leaf kept"),
    T(
        "event and leaf deleted",
        "record",
        "missing-event",
        event_and_leaf_deleted,
        "an event and its leaf deleted",
    ),
    T("leaf deleted", "record", MISSING_LEAF, leaf_deleted, "a leaf deleted, its event kept"),
    T("event inserted", "record", "inserted", event_inserted, "a forged event, no leaf"),
    T("rows swapped", "record", "swapped", rows_swapped, "two events' rows swapped"),
    T("truncated", "record", "truncated", truncated, "the last 1-20 events and leaves deleted"),
    T("leaf altered", "record", "altered-leaf", leaf_altered, "a ledger leaf changed"),
    T(
        "event and leaf rewritten",
        "record",
        "diverges",
        event_and_leaf_rewritten,
        "a payload changed, its leaf recomputed",
    ),
    T(
        "checkpoint field",
        "checkpoints",
        "altered-checkpoint",
        checkpoint_field,
        "label, time or size",
    ),
    T(
        "checkpoint root",
        "checkpoints",
        "altered-checkpoint",
        checkpoint_root,
        "root (row and note)",
    ),
    T(
        "checkpoint size",
        "checkpoints",
        "altered-checkpoint",
        checkpoint_size,
        "size (row and note)",
    ),
    T(
        "cosignature forged",
        "checkpoints",
        "cosignature",
        cosignature_forged,
        "one bit of a founder's cosignature",
    ),
    T(
        "cosignature by another key",
        "checkpoints",
        "cosignature",
        cosignature_by_another,
        "a founder's cosignature made with another key",
    ),
    T(
        "checkpoint forged",
        "checkpoints",
        "unknown-key",
        checkpoint_forged,
        "a new one signed by another key",
    ),
    T(
        "checkpoint re-signed",
        "checkpoints",
        "unknown-key",
        checkpoint_resigned,
        "one signed again by another key",
    ),
    T(
        "restored under another key",
        "keys",
        "key",
        restored_under_another_key,
        "keys replaced, checkpoints re-signed",
    ),
    T(
        "rewritten under another key",
        "keys",
        "key",
        rewritten_under_another_key,
        "an event and leaf rewritten, keys replaced, checkpoints re-signed",
    ),
    T("key added", "keys", "key", key_added, "a signing key added, endorsement forged"),
    T("recent payload byte", "recent", "altered", recent_payload_byte, "one byte of a payload"),
    T("recent topic", "recent", "altered", recent_topic, "a topic changed"),
    T(
        "recent event deleted",
        "recent",
        "missing-event",
        recent_event_deleted,
        "an event, leaf kept",
    ),
    T(
        "recent leaf altered",
        "recent",
        "altered-leaf",
        recent_leaf_altered,
        "a ledger leaf changed",
    ),
    T("recent leaf deleted", "recent", MISSING_LEAF, recent_leaf_deleted, "a leaf, event kept"),
    T(
        "recent event and leaf rewritten",
        "recent",
        "diverges",
        recent_event_and_leaf_rewritten,
        "a payload changed, its leaf recomputed",
    ),
    T(
        "recent forged with leaf",
        "recent",
        "inserted",
        recent_forged_with_leaf,
        "a forged event appended with its leaf",
    ),
    T("recent truncated", "recent", "truncated", recent_truncated, "the last events and leaves"),
)


def tamperings(groups: Sequence[str]) -> list[Tampering]:
    return [t for t in TAMPERINGS if t.group in groups]


# -- one trial -----------------------------------------------------------------------------------


def tamper(service: Registre, tampering: Tampering, base: Base, rng: random.Random) -> Expected:
    with attacker(service) as a:
        expected = tampering.act(Scene(a, base, rng, service.store.origin))
    assert expected.kind == tampering.kind, (tampering.name, expected)
    return expected


def audit(service: Registre, public_key: bytes) -> Report:
    """``audit verify`` with the deployment's published key (``--public-key``)."""
    return verify(service.store, public_key, KEY_SOURCE)


def offline(service: Registre, base: Base) -> bool:
    """Whether the offline verifier, given the full export of the store and the
    published checkpoint and key, finds anything."""
    lines = (json.dumps(e) for e in exported_events(AuditTables(service.store)))
    return not verify_export(lines, json.loads(base.published), base.public_key).ok


def judge(report: Report, expected: Expected, tampering: Tampering) -> str:
    """``named``, ``misnamed`` (detected, not as what it is) or ``missed``."""
    if report.ok:
        return "missed"
    allowed = {expected.kind} | tampering.also
    if any(f.kind not in allowed for f in report.findings):
        return "misnamed"
    for f in report.findings:
        if f.kind != expected.kind:
            continue
        if expected.checkpoint is not None and f.checkpoint != expected.checkpoint:
            continue
        if expected.kind == "diverges":
            start, end = f.positions
            if start <= expected.positions[0] <= end:
                return "named"
        elif not expected.positions or tuple(f.positions) == expected.positions:
            return "named"
    return "misnamed"


@dataclass
class Count:
    tried: int = 0
    detected: int = 0
    named: int = 0
    missed: int = 0
    offline: int = 0  # detected by the offline verifier
    said: list[str] = field(default_factory=list)  # what verification said instead, a few


@dataclass
class Campaign:
    store: str
    counts: dict[str, Count] = field(default_factory=dict)
    clean: dict[str, list[int]] = field(default_factory=dict)  # copies, false alarms
    alarms: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, tampering: Tampering, outcome: str, report: Report, offline: bool) -> None:
        count = self.counts.setdefault(tampering.name, Count())
        count.tried += 1
        count.offline += offline
        count.detected += outcome != "missed"
        count.named += outcome == "named"
        count.missed += outcome == "missed"
        if outcome != "named" and len(count.said) < 3:
            findings = "; ".join(f"{f.kind}: {f.message}" for f in report.findings)
            count.said.append(findings or "verified")

    def clean_copy(self, how: str, alarm: str | None) -> None:
        tally = self.clean.setdefault(how, [0, 0])
        tally[0] += 1
        if alarm:
            tally[1] += 1
            self.alarms.append(f"{how}: {alarm}")

    def failures(self, groups: Sequence[str]) -> list[str]:
        """Trials of these groups not named, and every false alarm, a line each."""
        lines = [
            f"{name}: {c.tried - c.named} of {c.tried} not named: {c.said}"
            for name, c in self.counts.items()
            if c.named < c.tried and GROUP_OF[name] in groups
        ]
        return lines + self.alarms


GROUP_OF = {t.name: t.group for t in TAMPERINGS}


def run_trials(
    campaign: Campaign,
    base: Base,
    copy: Callable[[], AbstractContextManager[str]],
    trials: int,
    rng: random.Random,
    kinds: Sequence[Tampering] = TAMPERINGS,
    advance: Callable[[int], None] | None = None,
) -> None:
    """``trials`` tamperings, the kinds taken in turn, each on a fresh copy
    (``copy``) first checked untouched."""
    for trial in range(trials):
        tampering = kinds[trial % len(kinds)]
        with copy() as url, Registre.open(parse_url(url)) as service:
            before = _alarm(audit(service, base.public_key))
            if before is None and offline(service, base):
                before = "the offline verifier finds the export does not match"
            campaign.clean_copy("untouched copy", before)
            expected = tamper(service, tampering, base, rng)
            report = audit(service, base.public_key)
            outside = offline(service, base)
        campaign.add(tampering, judge(report, expected, tampering), report, outside)
        if advance is not None:
            advance(trial + 1)


def _alarm(report: Report) -> str | None:
    return None if report.ok else "; ".join(f.message for f in report.findings)


# -- copies of a store ---------------------------------------------------------------------------


@contextmanager
def sqlite_copy(source: str, folder: Path) -> Iterator[str]:
    """The SQLite file (and its journal, if any) copied into a new folder."""
    target = Path(tempfile.mkdtemp(dir=folder)) / "copie.db"
    for suffix in ("", "-wal", "-shm"):
        if Path(source + suffix).exists():
            shutil.copyfile(source + suffix, str(target) + suffix)
    try:
        yield str(target)
    finally:
        shutil.rmtree(target.parent, ignore_errors=True)


@contextmanager
def sqlite_backup(source: str, folder: Path) -> Iterator[str]:
    """The store restored in another folder from an online backup (SQLite's
    backup API, as ``sqlite3 registre.db .backup`` makes one)."""
    target = Path(tempfile.mkdtemp(dir=folder)) / "restauree.db"
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    try:
        yield str(target)
    finally:
        shutil.rmtree(target.parent, ignore_errors=True)


def _database(url: str) -> tuple[str, str]:
    """The server URL (without a database) and the database of a store's URL."""
    server, database = url.split("?", 1)[0].rsplit("/", 1)
    return server, database


@contextmanager
def postgres_copy(source: str, admin: Any) -> Iterator[str]:
    """A new database made with the store's as its template."""
    _, database = _database(source)
    name = f"registre_tamper_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{database}"')
    try:
        yield source.replace(f"/{database}?", f"/{name}?")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_reset(source: str) -> Iterator[Callable[[], AbstractContextManager[str]]]:
    """Copies of a PostgreSQL store made by putting it back as it was: its
    record's tables are kept aside once; after each trial, their rows are put
    back by the superuser, past the triggers. Much cheaper than a database per
    trial; each trial first checks that the store verifies, so a put-back that
    left a trace would show as a false alarm."""
    import psycopg

    with Registre.open(parse_url(source)) as service:
        names = store_tables(service)
    tables = [
        names.events,
        names.ledger,
        names.checkpoints,
        _beside(names.checkpoints, KEYS_TABLE),
        _beside(names.checkpoints, TREE_HEADS_TABLE),
        _beside(names.checkpoints, COSIGNATURES_TABLE),
    ]
    aside = {t: f"{t}_aside" for t in tables}
    env = parse_url(source).env
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
        autocommit=True,
    ) as conn:
        conn.execute("SET session_replication_role = replica")
        for table, kept in aside.items():
            conn.execute(f"CREATE TABLE {kept} AS SELECT * FROM {table}")

        @contextmanager
        def copy() -> Iterator[str]:
            try:
                yield source
            finally:
                with conn.transaction():
                    for table, kept in aside.items():
                        conn.execute(f"DELETE FROM {table}")
                        conn.execute(f"INSERT INTO {table} SELECT * FROM {kept}")

        try:
            yield copy
        finally:
            for kept in aside.values():
                conn.execute(f"DROP TABLE {kept}")


def _beside(table: str, name: str) -> str:
    """``name`` in the schema of ``table``."""
    schema, dot, _ = table.rpartition(".")
    return f"{schema}{dot}{name}"


def pg_tool(name: str) -> str:
    """A PostgreSQL client program: on the PATH, else the newest Debian installed."""
    found = shutil.which(name)
    if found:
        return found
    installed = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3])
    )
    if not installed:
        raise FileNotFoundError(f"{name} is not installed")
    return str(installed[-1])


@contextmanager
def postgres_restore(source: str, admin: Any, folder: Path) -> Iterator[str]:
    """The store dumped (``pg_dump -Fc``) and restored (``pg_restore``) into a new
    database."""
    server, database = _database(source)
    dump = Path(tempfile.mkdtemp(dir=folder)) / "registre.dump"
    name = f"registre_restored_{uuid.uuid4().hex[:10]}"
    try:
        subprocess.run(
            [pg_tool("pg_dump"), "-Fc", "-f", str(dump), f"{server}/{database}"],
            check=True,
            capture_output=True,
        )
        admin.execute(f'CREATE DATABASE "{name}"')
        subprocess.run(
            [pg_tool("pg_restore"), "--exit-on-error", "-d", f"{server}/{name}", str(dump)],
            check=True,
            capture_output=True,
        )
        yield source.replace(f"/{database}?", f"/{name}?")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(dump.parent, ignore_errors=True)


def check_clean(
    campaign: Campaign, how: str, copy: Callable[[], AbstractContextManager[str]], base: Base
) -> None:
    """A copy nobody altered: ``verify`` with the published key, the offline
    verifier on its export, and ``registre audit verify`` as the operator runs
    it (its key from the key directory) must all find nothing."""
    from click.testing import CliRunner

    from registre.cli.main import main

    with copy() as url:
        with Registre.open(parse_url(url)) as service:
            alarm = _alarm(audit(service, base.public_key))
            if alarm is None and offline(service, base):
                alarm = "the offline verifier finds the export does not match"
        if alarm is None:
            result = CliRunner().invoke(main, ["--database", url, "audit", "verify"])
            if result.exit_code != 0:
                alarm = f"audit verify exited {result.exit_code}: {result.output.strip()}"
    campaign.clean_copy(how, alarm)


# -- the benchmark --------------------------------------------------------------------------------


@contextmanager
def key_folder() -> Iterator[Path]:
    """A key directory of the campaign's own, for everything it runs."""
    with tempfile.TemporaryDirectory(prefix="registre-tamper-keys-") as folder:
        before = os.environ.get(cp.KEY_DIR_ENV)
        os.environ[cp.KEY_DIR_ENV] = folder
        try:
            yield Path(folder)
        finally:
            if before is None:
                os.environ.pop(cp.KEY_DIR_ENV, None)
            else:
                os.environ[cp.KEY_DIR_ENV] = before


def on_sqlite(trials: int, clean: int, seed: str, advance: Callable[[int], None]) -> Campaign:
    campaign = Campaign("SQLite")
    started = time.perf_counter()
    with key_folder() as keys, tempfile.TemporaryDirectory(prefix="registre-tamper-") as work:
        folder = Path(work)
        (folder / "base").mkdir()
        source = str(folder / "base" / "registre.db")
        base = record_base(source, keys)
        for _ in range(clean):
            check_clean(
                campaign,
                "moved (file copied to another folder)",
                lambda: sqlite_copy(source, folder),
                base,
            )
            check_clean(
                campaign,
                "restored (SQLite backup, another folder)",
                lambda: sqlite_backup(source, folder),
                base,
            )
        run_trials(
            campaign,
            base,
            lambda: sqlite_copy(source, folder),
            trials,
            random.Random(seed),
            advance=advance,
        )
    campaign.seconds = time.perf_counter() - started
    return campaign


def on_postgres(
    trials: int, clean: int, seed: str, advance: Callable[[int], None], admin_url: str
) -> Campaign:
    import psycopg

    campaign = Campaign("PostgreSQL")
    started = time.perf_counter()
    with (
        key_folder() as keys,
        tempfile.TemporaryDirectory(prefix="registre-tamper-") as work,
        psycopg.connect(admin_url, autocommit=True) as admin,
    ):
        name = f"registre_tamper_base_{uuid.uuid4().hex[:8]}"
        admin.execute(f'CREATE DATABASE "{name}"')
        server = admin_url.split("?", 1)[0].rsplit("/", 1)[0]
        source = f"{server}/{name}?schema=registre"
        try:
            base = record_base(source, keys)
            for _ in range(clean):
                check_clean(
                    campaign, "moved (database copied)", lambda: postgres_copy(source, admin), base
                )
                check_clean(
                    campaign,
                    "restored (pg_dump, pg_restore into a new database)",
                    lambda: postgres_restore(source, admin, Path(work)),
                    base,
                )
            with postgres_reset(source) as copy:
                run_trials(
                    campaign,
                    base,
                    copy,
                    trials,
                    random.Random(seed),
                    advance=advance,
                )
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    campaign.seconds = time.perf_counter() - started
    return campaign


def table(campaign: Campaign) -> list[str]:
    tried = sum(c.tried for c in campaign.counts.values())
    lines = [
        f"**{campaign.store}**: {tried:,} tamperings in {campaign.seconds:.0f} s",
        "",
        "| tampering | what it changes | expected finding | tried | detected | named | missed "
        "| offline: detected |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for group, title in GROUPS.items():
        shown = [t for t in TAMPERINGS if t.group == group and t.name in campaign.counts]
        if not shown:
            continue
        for t in shown:
            c = campaign.counts[t.name]
            lines.append(
                f"| {t.name} | {t.what} | `{t.kind}` | {c.tried} | {c.detected} | "
                f"{c.named} | {c.missed} | {c.offline} |"
            )
        counts = [campaign.counts[t.name] for t in shown]
        lines.append(
            f"| **{group}** | {title} | | **{sum(c.tried for c in counts)}** | "
            f"**{sum(c.detected for c in counts)}** | **{sum(c.named for c in counts)}** | "
            f"**{sum(c.missed for c in counts)}** | **{sum(c.offline for c in counts)}** |"
        )
    lines += ["", "| copy nobody altered | copies verified | false alarms |", "|---|---:|---:|"]
    lines += [f"| {how} | {n} | {alarms} |" for how, (n, alarms) in campaign.clean.items()]
    said = [f"- {name}: {c.said[0]}" for name, c in campaign.counts.items() if c.named < c.tried]
    if said:
        lines += ["", "Not named: what verification said instead (first case of each):", ""]
        lines += said
    if campaign.alarms:
        lines += ["", "False alarms:", ""] + [f"- {a}" for a in campaign.alarms[:10]]
    return lines


@click.command()
@click.option(
    "--store", type=click.Choice(["sqlite", "postgres", "both"]), default="both", show_default=True
)
@click.option("--sqlite", "sqlite_trials", default=1000, show_default=True, help="Tamperings.")
@click.option("--postgres", "postgres_trials", default=200, show_default=True, help="Tamperings.")
@click.option("--clean", default=5, show_default=True, help="Moved and restored copies, each.")
@click.option("--seed", default="tampering", show_default=True)
@click.option(
    "--output",
    default=str(ROOT / "docs" / "tampering.md"),
    show_default=True,
    help="Prepend the tables to this file; '-' writes nothing.",
)
def main(
    store: str, sqlite_trials: int, postgres_trials: int, clean: int, seed: str, output: str
) -> None:
    """Random tamperings of copies of a store, each verified; copies nobody altered."""
    from common import commit, machine, postgres_admin_url, progress, say, versions

    campaigns: list[Campaign] = []
    if store in ("sqlite", "both"):
        with progress("SQLite tamperings", sqlite_trials) as advance:
            campaigns.append(on_sqlite(sqlite_trials, clean, f"{seed}-sqlite", advance))
    if store in ("postgres", "both"):
        with progress("PostgreSQL tamperings", postgres_trials) as advance:
            campaigns.append(
                on_postgres(
                    postgres_trials, clean, f"{seed}-postgres", advance, postgres_admin_url()
                )
            )
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    about = machine()
    lines = [
        f"## {now}, tampering campaign",
        "",
        f"`python bench/tampering.py --store {store} --sqlite {sqlite_trials} "
        f"--postgres {postgres_trials} --clean {clean} --seed {seed}`; commit {commit()}; "
        + ", ".join(f"{k} {v}" for k, v in {**about, **versions()}.items()),
        "",
    ]
    for campaign in campaigns:
        lines += [*table(campaign), ""]
    text = "\n".join(lines)
    click.echo(text)
    if output != "-":
        path = Path(output)
        old = path.read_text(encoding="utf-8")
        head, _, rest = old.partition("\n## ")
        path.write_text(f"{head}\n{text}\n## {rest}" if rest else f"{old}\n{text}", "utf-8")
        say(f"prepended to {path}")


if __name__ == "__main__":
    main()
