"""Records a representative programme and writes its stored events as the
topic fixture, ``tests/fixtures/stored_events_v1.jsonl``.

Run it deliberately, from the repository root, when a new event class is
added (after giving renamed classes a topic alias):

    python tests/make_topic_fixture.py

The fixture is stored data from an earlier version: regenerating it to make
``test_topics`` pass after a rename would hide the break it exists to find.
"""

from __future__ import annotations

import json
import sys
import tempfile
from datetime import date
from pathlib import Path

from eventsourcing.domain import Aggregate

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.stores.config import parse_url
from registre.domain import (
    ActionStatus,
    Decision,
    DecisionRule,
    Method,
    OrganisationType,
    Outcome,
    RegistreAggregate,
    SessionKind,
)

FIXTURE = Path(__file__).parent / "fixtures" / "stored_events_v1.jsonl"


def aggregate_classes() -> list[type[RegistreAggregate]]:
    found: list[type[RegistreAggregate]] = []
    pending: list[type[RegistreAggregate]] = [RegistreAggregate]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def event_classes() -> set[type[Aggregate.Event]]:
    """Every event class the domain can store, found on the aggregates.

    The library gives each subclass its own copy of its bases' event classes
    (``Proposal.Created``, ``Proposal.RecordAnnulled``); events are stored under
    the class their method was declared with, so such copies are skipped.
    """
    classes: set[type[Aggregate.Event]] = set()
    for cls in aggregate_classes():
        for name, value in vars(cls).items():
            if not (isinstance(value, type) and issubclass(value, Aggregate.Event)):
                continue
            if value.__module__ != cls.__module__ or not value.__qualname__.startswith(
                cls.__qualname__ + "."
            ):
                continue
            inherited = [getattr(base, name, None) for base in cls.__mro__[1:]]
            if any(isinstance(b, type) and issubclass(value, b) for b in inherited):
                continue
            classes.add(value)
    return classes


