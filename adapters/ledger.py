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
import hashlib
from uuid import UUID

import rfc8785

LEDGER_TABLE = "registre_ledger"


def leaf_bytes(
    position: int, aggregate_id: UUID | str, version: int, topic: str, payload: bytes
) -> bytes:
    """The canonical bytes of one stored event."""
    return rfc8785.dumps(
        {
            "aggregate_id": str(UUID(str(aggregate_id))),
            "payload": base64.b64encode(payload).decode("ascii"),
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
