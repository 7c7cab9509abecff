"""Signed checkpoints of the audit ledger, and the deployment's signing key.

A checkpoint says: "the first N events of this record have the Merkle root R",
signed with the deployment's Ed25519 key. Once published (on the site, in the
minutes, sent to the founders), it pins the history: an event altered,
removed, inserted or moved afterwards changes the root of the first N leaves,
and no one without the key can sign a new checkpoint to match.

The private key is kept outside the database, in a key directory
(``--key-dir``, ``REGISTRE_KEY_DIR``, by default ``~/.config/registre/keys``),
one file per deployment (named after the deployment the store records, see
``keyring``), so that someone who can write to the database cannot also
sign. A checkpoint is a C2SP ``tlog-checkpoint`` signed note (``notes``):
origin, size, root hash, and the time and label as extension lines.
Checkpoints of schema 2 signed the RFC 8785 canonical JSON of {deployment,
tree_size, root_hash, created_at, label} instead, and still verify so.
"""

from __future__ import annotations

import base64
import json
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from registre.adapters.application import Registre, Result
from registre.adapters.application import commands as c
from registre.adapters.ledger import keyring, notes
from registre.adapters.ledger.heads import latest_head
from registre.adapters.ledger.leaves import checkpoint_statement, stored_bytes
from registre.adapters.ledger.merkle import RootAccumulator
from registre.adapters.ledger.offline_verify import signature_valid
from registre.adapters.ledger.tables import AuditTables
from registre.adapters.stores import Store
from registre.adapters.stores.keys import KEY_DIR_ENV as KEY_DIR_ENV
from registre.adapters.stores.keys import key_dir as key_dir
from registre.domain.errors import NotFound, RuleViolation, Unchanged

# -- keys ------------------------------------------------------------------------------------
# The key directory is the store's (``stores.keys``): the same folder holds the
# per-person keys of personal data. The keys that may sign are the store's own
# record (``keyring``).


def ensure_key(store: Store, folder: Path) -> tuple[Path, bool]:
    return keyring.ensure_key(store, folder)


def load_private_key(store: Store, folder: Path) -> Ed25519PrivateKey:
    return keyring.load_signing_key(store, folder)


public_key_bytes = keyring.public_key_bytes
key_id = keyring.key_id


