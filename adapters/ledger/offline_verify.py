"""Checks an exported record against a published checkpoint, with no database.

    python -m registre.adapters.offline_verify events.jsonl checkpoint.json --public-key KEY
    python -m registre.adapters.offline_verify events.jsonl checkpoint.json --key-id ID

``events.jsonl`` is the full log as ``registre export events --all`` writes
it: one event per line, in store order, with its position, aggregate id,
version, topic, payload (base64 of the stored bytes) and leaf hash.
``checkpoint.json`` is a signed checkpoint as ``registre audit checkpoint
--export`` writes it. The verifier recomputes every leaf from the exported
fields, compares it with the exported leaf hash and the event's readable copy
(``event``) with the payload the leaf hashes, computes the Merkle root of
the first ``tree_size`` leaves, and checks the checkpoint's Ed25519
signature with a key it is given from elsewhere: the deployment's public key
as the public body published it (``--public-key``), or the key inside the
checkpoint file once its fingerprint matches one published (``--key-id``: the
16 hex digits ``registre audit key`` shows, or the SHA-256 of the key). A
checkpoint's own key proves nothing (anyone can sign with a key of their
own), so without either the verifier refuses to say anything; it always says
which key it trusted.

It needs only ``leaves``, ``merkle`` and ``standalone`` of this package, ``rfc8785`` and
``cryptography``. Exit status: 0 verified, 4 something does not match, 2 the
files cannot be read.

An export of one programme is a part of the log, not a prefix of it, so it
does not form the tree and cannot be checked against a checkpoint; check the
full export instead.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from registre.adapters.ledger import notes
from registre.adapters.ledger.leaves import checkpoint_statement, event_leaf_hash
from registre.adapters.ledger.merkle import EMPTY_ROOT, RootAccumulator
from registre.adapters.ledger.standalone import readable_difference

EXIT_OK, EXIT_INPUT, EXIT_TAMPERED = 0, 2, 4


class Unreadable(Exception):
    """An input file is missing or not in the expected form."""


def signature_valid(public_key: bytes, signature: bytes, statement: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, statement)
    except (InvalidSignature, ValueError):
        return False
    return True


def read_public_key(data: bytes) -> bytes:
    """A public key given as PEM, or as the base64 or hex of its 32 raw bytes."""
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        key = serialization.load_pem_public_key(text)
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    raw = bytes.fromhex(text.decode()) if len(text) == 64 else base64.b64decode(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return raw


class NoTrustedKey(Unreadable):
    """Neither the deployment's public key nor its fingerprint was given."""

    def __init__(self) -> None:
        super().__init__(
            "give the deployment's published public key (--public-key FILE) or its "
            "fingerprint (--key-id ID): the key inside a checkpoint proves nothing on its own"
        )


def fingerprint(public_key: bytes) -> str:
    """The key id ``registre audit key`` shows: 16 hex digits of the key's SHA-256."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def fingerprint_matches(public_key: bytes, given: str) -> bool:
    """Whether ``given`` is the key's id, or the whole SHA-256 of its raw bytes."""
    digest = hashlib.sha256(public_key).hexdigest()
    wanted = given.strip().lower()
    return len(wanted) >= 16 and digest.startswith(wanted) and len(wanted) in (16, 64)


