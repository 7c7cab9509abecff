"""Checkpoints as C2SP signed notes: ``tlog-checkpoint`` and ``signed-note``,
with Ed25519.

A checkpoint's body is the log's origin, its size and its root hash (base64),
one per line, then extension lines; here two of them, ``time`` and ``label``,
so that the time and the label are signed too. The body is signed by the
deployment's key as a signed note: an empty line, then one line per signature,
``— <key name> base64(key ID || signature)``, where the key ID is the first four
bytes of SHA-256(name || "\\n" || 0x01 || public key).

No project import, and nothing beyond ``cryptography``: the single-file
verifier a citizen runs carries the same few lines.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

ED25519 = 0x01
DASH = "\u2014"  # the em dash that starts a signature line


class MalformedNote(ValueError):
    """Text that is not a signed checkpoint."""


def key_hash(name: str, algorithm: int, public_key: bytes) -> bytes:
    """The 4-byte key ID of a signed-note key (algorithm 0x01, Ed25519)."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([algorithm]) + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes, algorithm: int = ED25519) -> str:
    """The signed-note ``vkey``: name+hex key ID+base64(type || public key)."""
    encoded = base64.b64encode(bytes([algorithm]) + public_key).decode("ascii")
    return f"{name}+{key_hash(name, algorithm, public_key).hex()}+{encoded}"


def checkpoint_body(origin: str, size: int, root: bytes, time: str, label: str) -> str:
    """The checkpoint's text: origin, size, root, then the signed time and label.

    The label is written as a JSON string, so no newline or control character
    ever reaches the note."""
    if not origin or "\n" in origin:
        raise ValueError("a checkpoint's origin is one non-empty line")
    encoded = json.dumps(label, ensure_ascii=False)
    return (
        f"{origin}\n{size}\n{base64.b64encode(root).decode('ascii')}\n"
        f"time {time}\nlabel {encoded}\n"
    )


@dataclass(frozen=True)
class Signature:
    name: str
    key_id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        encoded = base64.b64encode(self.key_id + self.signature).decode("ascii")
        return f"{DASH} {self.name} {encoded}\n"


@dataclass(frozen=True)
class Note:
    body: str
    signatures: tuple[Signature, ...] = field(default=())

    @property
    def text(self) -> str:
        return self.body + "\n" + "".join(s.line for s in self.signatures)

    # -- the checkpoint's fields ----------------------------------------------------

    @property
    def lines(self) -> list[str]:
        return self.body.split("\n")[:-1]

    @property
    def origin(self) -> str:
        return self.lines[0]

    @property
    def size(self) -> int:
        return int(self.lines[1])

    @property
    def root(self) -> bytes:
        return base64.b64decode(self.lines[2], validate=True)

    def extension(self, name: str) -> str | None:
        for line in self.lines[3:]:
            if line.startswith(name + " "):
                return line[len(name) + 1 :]
        return None

    # -- signatures -------------------------------------------------------------------

    def signed_by(self, name: str, public_key: bytes) -> bool:
        """Whether a signature line of ``name`` with that key's ID verifies."""
        wanted = key_hash(name, ED25519, public_key)
        for s in self.signatures:
            if s.name == name and s.key_id == wanted:
                return _valid(public_key, s.signature, self.body.encode())
        return False


def sign(body: str, name: str, key: Ed25519PrivateKey) -> Signature:
    public = _raw(key.public_key())
    return Signature(name, key_hash(name, ED25519, public), key.sign(body.encode()))


def parse(text: str) -> Note:
    """A signed note: its body and its signature lines (none verified yet)."""
    body, sep, rest = text.rpartition("\n\n")
    if not sep or not body:
        raise MalformedNote("a signed note is a body, an empty line, then signature lines")
    body += "\n"
    lines = body.split("\n")[:-1]
    if len(lines) < 3:
        raise MalformedNote("a checkpoint has an origin, a size and a root hash")
    if not lines[1].isdigit() or (lines[1] != "0" and lines[1].startswith("0")):
        raise MalformedNote(f"a checkpoint's size is a decimal number, not {lines[1]!r}")
    try:
        if len(base64.b64decode(lines[2], validate=True)) != 32:
            raise MalformedNote("a checkpoint's root hash is 32 bytes")
    except binascii.Error:
        raise MalformedNote("a checkpoint's root hash is base64") from None
    if any(not line for line in lines[3:]):
        raise MalformedNote("a checkpoint's extension lines are not empty")
    signatures = []
    if not rest.endswith("\n"):
        raise MalformedNote("a signed note ends with a newline")
    for line in rest[:-1].split("\n"):
        prefix = f"{DASH} "
        parts = line.removeprefix(prefix).split(" ")
        if not line.startswith(prefix) or len(parts) != 2 or not parts[0]:
            raise MalformedNote(f"not a signature line: {line!r}")
        try:
            raw = base64.b64decode(parts[1], validate=True)
        except binascii.Error:
            raise MalformedNote(f"a signature is base64: {line!r}") from None
        if len(raw) < 5:
            raise MalformedNote(f"a signature line holds a key ID and a signature: {line!r}")
        signatures.append(Signature(parts[0], raw[:4], raw[4:]))
    if not signatures:
        raise MalformedNote("a signed note has at least one signature")
    return Note(body, tuple(signatures))


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes_raw()


def _valid(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
