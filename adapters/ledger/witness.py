"""The founders witness the log: C2SP ``tlog-cosignature`` (cosignature/v1).

A founder holds a witness key of its own (an Ed25519 key it generates and
keeps, ``new_key``), whose public key is recorded in the log by a command
(``programme witness``: ``Programme.WitnessRegistered``), so that anyone
verifying the log knows it. To cosign (``cosign``), the founder takes the
deployment's latest signed tree head and checks, before signing:

- that the deployment's key signed it;
- that it extends the last checkpoint this founder cosigned (kept by the
  founder in a state file beside its key, and recorded in the store): same
  size and another root is a fork, a smaller size a rollback, and a larger
  one must come with a valid RFC 9162 consistency proof;

then signs ``cosignature/v1\\ntime <unix seconds>\\n`` followed by the
checkpoint's body, and writes the signature line ``— <name>
base64(key ID || timestamp || signature)``, where the key ID is the first
four bytes of SHA-256(name || "\\n" || 0x04 || public key). The cosigned
checkpoint is recorded (``registre_cosignatures``, append-only) and the
founder's state moves to it. A split view (two audiences shown two
histories) cannot then be cosigned by the same founder twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registre.adapters.ledger import notes
from registre.adapters.ledger.heads import TreeHead, latest_head
from registre.adapters.ledger.merkle import consistency_proof, verify_consistency
from registre.adapters.ledger.tables import AuditTables
from registre.adapters.stores import Store
from registre.adapters.stores.schema import COSIGNATURES_TABLE
from registre.domain import Programme
from registre.domain.errors import InvalidInput, NotFound, RuleViolation
from registre.domain.ids import programme_id

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from registre.adapters.ledger.checkpoints import Checkpoint

COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1"


class Refused(RuleViolation):
    """A checkpoint a witness will not cosign: a fork, a rollback, an inconsistency."""


# -- the format ------------------------------------------------------------------------------


def witness_key_id(name: str, public_key: bytes) -> bytes:
    return notes.key_hash(name, COSIGNATURE_V1, public_key)


def vkey(name: str, public_key: bytes) -> str:
    return notes.verifier_key(name, public_key, COSIGNATURE_V1)


def signed_message(body: str, timestamp: int) -> bytes:
    """What a cosignature/v1 signs: the header, the time, then the checkpoint body."""
    return f"{HEADER}\ntime {timestamp}\n{body}".encode()


def cosignature_line(name: str, key: Ed25519PrivateKey, body: str, timestamp: int) -> str:
    from registre.adapters.ledger.keyring import public_key_bytes

    public = public_key_bytes(key)
    signature = key.sign(signed_message(body, timestamp))
    raw = witness_key_id(name, public) + timestamp.to_bytes(8, "big") + signature
    return f"{notes.DASH} {name} {base64.b64encode(raw).decode('ascii')}\n"


def cosignature_holds(line: str, name: str, public_key: bytes, body: str) -> int | None:
    """The timestamp of a valid cosignature line of this witness on ``body``; None if not."""
    prefix = f"{notes.DASH} {name} "
    if not line.startswith(prefix):
        return None
    try:
        raw = base64.b64decode(line[len(prefix) :].strip(), validate=True)
    except binascii.Error:
        return None
    if len(raw) != 4 + 8 + 64 or raw[:4] != witness_key_id(name, public_key):
        return None
    timestamp = int.from_bytes(raw[4:12], "big")
    if not notes._valid(public_key, raw[12:], signed_message(body, timestamp)):
        return None
    return timestamp


# -- a founder's key and state -----------------------------------------------------------------


def new_key(path: Path) -> bytes:
    """A new witness key written at ``path`` (never over an existing file);
    returns its public key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from registre.adapters.ledger.keyring import public_key_bytes

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise RuleViolation(f"{path} exists: a witness key is never overwritten") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return public_key_bytes(key)


def state_path(key_path: Path) -> Path:
    """Where a founder keeps the last checkpoint it cosigned: beside its key."""
    return key_path.with_name(key_path.name + ".cosigned")


@dataclass(frozen=True)
class Cosigned:
    programme: str
    founder: str
    name: str
    tree_size: int
    root_hash: bytes
    created_at: str
    note: str  # the checkpoint with the operator's signature and the cosignature

    def as_dict(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "founder": self.founder,
            "witness": self.name,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "cosigned_at": self.created_at,
            "note": self.note,
        }