def public_key_pem(raw: bytes) -> str:
    return (
        Ed25519PublicKey.from_public_bytes(raw)
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


# -- checkpoints -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    id: int
    tree_size: int
    root_hash: bytes
    created_at: str
    label: str
    deployment: str
    key_id: str
    public_key: bytes
    signature: bytes
    note: str | None = None  # the C2SP signed note; None for a checkpoint of schema 2

    @property
    def statement(self) -> bytes:
        """The bytes the deployment's signature covers."""
        if self.note is not None:
            return notes.parse(self.note).body.encode()
        return checkpoint_statement(
            self.deployment, self.tree_size, self.root_hash, self.created_at, self.label
        )

    def signature_holds(self, public_key: bytes) -> bool:
        """Whether the signature is this key's, and the note says what the row says."""
        if self.note is not None:
            try:
                note = notes.parse(self.note)
            except notes.MalformedNote:
                return False
            said = (note.size, note.root, note.extension("time"), note.extension("label"))
            label = json.dumps(self.label, ensure_ascii=False)
            if said != (self.tree_size, self.root_hash, self.created_at, label):
                return False
            return note.signed_by(note.origin, public_key) and any(
                s.signature == self.signature for s in note.signatures
            )
        return signature_valid(public_key, self.signature, self.statement)

    def as_dict(self) -> dict[str, Any]:
        """What a reader needs to check it: the statement, the signature and the key."""
        return {
            "id": self.id,
            "tree_size": self.tree_size,
            "root_hash": self.root_hash.hex(),
            "created_at": self.created_at,
            "label": self.label,
            "deployment": self.deployment,
            "key_id": self.key_id,
            "signature": base64.b64encode(self.signature).decode("ascii"),
            "public_key": base64.b64encode(self.public_key).decode("ascii"),
            "statement": self.statement.decode("utf-8"),
            "note": self.note,
        }


def ledger_root(tables: AuditTables) -> tuple[int, bytes]:
    """The size and root of the ledger as stored, read once in position order."""
    acc = RootAccumulator()
    for _, leaf in tables.all_leaves():
        acc.append(leaf)
    return acc.size, acc.root()


def create_checkpoint(store: Store, label: str, folder: Path | None = None) -> Checkpoint:
    """Signs the root of the whole ledger as it stands and records the checkpoint.

    It is written in its own transaction, after the events it covers: a
    checkpoint that fails to be written leaves the record as it was.
    """
    folder = folder or key_dir()
    private = load_private_key(store, folder)
    tables = AuditTables(store)
    # The last commit's tree head is the log as it stands (every commit writes
    # one, in its own transaction): no pass over the log. A store that has
    # recorded nothing since it was upgraded has none yet.
    latest = latest_head(store)
    size, root = (latest[0].tree_size, latest[0].root_hash) if latest else ledger_root(tables)
    created_at = datetime.now(UTC).isoformat(timespec="seconds")
    deployment = store.deployment
    public = public_key_bytes(private)
    body = notes.checkpoint_body(store.origin, size, root, created_at, label)
    signed = notes.sign(body, store.origin, private)
    note = notes.Note(body, (signed,)).text
    with tables.transaction(commit=True) as cursor:
        cursor.execute(
            tables.sql(
                f"INSERT INTO {tables.checkpoints} (tree_size, root_hash, created_at, label, "
                "deployment, key_id, public_key, signature, note) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
            ),
            (
                size,
                root,
                created_at,
                label,
                deployment,
                key_id(public),
                public,
                signed.signature,
                note,
            ),
        )
        new_id = int(cursor.fetchone()["id"])
    return Checkpoint(
        new_id,
        size,
        root,
        created_at,
        label,
        deployment,
        key_id(public),
        public,
        signed.signature,
        note,
    )


def list_checkpoints(store: Store) -> list[Checkpoint]:
    tables = AuditTables(store)
    with tables.transaction() as cursor:
        cursor.execute(
            f"SELECT id, tree_size, root_hash, created_at, label, deployment, key_id, "
            f"public_key, signature, note FROM {tables.checkpoints} ORDER BY id"
        )
        return [
            Checkpoint(
                int(r["id"]),
                int(r["tree_size"]),
                stored_bytes(r["root_hash"]),
                str(r["created_at"]),
                str(r["label"]),
                str(r["deployment"]),
                str(r["key_id"]),
                stored_bytes(r["public_key"]),
                stored_bytes(r["signature"]),
                None if r["note"] is None else str(r["note"]),
            )
            for r in cursor.fetchall()
        ]


def get_checkpoint(store: Store, checkpoint_id: int | None) -> Checkpoint:
    """The checkpoint with this id, or the latest one."""
    found = list_checkpoints(store)
    if not found:
        raise NotFound("this store has no checkpoint yet (create one: registre audit checkpoint)")
    if checkpoint_id is None:
        return found[-1]
    for checkpoint in found:
        if checkpoint.id == checkpoint_id:
            return checkpoint
    raise NotFound(f"this store has no checkpoint #{checkpoint_id}")


def latest_checkpoint(store: Store) -> dict[str, Any] | None:
    """The latest signed checkpoint, as shown to the public; None if there is none."""
    found = list_checkpoints(store)
    return found[-1].as_dict() if found else None


# -- plan publish: the published version pinned by a checkpoint ------------------------------


def publish_plan_with_checkpoint(
    registre: Registre, cmd: c.PublishPlan, ctx: c.Context, folder: Path | None = None
) -> Result:
    """Records the published plan version and signs a checkpoint that covers it.

    The deployment's key is loaded first: a store that cannot sign (no key on
    this machine, a key that is not the deployment's) records no publication,
    and says why. The checkpoint is then written in a transaction of its own;
    should that fail, the publication stands and the result says so, and what
    to run. Publishing again the version just published (a retry, without a
    command id) records nothing: it signs the checkpoint if none covers the
    log yet, and else is refused, naming the checkpoint that covers it."""
    folder = folder or key_dir()
    store = registre.store
    try:
        load_private_key(store, folder)
    except (NotFound, RuleViolation) as error:
        raise type(error)(
            f"nothing published: a plan version is published with a checkpoint signed "
            f"over it, and {error}"
        ) from None
    try:
        result = registre.handle(cmd, ctx)
    except Unchanged as same:
        covering = [c for c in list_checkpoints(store) if c.tree_size >= store.head()]
        if covering:
            raise RuleViolation(f"{same}; checkpoint #{covering[0].id} covers it") from None
        made = create_checkpoint(store, cmd.label, folder)
        return Result(
            command=cmd.ACTION,
            command_id="",
            summary=f"{same}; signed checkpoint #{made.id}, which covers the "
            f"{made.tree_size} events recorded so far",
        )
    if result.already_recorded:
        return result
    try:
        made = create_checkpoint(store, cmd.label, folder)
    except Exception as error:  # the store failed after the publication was committed
        reason = str(error).strip().splitlines()[0] if str(error).strip() else ""
        where = f" (#{result.recorded[0].position})" if result.recorded else ""
        result.warnings.append(
            f"{result.summary}{where} stands, but no checkpoint covers it yet: "
            f"{reason or type(error).__name__}. Do not publish it again: run "
            f"`registre audit checkpoint --label {shlex.quote(cmd.label)}`"
        )
        return result
    result.summary += (
        f"; signed checkpoint #{made.id} covers the {made.tree_size} events recorded so far"
    )
    return result
