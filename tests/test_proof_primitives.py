"""The pieces the published proofs rest on, against references Registre did
not write or already trusts: the publisher's proofs against ``merkle``'s, the
stand-alone verifier's Ed25519 (RFC 8032's reference code) against
``cryptography``, and the readable-copy check."""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registre.adapters.ledger import merkle, standalone
from registre.adapters.ledger.keyring import public_key_bytes
from registre.adapters.ledger.proofs import Tree

LAYER = "unit"


def leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(n)]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 64, 77])
def test_the_publisher_proves_what_rfc_9162_proves(n: int) -> None:
    hashes = leaves(n)
    tree = Tree(hashes)
    assert tree.root() == merkle.root(hashes)
    for i in range(n):
        path = tree.inclusion(i)
        assert path == merkle.inclusion_proof(hashes, i)
        assert standalone.verify_inclusion(hashes[i], i, n, path, tree.root())
    for old in range(n + 1):
        proof = tree.consistency(old)
        assert proof == merkle.consistency_proof(hashes, old)
        assert standalone.verify_consistency(old, n, tree.root(old), tree.root(), proof) == (
            old > 0 or not proof
        )
    assert standalone.merkle_root(hashes) == tree.root()


def test_a_wrong_path_or_root_does_not_verify() -> None:
    hashes = leaves(21)
    tree = Tree(hashes)
    path = tree.inclusion(9)
    bent = [path[0][:-1] + bytes([path[0][-1] ^ 1]), *path[1:]]
    assert not standalone.verify_inclusion(hashes[9], 9, 21, bent, tree.root())
    assert not standalone.verify_inclusion(hashes[9], 10, 21, path, tree.root())
    proof = tree.consistency(6)
    assert not standalone.verify_consistency(6, 21, tree.root(7), tree.root(), proof)


def test_the_stand_alone_ed25519_agrees_with_cryptography() -> None:
    for seed in range(8):
        key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(bytes([seed])).digest())
        public = public_key_bytes(key)
        message = f"registre/demo\n{seed}\n".encode() * (seed + 1)
        signature = key.sign(message)
        assert standalone.ed25519_valid(public, message, signature)
        assert not standalone.ed25519_valid(public, message + b"x", signature)
        flipped = bytes([signature[0] ^ 1]) + signature[1:]
        assert not standalone.ed25519_valid(public, message, flipped)
        other = public_key_bytes(Ed25519PrivateKey.generate())
        assert not standalone.ed25519_valid(other, message, signature)
    # S at or above the group order is refused (RFC 8032, 5.1.7).
    big = signature[:32] + (2**253).to_bytes(32, "little")
    assert not standalone.ed25519_valid(public, message, big)


def test_a_readable_copy_is_the_payload_decoded_and_nothing_else() -> None:
    payload = json.dumps({"slug": "labo", "count": 1, "ok": True}).encode()
    assert standalone.readable_difference({"ok": True, "count": 1, "slug": "labo"}, payload) is None
    assert standalone.readable_difference({"ok": True, "count": 1, "slug": "x"}, payload) == [
        "slug"
    ]
    # true and 1, 1 and 1.0 are equal in Python, not in the record.
    assert standalone.readable_difference({"ok": 1, "count": 1, "slug": "labo"}, payload) == ["ok"]
    assert standalone.readable_difference({"ok": True, "count": 1.0, "slug": "labo"}, payload) == [
        "count"
    ]
    assert standalone.readable_difference({"ok": True, "count": 1}, payload) == ["slug"]
    assert standalone.readable_difference(None, b"\xff not json") is None
    assert standalone.readable_difference("text", payload) == []