def registered(store: Store, programme: str) -> Programme:
    try:
        found: object = store.app.repository.get(programme_id(programme))
    except Exception:
        found = None
    if not isinstance(found, Programme) or found.void:
        raise NotFound(f"no programme {programme!r} in this store")
    return found


def _witness(store: Store, programme: str, founder: str) -> tuple[str, bytes]:
    found = registered(store, programme)
    found.require_founder(founder)
    witness = found.witnesses.get(founder)
    if witness is None:
        raise NotFound(
            f"founder {founder} of {programme} has no witness key in the log "
            f"(record it first: registre audit witness {programme} {founder} --public-key ...)"
        )
    return witness[0], base64.b64decode(witness[1])


def _last_cosigned(
    store: Store, programme: str, founder: str, key_path: Path
) -> tuple[int, bytes, str] | None:
    """(size, root, where it was read) of the last checkpoint this founder
    cosigned: its own state file first, else the store's record."""
    state = state_path(key_path)
    if state.exists():
        try:
            note = notes.parse(state.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, notes.MalformedNote) as error:
            raise InvalidInput(f"the witness state {state} is unreadable: {error}") from None
        return note.size, note.root, f"the state file {state}"
    d = store.dialect
    with store.transaction() as cursor:
        rows = d.rows(
            cursor,
            f"SELECT checkpoint FROM {d.table(COSIGNATURES_TABLE)} WHERE programme = ? "
            "AND founder = ? ORDER BY tree_size DESC, id DESC LIMIT 1",
            (programme, founder),
        )
    if not rows:
        return None
    note = notes.parse(str(rows[0]["checkpoint"]))
    return note.size, note.root, "the store's record of its cosignatures"


def _leaves(store: Store, size: int) -> list[bytes]:
    leaves: list[bytes] = []
    for _, leaf in AuditTables(store).all_leaves():
        if len(leaves) == size:
            break
        leaves.append(leaf)
    return leaves


