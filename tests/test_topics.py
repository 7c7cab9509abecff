"""Stored events of an earlier version still load: every topic in the fixture
resolves to a class and decodes, and every event class has stored examples.

The fixture is regenerated only by hand: ``python tests/make_topic_fixture.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from make_topic_fixture import FIXTURE, event_classes, topic_of

from registre.adapters.application import Registre
from registre.adapters.stores.config import parse_url
from registre.domain import Audit

LAYER = "unit"


def fixture_records() -> list[dict[str, Any]]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def mapper_service(sqlite_url: str) -> Iterator[Registre]:
    service = Registre.open(parse_url(sqlite_url))
    try:
        yield service
    finally:
        service.close()


def test_every_stored_event_of_the_fixture_decodes(mapper_service: Registre) -> None:
    records = fixture_records()
    assert records
    for record in records:
        stored = StoredEvent(
            originator_id=uuid4(),
            originator_version=record["originator_version"],
            topic=record["topic"],
            state=record["state"].encode("utf-8"),
        )
        event = mapper_service.store.app.mapper.to_domain_event(stored)
        assert topic_of(type(event)) == record["topic"]
        assert event.originator_version == record["originator_version"]
        assert isinstance(getattr(event, "audit", None), Audit), record["topic"]


def test_every_event_class_of_the_domain_has_stored_examples() -> None:
    stored_topics = {record["topic"] for record in fixture_records()}
    missing = sorted({topic_of(cls) for cls in event_classes()} - stored_topics)
    assert missing == [], (
        "event classes with no stored example: record one in tests/make_topic_fixture.py "
        "and regenerate the fixture; a renamed class needs a topic alias instead"
    )


def test_the_domain_walk_finds_the_event_classes() -> None:
    # Guards the previous test against a walk that finds nothing.
    topics = {topic_of(cls) for cls in event_classes()}
    assert {
        "registre.domain.proposal:Proposal.Adopted",
        "registre.domain.voting:Ballot.VoteCast",
        "registre.domain.base:RegistreAggregate.RecordAnnulled",
        "registre.domain.receipt:CommandReceipt.Received",
    } <= topics
    assert "registre.domain.proposal:Proposal.Created" not in topics
