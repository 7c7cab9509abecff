"""A leaf's bytes are RFC 8785's, whichever way they are written."""

from __future__ import annotations

import base64
import uuid

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from registre.adapters.ledger.leaves import _general, event_leaf_hash, leaf_bytes, leaf_hashes

LAYER = "unit"

TOPICS = st.one_of(
    st.just("registre.domain.proposal:Proposal.FounderDecided"),
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x7F), max_size=40),
)
INTEGERS = st.one_of(
    st.integers(min_value=0, max_value=10**7),
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.sampled_from([2**53 - 1, -(2**53) + 1]),
)


def reference(
    position: int, aggregate_id: uuid.UUID, version: int, topic: str, payload: bytes
) -> bytes:
    return rfc8785.dumps(
        {
            "aggregate_id": str(aggregate_id),
            "payload": base64.b64encode(payload).decode("ascii"),
            "position": position,
            "topic": topic,
            "version": version,
        }
    )


@settings(max_examples=500, deadline=None)
@given(INTEGERS, st.uuids(), INTEGERS, TOPICS, st.binary(max_size=64))
def test_leaf_bytes_are_rfc8785s(
    position: int, aggregate_id: uuid.UUID, version: int, topic: str, payload: bytes
) -> None:
    expected = reference(position, aggregate_id, version, topic, payload)
    assert leaf_bytes(position, aggregate_id, version, topic, payload) == expected
    # Ids given as text, in any case, name the same aggregate.
    assert leaf_bytes(position, str(aggregate_id).upper(), version, topic, payload) == expected


def test_values_outside_the_short_path_take_the_general_encoder() -> None:
    some = uuid.UUID(int=7)
    for topic in ('a"b', "a\\b", "é", "tab\there", "\x7f"):
        assert leaf_bytes(1, some, 1, topic, b"x") == reference(1, some, 1, topic, b"x")
    assert _general(1, str(some), 1, "t", "eA==") == reference(1, some, 1, "t", b"x")


def test_integers_rfc8785_cannot_write_exactly_are_refused_as_before() -> None:
    with pytest.raises(rfc8785.IntegerDomainError):
        leaf_bytes(2**53, uuid.UUID(int=7), 1, "t", b"")


IDS = st.uuids().flatmap(
    lambda u: st.sampled_from([u.hex, str(u), u.hex.upper(), str(u).upper(), "{" + str(u) + "}"])
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(INTEGERS, IDS, INTEGERS, TOPICS, st.binary(max_size=64), st.booleans()),
        max_size=8,
    )
)
def test_a_page_of_rows_hashes_as_each_event_alone(
    rows: list[tuple[int, str, int, str, bytes, bool]],
) -> None:
    # The rows as the drivers hand them: ids as the stores keep them (hex on
    # SQLite, with hyphens from PostgreSQL) or altered, bytes or a view of them.
    given_rows = [
        (p, a, v, t, memoryview(b) if view else b, None, None) for p, a, v, t, b, view in rows
    ]
    expected = [event_leaf_hash(p, a, v, t, b) for p, a, v, t, b, _ in rows]
    assert leaf_hashes(given_rows, {}) == expected
    topics: dict[str, bytes] = {}
    assert leaf_hashes(given_rows, topics) == expected == leaf_hashes(given_rows, topics)


def test_values_a_store_should_not_hold_hash_as_their_text() -> None:
    # What a changed SQLite row can hold: text or a number where an integer or
    # bytes belong; each is hashed as ``event_leaf_hash`` is given it.
    some = uuid.UUID(int=7)
    rows: list[tuple[object, ...]] = [
        (3, some.hex, 2.0, "t", "text", None, None),
        (3, some.hex, 2, 5, b"x", None, None),
    ]
    assert leaf_hashes(rows, {}) == [
        event_leaf_hash(3, some.hex, 2, "t", b"text"),
        event_leaf_hash(3, some.hex, 2, "5", b"x"),
    ]
