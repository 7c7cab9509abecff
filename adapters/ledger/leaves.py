"""The audit ledger's leaves: what exactly is hashed for each stored event.

Every stored event is a leaf of a Merkle tree in the manner of Certificate
Transparency (RFC 6962 / RFC 9162). A leaf is the canonical JSON (RFC 8785)
of the event's position in the store, its aggregate id, its version, its
topic and its stored payload (base64 of the bytes as stored), and its hash is
SHA-256(0x00 || leaf). Canonical JSON makes the bytes one and the same on
every machine and in every language, so anyone can recompute a leaf from an
exported event with a few lines of code.

This module has no project dependency beyond ``rfc8785`` so an offline
verifier can use it as it is.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import rfc8785

LEDGER_TABLE = "registre_ledger"

# A string RFC 8785 writes as it is, between quotes: printable ASCII without
# the quote and the backslash. Topics are such strings, and so are ids and
# base64 payloads, so nearly every leaf takes the short path below.
_VERBATIM = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*\Z")
# RFC 8785 writes integers in this range as plain decimals.
_EXACT = 2**53


def leaf_bytes(
    position: int, aggregate_id: UUID | str, version: int, topic: str, payload: bytes
) -> bytes:
    """The canonical bytes of one stored event.

    The same bytes as ``rfc8785.dumps`` of the five fields (the tests compare
    them on arbitrary values), written directly when every value is one that
    RFC 8785 copies as it is: verification recomputes every leaf, and the
    general encoder costs most of its time.
    """
    uuid = str(aggregate_id if isinstance(aggregate_id, UUID) else UUID(aggregate_id))
    encoded = base64.b64encode(payload)
    if (
        type(position) is int
        and type(version) is int
        and -_EXACT < position < _EXACT
        and -_EXACT < version < _EXACT
        and _VERBATIM.match(topic)
    ):
        return b'{"aggregate_id":"%s","payload":"%s","position":%d,"topic":"%s","version":%d}' % (
            uuid.encode(),
            encoded,
            position,
            topic.encode(),
            version,
        )
    return _general(position, uuid, version, topic, encoded.decode("ascii"))


# An aggregate id as the stores keep it (SQLite: 32 hex digits; PostgreSQL's
# text: with hyphens), already in the form ``str(UUID(...))`` writes but for
# the hyphens. Any other form takes the general path.
_UUID = re.compile(rb"([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\Z")
_LEAF = (
    b'\x00{"aggregate_id":"%s-%s-%s-%s-%s","payload":"%s","position":%d,"topic":"%s","version":%d}'
)
_TOPICS_KEPT = 1000  # topics known to be written verbatim, kept encoded


def leaf_hashes(rows: Iterable[Sequence[Any]], topics: dict[str, bytes]) -> list[bytes]:
    """``event_leaf_hash`` of each row (position, aggregate id, version, topic,
    stored bytes, ...), as the drivers return them, with ``str`` of the id and
    ``stored_bytes`` of the bytes as ``event_leaf_hash`` is given them: the
    leaf of each of the log's events, written straight into its hash input.
    ``topics`` keeps the topics found verbatim, encoded, between calls."""
    hashes: list[bytes] = []
    add = hashes.append
    sha256 = hashlib.sha256
    b64 = binascii.b2a_base64
    uuid = _UUID.match
    exact = _EXACT
    for position, aggregate_id, version, topic, payload, *_ in rows:
        encoded = topics.get(topic)
        if encoded is None and type(topic) is str and _VERBATIM.match(topic):
            encoded = topic.encode()
            if len(topics) < _TOPICS_KEPT:
                topics[topic] = encoded
        if (
            encoded is not None
            and type(aggregate_id) is str
            and type(payload) is bytes
            and type(position) is int
            and type(version) is int
            and -exact < position < exact
            and -exact < version < exact
            and aggregate_id.isascii()
            and (parts := uuid(aggregate_id.encode())) is not None
        ):
            add(
                sha256(
                    _LEAF
                    % (
                        *parts.groups(),
                        b64(payload, newline=False),
                        position,
                        encoded,
                        version,
                    )
                ).digest()
            )
        else:
            add(
                event_leaf_hash(
                    int(position),
                    str(aggregate_id),
                    int(version),
                    str(topic),
                    stored_bytes(payload),
                )
            )
    return hashes


def _general(position: int, uuid: str, version: int, topic: str, payload: str) -> bytes:
    return rfc8785.dumps(
        {
            "aggregate_id": uuid,
            "payload": payload,
            "position": position,
            "topic": topic,
            "version": version,
        }
    )


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || leaf)."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def event_leaf_hash(
    position: int, aggregate_id: UUID | str, version: int, topic: str, payload: bytes
) -> bytes:
    return leaf_hash(leaf_bytes(position, aggregate_id, version, topic, payload))


def checkpoint_statement(
    deployment: str, tree_size: int, root_hash: bytes, created_at: str, label: str
) -> bytes:
    """The canonical bytes a checkpoint's Ed25519 signature covers."""
    return rfc8785.dumps(
        {
            "created_at": created_at,
            "deployment": deployment,
            "label": label,
            "root_hash": root_hash.hex(),
            "tree_size": tree_size,
        }
    )


def stored_bytes(value: object) -> bytes:
    """A binary column as read back. SQLite keeps whatever type was written, so
    a row changed behind the recorder's back can hold text or a number where
    bytes belong: read it as the bytes it stands for, and let the hashes say
    that it changed, rather than fail to read it."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if value is None:
        return b""
    return str(value).encode("utf-8", "surrogatepass")
