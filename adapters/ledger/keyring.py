"""The keys that may sign for a deployment, as the store records them.

The store records its deployment's name (``stores.schema``) and, in the
append-only ``registre_keys`` table, every public key that may sign for it:
the first one (the anchor, pinned when the deployment first signed, or from
its first checkpoint when an earlier version's store was upgraded), then each
new key endorsed by a key already known (a rotation: the old key signs the
new one). The private keys stay in the key directory, in files named after
the deployment, not after the store's path: a store moved, copied, backed up
or restored keeps finding them, and a key file that is not one of the
deployment's keys is refused instead of silently replacing it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from registre.adapters.ledger.leaves import stored_bytes
from registre.adapters.ledger.notes import verifier_key as verifier_key
from registre.adapters.stores import Store
from registre.adapters.stores.schema import KEYS_TABLE
from registre.domain.errors import NotFound, RuleViolation

OPERATOR = "operator"


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes_raw()


@dataclass(frozen=True)
class KeyRow:
    id: int
    role: str
    name: str
    key_id: str
    public_key: bytes
    added_at: str
    endorsed_by: str
    endorsement: bytes

    @property
    def vkey(self) -> str:
        return verifier_key(self.name, self.public_key, 0x01 if self.role == OPERATOR else 0x04)


def endorsement_statement(deployment: str, role: str, name: str, public: bytes, at: str) -> bytes:
    """What a known key signs to let a new key sign for the deployment."""
    return (
        f"registre key endorsement\n{deployment}\n{role}\n{name}\n{public.hex()}\n{at}\n".encode()
    )


def key_rows(store: Store) -> list[KeyRow]:
    d = store.dialect
    with store.transaction() as cursor:
        rows = d.rows(
            cursor,
            f"SELECT id, role, name, key_id, public_key, added_at, endorsed_by, endorsement "
            f"FROM {d.table(KEYS_TABLE)} ORDER BY id",
        )
    return [
        KeyRow(
            int(r["id"]),
            str(r["role"]),
            str(r["name"]),
            str(r["key_id"]),
            stored_bytes(r["public_key"]),
            str(r["added_at"]),
            str(r["endorsed_by"]),
            stored_bytes(r["endorsement"]),
        )
        for r in rows
    ]


@dataclass
class Keyring:
    """The deployment's keys, as far as their endorsements hold."""

    operator: dict[str, KeyRow]  # key id -> row, the anchor first
    problems: list[str]


def keyring(store: Store) -> Keyring:
    """The keys whose chain of endorsements holds from the anchor; a key added
    without a valid endorsement of a known operator key is named, not trusted."""
    operator: dict[str, KeyRow] = {}
    problems: list[str] = []
    for row in key_rows(store):
        if row.key_id != key_id(row.public_key):
            problems.append(f"key row #{row.id} names key {row.key_id} but holds another key")
            continue
        if row.role != OPERATOR:
            problems.append(f"key row #{row.id} has a role this deployment does not know")
            continue
        if not operator and not row.endorsed_by:
            operator[row.key_id] = row  # the anchor
            continue
        from registre.adapters.ledger.offline_verify import signature_valid

        endorser = operator.get(row.endorsed_by)
        statement = endorsement_statement(
            store.deployment, row.role, row.name, row.public_key, row.added_at
        )
        if endorser is None or not signature_valid(endorser.public_key, row.endorsement, statement):
            problems.append(
                f"key {row.key_id} ({row.role} {row.name}) was added without the endorsement "
                "of a key this deployment knows"
            )
            continue
        operator[row.key_id] = row
    return Keyring(operator, problems)


# -- key files -------------------------------------------------------------------------------


def key_path(store: Store, folder: Path) -> Path:
    return folder / f"{store.deployment}.pem"


def _write_new_key(path: Path) -> Ed25519PrivateKey | None:
    """A new key written at ``path`` (O_EXCL: two writers never each write one);
    None if the file exists."""
    from cryptography.hazmat.primitives import serialization

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key


# The PKCS #8 encoding of an Ed25519 private key without its public key, as
# ``_write_new_key`` writes it (RFC 8410, section 7): these 16 bytes, then the
# 32 of the key.
PKCS8_ED25519 = bytes.fromhex("302e020100300506032b657004220420")
PEM_BEGIN, PEM_END = b"-----BEGIN PRIVATE KEY-----", b"-----END PRIVATE KEY-----"