@dataclass
class Verdict:
    events: int = 0
    problems: list[str] = field(default_factory=list)
    trusted: str = ""  # the key the signature was checked with, and why it was trusted

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_export(
    lines: Iterable[str],
    checkpoint: dict[str, Any],
    public_key: bytes | None = None,
    key_id: str | None = None,
    key_source: str = "",
) -> Verdict:
    """Checks the export against the checkpoint, whose signature is checked with
    ``public_key`` (from ``key_source``), or with the key inside the checkpoint
    if its fingerprint is ``key_id``; ``NoTrustedKey`` with neither."""
    if public_key is None and not key_id:
        raise NoTrustedKey()
    verdict = Verdict()
    try:
        size = int(checkpoint["tree_size"])
        root = bytes.fromhex(checkpoint["root_hash"])
        signature = base64.b64decode(checkpoint["signature"])
        embedded = base64.b64decode(checkpoint["public_key"])
        if checkpoint.get("note") is not None:
            # A C2SP signed note: its body is what the signature covers.
            note = notes.parse(checkpoint["note"])
            statement = note.body.encode()
            said = (note.size, note.root, note.extension("time"), note.extension("label"))
            label = json.dumps(checkpoint["label"], ensure_ascii=False)
            disagree = said != (size, root, checkpoint["created_at"], label)
            disagree = disagree or not any(s.signature == signature for s in note.signatures)
        else:
            disagree = False
            statement = checkpoint_statement(
                checkpoint["deployment"], size, root, checkpoint["created_at"], checkpoint["label"]
            )
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise Unreadable(f"the checkpoint file is not a Registre checkpoint ({error})") from None
    key = public_key or embedded
    if public_key is not None:
        verdict.trusted = f"key {fingerprint(public_key)} ({key_source or 'given'})"
        if public_key != embedded:
            verdict.problems.append("the checkpoint names another public key than the one given")
    else:
        assert key_id is not None
        verdict.trusted = f"key {fingerprint(embedded)} (its fingerprint given by --key-id)"
        if not fingerprint_matches(embedded, key_id):
            verdict.problems.append(
                f"the checkpoint is signed by key {fingerprint(embedded)}, not by the key "
                f"{key_id.strip()} given: it is not the deployment's"
            )
    if not signature_valid(key, signature, statement):
        verdict.problems.append("the checkpoint's signature does not match: it was altered")
    elif disagree:
        verdict.problems.append(
            "the checkpoint's fields differ from its signed note: it was altered"
        )

    acc = RootAccumulator()
    last = 0
    leafless: list[tuple[int, bool]] = []  # (position, whether the checkpoint covers it)
    holds = True  # whether the events give the checkpoint's root
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            e = json.loads(line)
            position = int(e["position"])
            payload = base64.b64decode(e["payload"], validate=True)
            computed = event_leaf_hash(
                position, e["aggregate_id"], int(e["version"]), e["topic"], payload
            )
            exported = bytes.fromhex(e["leaf_hash"]) if e["leaf_hash"] is not None else None
        except (KeyError, TypeError, ValueError, binascii.Error) as error:
            raise Unreadable(f"line {number} is not an exported event ({error})") from None
        # The readable copy is what a reader reads: it must be the payload the leaf hashes.
        differs = readable_difference(e["event"], payload) if "event" in e else None
        if differs is not None:
            fields = f" ({', '.join(differs)})" if differs else ""
            verdict.problems.append(
                f"event #{position} was altered: its readable copy differs from its "
                f"recorded payload{fields}"
            )
        if position <= last:
            verdict.problems.append(f"event #{position} is out of order (after #{last})")
        last = position
        if exported is None:
            leafless.append((position, acc.size < size))
        elif computed != exported:
            verdict.problems.append(f"event #{position} was altered: it does not match its leaf")
        acc.append(computed)
        verdict.events += 1
        if acc.size == size and acc.root() != root:
            holds = False
            verdict.problems.append(
                f"the first {size} events do not give the checkpoint's root: "
                "the history diverges from the checkpoint"
            )
    for position, covered in leafless:
        # The checkpoint tells a genuine event whose leaf was deleted from an
        # inserted one; after it, nothing does.
        if covered and holds and acc.size >= size:
            why = "its leaf was deleted: the event is the one the checkpoint covers"
        elif covered:
            why = "it was inserted outside the recorder: the checkpoint does not hold with it"
        else:
            why = (
                "the checkpoint does not cover it: its leaf was deleted, or it was inserted "
                "outside the recorder"
            )
        verdict.problems.append(f"event #{position} has no ledger leaf: {why}")
    if acc.size < size:
        verdict.problems.append(
            f"the export holds {acc.size} events and the checkpoint covers {size}: "
            "events are missing (an export of one programme cannot be checked this way)"
        )
    if size == 0 and root != EMPTY_ROOT:
        verdict.problems.append("the checkpoint's root is not that of an empty log")
    return verdict


def run(
    export: Path,
    checkpoint_file: Path,
    public_key_file: Path | None = None,
    key_id: str | None = None,
) -> Verdict:
    if public_key_file is None and not key_id:
        raise NoTrustedKey()
    try:
        checkpoint = json.loads(checkpoint_file.read_text(encoding="utf-8"))
        key = read_public_key(public_key_file.read_bytes()) if public_key_file else None
        source = f"given by --public-key {public_key_file}" if public_key_file else ""
        with export.open(encoding="utf-8") as lines:
            return verify_export(lines, checkpoint, key, key_id, source)
    except OSError as error:
        raise Unreadable(f"cannot read {error.filename}: {error.strerror}") from None
    except ValueError as error:  # JSON or key
        raise Unreadable(str(error).splitlines()[0]) from None


def summary(verdict: Verdict, checkpoint: dict[str, Any]) -> list[str]:
    if verdict.ok:
        return [
            f"verified: {verdict.events} events; the first {checkpoint.get('tree_size')} give "
            f"root {checkpoint.get('root_hash')}, signed on {checkpoint.get('created_at')} "
            f"by {verdict.trusted}"
        ]
    return [f"tampered: {p}" for p in verdict.problems] + [
        f"note: the signature was checked with {verdict.trusted}"
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m registre.adapters.offline_verify",
        description="Check an exported Registre log against a signed checkpoint.",
    )
    parser.add_argument("export", type=Path, help="events.jsonl (registre export events --all)")
    parser.add_argument("checkpoint", type=Path, help="checkpoint.json")
    trust = parser.add_mutually_exclusive_group()
    trust.add_argument(
        "--public-key", type=Path, help="the deployment's published public key (PEM or base64)"
    )
    trust.add_argument(
        "--key-id", help="the published fingerprint of the deployment's key (16 hex digits)"
    )
    args = parser.parse_args(argv)
    try:
        verdict = run(args.export, args.checkpoint, args.public_key, args.key_id)
        checkpoint = json.loads(args.checkpoint.read_text(encoding="utf-8"))
    except Unreadable as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INPUT
    for line in summary(verdict, checkpoint):
        print(line)
    return EXIT_OK if verdict.ok else EXIT_TAMPERED


if __name__ == "__main__":
    sys.exit(main())
