"""A newly recorded event is stored as exactly the same bytes as before.

Every kind of event is recorded through the aggregates' command methods, with
fixed audit data and timestamps, and encoded by the application's mapper. The
topic and the JSON bytes are compared with golden values captured from the
code as it was before the event classes were declared explicitly
(``tests/fixtures/event_bytes_v1.jsonl``): the same keys, in the same order,
encoded the same way. A change here changes what the ledger hashes.

The golden file was written once, by hand, with ``python tests/test_event_bytes.py``
on the earlier code; regenerating it to make this test pass would hide the
break it exists to find.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import CanMutateAggregate
from eventsourcing.persistence import Mapper, StoredEvent
from make_topic_fixture import event_classes, topic_of

from registre.adapters.application import Registre
from registre.adapters.stores.config import parse_url
from registre.domain import (
    Action,
    ActionStatus,
    Audit,
    Ballot,
    CommandReceipt,
    Contribution,
    Decision,
    DecisionRule,
    Method,
    OrganisationType,
    Outcome,
    Participant,
    Programme,
    Proposal,
    Round,
    Session,
    SessionKind,
)
from registre.domain.proposal import cite, merge, split

LAYER = "unit"

GOLDEN = Path(__file__).parent / "fixtures" / "event_bytes_v1.jsonl"

RECORDED_AT = datetime(2022, 3, 4, 17, 0, 0, 123456, tzinfo=UTC)
EVENT_TIME = datetime(2022, 3, 4, 17, 5, 0, 0, tzinfo=UTC)


def _audit(n: int, *, on_behalf_of: str | None = None, source: str | None = None) -> Audit:
    return Audit(
        actor="clerk",
        occurred_at=datetime(2022, 3, 1, 9, 30, tzinfo=UTC),
        recorded_at=RECORDED_AT,
        command_id=f"cmd-{n:03d}",
        on_behalf_of=on_behalf_of,
        source=source,
    )


def record_every_kind_of_event() -> list[CanMutateAggregate[UUID]]:
    """Records at least one event of every class, through the command methods.

    The events are returned in a fixed order, each with a fixed timestamp."""
    n = iter(range(1, 1000))

    def audit(**kwargs: Any) -> Audit:
        return _audit(next(n), **kwargs)

    prog = Programme.open(
        "medvallee",
        "Fabrik MedVallée",
        "Montpellier Métropole",
        {"m": "Métropole", "e": "État"},
        DecisionRule.ANY,
        audit(source="minutes CR-1"),
    )
    prog.add_axis("health", "Santé", audit())
    prog.publish_plan("restitution intermédiaire", audit(on_behalf_of="m"))

    receipt = CommandReceipt(
        command_id="cmd-900",
        programme="medvallee",
        name="programme open",
        fingerprint="0" * 64,
        summary="opened programme medvallee",
        audit=audit(),
    )

    person = Participant.register(
        "medvallee", "p1", "Université", OrganisationType.UNIVERSITY, audit()
    )
    person.erase("RGPD", audit())

    session = Session.schedule(
        "medvallee",
        "W1",
        SessionKind.WORKSHOP,
        date(2022, 3, 1),
        "Atelier santé",
        ["health"],
        ["f1"],
        audit(source="sheet.xlsx:3"),
    )
    session.record_attendance(["p1", "p2"], audit())
    session.record_attendance(["p3"], audit())
    session.annul(3, "AttendanceRecorded", "wrong sheet", audit())

    c1 = Contribution.submit(
        "medvallee", "C-1", "W1", "health", ["p1", "p2"], "Un guichet", audit()
    )
    c1.amend("Un guichet unique", audit())
    c2 = Contribution.submit("medvallee", "C-2", "W1", None, ["p1"], "Une navette", audit())
    c2.withdraw("doublon", audit())

    p1 = Proposal.synthesise(prog, "P-1", "Guichet", "texte", "health", [cite(c1, 2)], audit())
    p1.reword("Guichet unique", None, audit())
    p2 = Proposal.synthesise(prog, "P-2", "Navette", "", None, [cite(c2, None)], audit())
    merge(prog, [p2], p1, "P-1", None, audit())
    p3 = Proposal.synthesise(prog, "P-3", "Large", "", "health", [cite(c1, 1)], audit())
    p5, p6 = split(prog, p3, [("P-5", "A"), ("P-6", "B")], audit())
    p1.validate("COPIL", "CR-2022-03", Outcome.VALIDATED, audit())
    p1.decide(prog, "m", Decision.APPROVE, "délibération", False, audit())
    p1.decide(prog, "m", Decision.REJECT, "revue", True, audit())

    round_ = Round.open("medvallee", "R1", "W1", Method.DOTS, 3, None, ["P-1", "P-5"], audit())
    ballot = Ballot.start(round_, "p1", audit())
    ballot.cast(round_, "P-1", 2, audit())
    ballot.cast(round_, "P-5", 1, audit())
    ballot.retract(round_, "P-5", audit())
    round_.close(audit())

    p6.validate("COPIL", "CR-2022-04", Outcome.VALIDATED, audit())
    p6.decide(prog, "e", Decision.APPROVE, "oui", False, audit())
    action = Action.assign(
        p6, "A-1", "Ouvrir", "Métropole", ["État", "État"], date(2023, 1, 31), audit()
    )
    action.report(ActionStatus.IN_PROGRESS, 30, "lancé", audit())
    a2 = Action.assign(p6, "A-2", "Suivre", "État", [], None, audit())
    # Added with the class (its golden line appended then): an organisation of one person.
    sole = Participant.register("medvallee", "p9", None, OrganisationType.SME, audit())
    # Added after the golden file was first written: their lines were appended.
    budget = Round.open(
        "medvallee",
        "PB",
        "W1",
        Method.APPROVAL,
        2,
        None,
        ["P-1", "P-5"],
        audit(),
        min_votes=1,
        budget=100,
        costs={"P-1": 60, "P-5": 50},
    )
    budget.close(audit())
    budget.select_funding({"P-1": (3, 3), "P-5": (2, 2)}, audit())

    # Facts a source attests (added after the golden file was first written).
    p7 = Proposal.synthesise(prog, "P-7", "Pistes", "", None, [cite(c1, 2)], audit())
    p7.attest_tally(128, "proposals.csv:2", audit(source="proposals.csv:2"))
    result = Action.record_result([p7], "R-1", "Réseau", "Ville", audit(source="results.csv:2"))

    events: list[CanMutateAggregate[UUID]] = []
    # A programme within a larger one, with a structure that nests.
    sud = Programme.open(
        "medvallee-sud",
        "Quartiers sud",
        "Montpellier Métropole",
        {"m": "Métropole"},
        DecisionRule.ANY,
        audit(),
        part_of="medvallee",
    )
    sud.add_axis("vivre", "Bien vivre", audit(), level="thème")
    sud.add_axis("soins", "Soins de proximité", audit(), parent="vivre", level="concept")

    for aggregate in (
        prog,
        receipt,
        person,
        session,
        c1,
        c2,
        p1,
        p2,
        p3,
        p5,
        p6,
        round_,
        ballot,
        action,
        a2,
        sole,
        budget,
        p7,
        result,
        sud,
    ):
        events.extend(aggregate.collect_events())
    # A founder's witness key (added after the golden file was first written:
    # its line was appended).
    prog.register_witness("m", "medvallee/m", "A" * 43 + "=", audit())
    events.extend(prog.collect_events())
    for i, e in enumerate(events):
        # The library stamps events with the clock; fix it (the key keeps its place).
        object.__setattr__(e, "timestamp", EVENT_TIME + timedelta(microseconds=i))
    return events


def golden_records() -> list[dict[str, Any]]:
    lines = GOLDEN.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def as_record(stored: StoredEvent) -> dict[str, Any]:
    return {
        "topic": stored.topic,
        "originator_version": stored.originator_version,
        "state": stored.state.decode("utf-8"),
    }


@pytest.fixture
def mapper(sqlite_url: str) -> Iterator[Mapper[Any]]:
    service = Registre.open(parse_url(sqlite_url))
    try:
        yield service.store.app.mapper
    finally:
        service.close()


def test_every_event_is_stored_as_the_same_bytes_as_before(mapper: Mapper[Any]) -> None:
    recorded = [as_record(mapper.to_stored_event(e)) for e in record_every_kind_of_event()]
    golden = golden_records()
    assert len(recorded) == len(golden)
    for now, before in zip(recorded, golden, strict=True):
        assert now["topic"] == before["topic"]
        assert now["originator_version"] == before["originator_version"]
        assert now["state"].encode("utf-8") == before["state"].encode("utf-8"), now["topic"]


def test_the_golden_events_decode_and_encode_to_the_same_bytes(mapper: Mapper[Any]) -> None:
    for record in golden_records():
        stored = StoredEvent(
            originator_id=Proposal.create_id("medvallee", "P-1"),
            originator_version=record["originator_version"],
            topic=record["topic"],
            state=record["state"].encode("utf-8"),
        )
        event = mapper.to_domain_event(stored)
        assert topic_of(type(event)) == record["topic"]
        assert mapper.to_stored_event(event).state == stored.state


def test_the_golden_events_cover_every_event_class() -> None:
    topics = {record["topic"] for record in golden_records()}
    assert {topic_of(cls) for cls in event_classes()} <= topics


def main() -> int:  # pragma: no cover - run by hand, once
    with Registre.open(parse_url(str(Path(sys.argv[1]) / "golden.db"))) as service:
        lines = [
            json.dumps(as_record(service.store.app.mapper.to_stored_event(e)), ensure_ascii=False)
            for e in record_every_kind_of_event()
        ]
    GOLDEN.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} golden events to {GOLDEN}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