def cosign(store: Store, programme: str, founder: str, key_path: Path) -> Cosigned:
    """Checks the latest signed tree head and cosigns it as ``founder``; raises
    ``Refused`` (and writes nothing) for a fork, a rollback or an inconsistency."""
    from registre.adapters.ledger.keyring import keyring, public_key_bytes, read_private_key

    name, public = _witness(store, programme, founder)
    key = read_private_key(key_path)
    if public_key_bytes(key) != public:
        raise RuleViolation(
            f"{key_path} is not the witness key the log records for founder {founder} "
            f"({vkey(name, public)})"
        )
    found = latest_head(store)
    if found is None or found[0].note is None:
        raise NotFound("the log has no signed tree head to cosign yet")
    head: TreeHead = found[0]
    assert head.note is not None
    note = notes.parse(head.note)
    ring = keyring(store)
    if not any(note.signed_by(store.origin, k.public_key) for k in ring.operator.values()):
        raise Refused(
            f"the tree head of size {head.tree_size} is not signed by a key of deployment "
            f"{store.deployment}: not cosigned"
        )
    last = _last_cosigned(store, programme, founder, key_path)
    if last is not None:
        old_size, old_root, source = last
        if old_size == note.size and old_root != note.root:
            raise Refused(
                f"fork: founder {founder} cosigned a tree of {old_size} events with root "
                f"{old_root.hex()} ({source}); this one has the same size and root "
                f"{note.root.hex()}: two histories are shown, not cosigned"
            )
        if note.size < old_size:
            raise Refused(
                f"rollback: founder {founder} cosigned a tree of {old_size} events ({source}); "
                f"this one has {note.size}: not cosigned"
            )
        leaves = _leaves(store, note.size)
        proof = consistency_proof(leaves, old_size) if len(leaves) == note.size else []
        if not (
            len(leaves) == note.size
            and verify_consistency(old_size, note.size, old_root, note.root, proof)
        ):
            raise Refused(
                f"inconsistent: the tree of {note.size} events does not extend the tree of "
                f"{old_size} events founder {founder} cosigned ({source}): not cosigned"
            )
    timestamp = int(time.time())
    line = cosignature_line(name, key, note.body, timestamp)
    created_at = datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
    d = store.dialect
    with store.transaction(commit=True) as cursor:
        cursor.execute(
            d.sql(
                f"INSERT INTO {d.table(COSIGNATURES_TABLE)} (programme, founder, key_id, "
                "tree_size, checkpoint, cosignature, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ),
            (
                programme,
                founder,
                hashlib.sha256(public).hexdigest()[:16],
                note.size,
                head.note,
                line,
                created_at,
            ),
        )
    cosigned = head.note + line
    state = state_path(key_path)
    partial = state.with_name(state.name + ".tmp")
    partial.write_text(cosigned, encoding="utf-8")
    os.replace(partial, state)
    return Cosigned(programme, founder, name, note.size, note.root, created_at, cosigned)


# -- verification ------------------------------------------------------------------------------


def check_cosignatures(
    store: Store, checkpoints: list[Checkpoint], tree_heads: list[TreeHead]
) -> tuple[list[Cosigned], list[str]]:
    """The recorded cosignatures that hold: a witness key the log records for
    the founder, a valid cosignature/v1 line, on a checkpoint whose root is the
    store's at that size. The others are named."""
    d = store.dialect
    with store.transaction() as cursor:
        rows = d.rows(
            cursor,
            f"SELECT id, programme, founder, tree_size, checkpoint, cosignature, created_at "
            f"FROM {d.table(COSIGNATURES_TABLE)} ORDER BY id",
        )
    roots = {c.tree_size: c.root_hash for c in checkpoints}
    roots.update({h.tree_size: h.root_hash for h in tree_heads})
    held: list[Cosigned] = []
    problems: list[str] = []
    programmes: dict[str, Programme | None] = {}
    for r in rows:
        programme, founder, size = str(r["programme"]), str(r["founder"]), int(r["tree_size"])
        what = f"the cosignature #{r['id']} of founder {founder} ({programme}) on size {size}"
        if programme not in programmes:
            try:
                programmes[programme] = registered(store, programme)
            except NotFound:
                programmes[programme] = None
        found = programmes[programme]
        witness = found.witnesses.get(founder) if found is not None else None
        if witness is None:
            problems.append(f"{what} is by a witness the log does not record")
            continue
        name, public = witness[0], base64.b64decode(witness[1])
        try:
            note = notes.parse(str(r["checkpoint"]))
        except notes.MalformedNote as error:
            problems.append(f"{what} is on an unreadable checkpoint: {error}")
            continue
        if cosignature_holds(str(r["cosignature"]), name, public, note.body) is None:
            problems.append(f"{what} does not hold: its signature does not match")
            continue
        if note.size != size or roots.get(size) != note.root:
            problems.append(
                f"{what} is on a root the store does not hold at that size: "
                "the founder saw another history"
            )
            continue
        held.append(
            Cosigned(
                programme,
                founder,
                name,
                size,
                note.root,
                str(r["created_at"]),
                str(r["checkpoint"]) + str(r["cosignature"]),
            )
        )
    return held, problems


# -- a plan publication, final once its founders cosigned ----------------------------------


def publication_status(store: Store, programme: str) -> dict[str, Any] | None:
    """Whether the programme's latest plan publication is final: every founder
    who registered a witness key has cosigned a tree head that covers it (the
    founders who registered none do not hold it back). None while no plan is
    published."""
    from uuid import UUID

    from registre.adapters.ledger.checkpoints import list_checkpoints
    from registre.adapters.ledger.heads import list_heads

    found = registered(store, programme)
    if not found.plan_versions:
        return None
    wanted = programme_id(programme)
    size_at = 0
    for count, row in enumerate(AuditTables(store).all_events(), start=1):
        if row.topic.endswith(".PlanPublished") and UUID(row.aggregate_id) == wanted:
            size_at = count
    held, _ = check_cosignatures(store, list_checkpoints(store), list_heads(store))
    cosigned: dict[str, int] = {}
    for c in held:
        if c.programme == programme and c.tree_size >= size_at:
            cosigned[c.founder] = max(cosigned.get(c.founder, 0), c.tree_size)
    awaiting = [f for f in found.witnesses if f not in cosigned]
    return {
        "version": len(found.plan_versions),
        "label": found.plan_versions[-1],
        "tree_size": size_at,
        "witnesses": {f: name for f, (name, _) in found.witnesses.items()},
        "cosigned": cosigned,
        "awaiting": awaiting,
        "final": not awaiting,
    }