def topic_of(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _ctx(command_id: str) -> c.Context:
    return c.Context(actor="greffier", command_id=command_id, source="fixture")


def record_programme(service: Registre) -> None:
    """A small programme touching every kind of record."""
    slug = "medvallee"
    n = iter(range(1, 1000))

    def ctx() -> c.Context:
        return _ctx(f"cmd-{next(n):03d}")

    s = service
    s.handle(
        c.OpenProgramme(
            programme=slug,
            title="Fabrik MedVallée",
            organiser="Montpellier Métropole",
            founders={"m": "Métropole", "e": "État"},
            rule=DecisionRule.ANY,
        ),
        ctx(),
    )
    s.handle(c.AddAxis(programme=slug, key="health", title="Santé"), ctx())
    s.handle(
        c.ScheduleSession(programme=slug, key="W1", kind=SessionKind.WORKSHOP, on=date(2022, 3, 1)),
        ctx(),
    )
    for key in ("p1", "p2"):
        s.handle(
            c.RegisterParticipant(
                programme=slug,
                key=key,
                name=f"Personne {key}",
                organisation="Université",
                organisation_type=OrganisationType.UNIVERSITY,
            ),
            ctx(),
        )
    s.handle(c.RecordAttendance(programme=slug, session="W1", participants=["p1"]), ctx())
    for key in ("C-1", "C-2", "C-3"):
        s.handle(
            c.SubmitContribution(
                programme=slug, key=key, session="W1", axis="health", authors=["p1"], text=key
            ),
            ctx(),
        )
    s.handle(c.AmendContribution(programme=slug, key="C-1", text="C-1 bis"), ctx())
    s.handle(c.WithdrawContribution(programme=slug, key="C-3", reason="doublon"), ctx())
    for key, source in (("P-1", "C-1@2"), ("P-2", "C-2"), ("P-3", "C-3"), ("P-4", "C-2")):
        s.handle(
            c.SynthesiseProposal(
                programme=slug, key=key, title=key, sources=[c.SourceRef.parse(source)]
            ),
            ctx(),
        )
    s.handle(c.RewordProposal(programme=slug, key="P-1", title="Guichet unique"), ctx())
    s.handle(c.MergeProposals(programme=slug, target="P-1", sources=["P-2"]), ctx())
    s.handle(c.SplitProposal(programme=slug, key="P-3", parts=[("P-5", "A"), ("P-6", "B")]), ctx())
    s.handle(
        c.OpenRound(
            programme=slug,
            key="R1",
            session="W1",
            method=Method.DOTS,
            limit=3,
            proposals=["P-1", "P-4"],
        ),
        ctx(),
    )
    vote = s.handle(
        c.CastVote(programme=slug, round="R1", participant="p1", proposal="P-1", value="2"),
        ctx(),
    )
    s.handle(c.CastVote(programme=slug, round="R1", participant="p1", proposal="P-4"), ctx())
    s.handle(c.RetractVote(programme=slug, round="R1", participant="p1", proposal="P-4"), ctx())
    s.handle(c.CloseRound(programme=slug, key="R1"), ctx())
    cast = next(r.position for r in vote.recorded if r.kind.endswith("VoteCast"))
    s.handle(c.CorrectRecord(programme=slug, position=cast, reason="wrong sheet"), ctx())
    s.handle(
        c.ValidateProposal(
            programme=slug, proposal="P-1", body="COPIL", minutes="CR-1", outcome=Outcome.VALIDATED
        ),
        ctx(),
    )
    for decision, revise in (
        (Decision.APPROVE, False),
        (Decision.AMEND, True),
        (Decision.APPROVE, True),
    ):
        s.handle(
            c.DecideOnPriority(
                programme=slug,
                proposal="P-1",
                founder="m",
                decision=decision,
                rationale="délibération",
                revise=revise,
            ),
            ctx(),
        )
    s.handle(
        c.AssignAction(programme=slug, key="A-1", priority="P-1", title="Ouvrir", lead="Métropole"),
        ctx(),
    )
    s.handle(
        c.ReportProgress(programme=slug, key="A-1", status=ActionStatus.IN_PROGRESS, percent=30),
        ctx(),
    )
    s.handle(c.PublishPlan(programme=slug, label="restitution intermédiaire"), ctx())
    s.handle(c.EraseParticipant(programme=slug, key="p2", reason="RGPD"), ctx())
    # Recorded after the lines above were stored; the fixture gained their lines then.
    s.handle(
        c.RegisterParticipant(
            programme=slug,
            key="p3",
            name="Personne p3",
            organisation="Atelier p3",
            organisation_type=OrganisationType.SME,
            organisation_is_person=True,
        ),
        ctx(),
    )
    s.handle(c.AttestTally(programme=slug, proposal="P-1", count=12, source="p.csv:2"), ctx())
    s.handle(
        c.RecordResult(programme=slug, key="R-1", proposals=["P-1"], title="Fait", lead="Ville"),
        ctx(),
    )
    # A structure that nests, and a programme within a larger one.
    s.handle(
        c.AddAxis(programme=slug, key="soins", title="Soins", parent="health", level="concept"),
        ctx(),
    )
    s.handle(
        c.OpenProgramme(
            programme="medvallee-sud",
            title="Fabrik MedVallée, quartiers sud",
            organiser="Montpellier Métropole",
            founders={"m": "Métropole"},
            rule=DecisionRule.ANY,
            part_of=slug,
        ),
        ctx(),
    )
    s.handle(
        c.RegisterWitness(
            programme=slug, founder="m", name="medvallee/m", public_key="A" * 43 + "="
        ),
        ctx(),
    )


def stored_lines(service: Registre) -> list[str]:
    lines = []
    for n in service.store.app.recorder.select_notifications(start=1, limit=10_000):
        record = {
            "topic": n.topic,
            "originator_version": n.originator_version,
            "state": n.state.decode("utf-8"),
        }
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
    return lines


def main() -> int:
    with (
        tempfile.TemporaryDirectory() as folder,
        Registre.open(parse_url(str(Path(folder) / "fixture.db"))) as service,
    ):
        record_programme(service)
        lines = stored_lines(service)
    missing = {topic_of(cls) for cls in event_classes()} - {
        json.loads(line)["topic"] for line in lines
    }
    if missing:
        print(f"the programme records no event of: {', '.join(sorted(missing))}", file=sys.stderr)
        return 1
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} stored events to {FIXTURE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