def read_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no key file {path}") from None
    plain = _plain_ed25519(data)
    if plain is not None:
        return plain
    # Any other form (a key with its public part, encrypted, another kind) goes
    # through the library's reader, which a signing command otherwise does not
    # import.
    from cryptography.hazmat.primitives import serialization

    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        raise NotFound(f"{path} does not hold a private key") from None
    except TypeError:  # encrypted: the library asks for a password
        raise NotFound(f"{path} holds an encrypted key; give it unencrypted") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise NotFound(f"{path} does not hold an Ed25519 private key")
    return key


def _plain_ed25519(data: bytes) -> Ed25519PrivateKey | None:
    """The key of a PEM file in the form ``_write_new_key`` writes; None if it
    is in any other."""
    text = data.strip()
    if not (text.startswith(PEM_BEGIN) and text.endswith(PEM_END)):
        return None
    try:
        der = base64.b64decode(text[len(PEM_BEGIN) : -len(PEM_END)], validate=False)
    except (binascii.Error, ValueError):
        return None
    if len(der) != len(PKCS8_ED25519) + 32 or not der.startswith(PKCS8_ED25519):
        return None
    return Ed25519PrivateKey.from_private_bytes(der[len(PKCS8_ED25519) :])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _insert(store: Store, row: KeyRow) -> None:
    d = store.dialect
    with store.transaction(commit=True) as cursor:
        cursor.execute(
            d.sql(
                f"INSERT INTO {d.table(KEYS_TABLE)} (role, name, key_id, public_key, added_at, "
                "endorsed_by, endorsement) VALUES (?, ?, ?, ?, ?, ?, ?)"
            ),
            (
                row.role,
                row.name,
                row.key_id,
                row.public_key,
                row.added_at,
                row.endorsed_by,
                row.endorsement,
            ),
        )


def ensure_key(store: Store, folder: Path) -> tuple[Path, bool]:
    """The deployment's signing key file, created and pinned if the deployment
    has no key yet; and whether it was created. Never replaces a key: a missing
    file of a deployment that has keys, or a file holding a key the deployment
    does not know, is refused and said."""
    path = key_path(store, folder)
    ring = keyring(store)
    if not ring.operator:
        created = False
        if path.exists():
            key = read_private_key(path)
        else:
            made = _write_new_key(path)
            created = made is not None
            key = made or read_private_key(path)
        public = public_key_bytes(key)
        _insert(store, KeyRow(0, OPERATOR, store.origin, key_id(public), public, _now(), "", b""))
        return path, created
    load_signing_key(store, folder, ring)
    return path, False


def load_signing_key(store: Store, folder: Path, ring: Keyring | None = None) -> Ed25519PrivateKey:
    """The private key this machine holds for the deployment, checked to be one
    of its keys."""
    ring = ring or keyring(store)
    path = key_path(store, folder)
    known = ", ".join(ring.operator) or "none yet"
    if not ring.operator:
        raise NotFound(f"deployment {store.deployment} has no signing key yet: run `registre init`")
    if not path.exists():
        raise NotFound(
            f"no signing key of deployment {store.deployment} in {folder} (its keys: {known}); "
            "restore the key file from its backup or point --key-dir / REGISTRE_KEY_DIR to "
            "the folder that holds it (registre init creates one only for a deployment "
            "that has none)"
        )
    key = read_private_key(path)
    found = key_id(public_key_bytes(key))
    if ring.operator and found not in ring.operator:
        raise RuleViolation(
            f"the key in {path} ({found}) is not a key of deployment {store.deployment} "
            f"(its keys: {known}); it was not replaced: restore the deployment's key file"
        )
    return key


def rotate(store: Store, folder: Path) -> tuple[KeyRow, KeyRow]:
    """A new signing key endorsed by the current one: the endorsement is recorded,
    then the new key takes the key file's place (the old one is kept beside it,
    as ``<deployment>.<key id>.retired.pem``)."""
    old = load_signing_key(store, folder)
    old_id = key_id(public_key_bytes(old))
    path = key_path(store, folder)
    pending = path.with_suffix(".next.pem")
    pending.unlink(missing_ok=True)
    new = _write_new_key(pending)
    assert new is not None
    public = public_key_bytes(new)
    at = _now()
    statement = endorsement_statement(store.deployment, OPERATOR, store.origin, public, at)
    row = KeyRow(0, OPERATOR, store.origin, key_id(public), public, at, old_id, old.sign(statement))
    _insert(store, row)
    os.replace(path, path.with_name(f"{store.deployment}.{old_id}.retired.pem"))
    os.replace(pending, path)
    return keyring(store).operator[old_id], row
