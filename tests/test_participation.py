"""The participation projection answers "who took part?" on the demonstration
programme, checked against counts made straight from the event log."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from service_support import ctx

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.demo.data import SLUG
from registre.adapters.stores.config import parse_url
from registre.projections import projector_for
from registre.projections.participation import ParticipationReport, read_participation

LAYER = "unit"


def _report(service: Registre) -> ParticipationReport:
    projector = projector_for(service.store)
    projector.catch_up(["participation"])
    with projector.reading("participation") as db:
        report = read_participation(db, SLUG)
    assert report is not None
    return report


class FromTheLog:
    """Participation counted from the events themselves, without the projection."""

    def __init__(self, service: Registre) -> None:
        self.types: dict[str, str] = {}
        self.session_axes: dict[str, list[str]] = {}
        self.attended: dict[str, set[str]] = defaultdict(set)
        self.contributions: dict[str, tuple[str | None, list[str]]] = {}
        self.sources: dict[str, set[str]] = defaultdict(set)
        self.parents: dict[str, set[str]] = defaultdict(set)
        keys: dict[Any, str] = {}
        for _, e in service.notifications():
            kind = type(e).__qualname__
            if e.originator_version == 1 and hasattr(e, "key"):
                keys[e.originator_id] = e.key
            if kind == "RegistreAggregate.RecordAnnulled":
                raise AssertionError("the demonstration annuls nothing these counts ignore")
            if kind == "Participant.Registered":
                self.types[e.key] = e.organisation_type
            elif kind == "Session.Scheduled":
                self.session_axes[e.key] = e.axes
            elif kind == "Session.AttendanceRecorded":
                self.attended[keys[e.originator_id]] |= set(e.participants)
            elif kind == "Contribution.Submitted":
                self.contributions[e.key] = (e.axis, e.authors)
            elif kind == "Proposal.Synthesised":
                self.sources[e.key] |= {s["contribution"] for s in e.sources}
                self.parents[e.key] |= set(e.parents)
            elif kind == "Proposal.Absorbed":
                self.parents[keys[e.originator_id]] |= set(e.sources)

    def kinds(self, keys: set[str]) -> dict[str, int]:
        return dict(sorted(Counter(self.types[k] for k in keys).items()))

    def fed_by(self, proposal: str) -> set[str]:
        found = set(self.sources[proposal])
        for parent in self.parents[proposal]:
            found |= self.fed_by(parent)
        return found

    def org_kinds(self, contributions: set[str]) -> list[str]:
        return sorted({self.types[a] for c in contributions for a in self.contributions[c][1]})


@pytest.fixture
def demo(demo_url: str) -> Iterator[Registre]:
    """A copy of its own of the demo (recorded once per run, see conftest)."""
    with Registre.open(parse_url(demo_url)) as service:
        yield service


def test_counts_by_type_session_and_axis_match_the_log(demo: Registre) -> None:
    log = FromTheLog(demo)
    report = _report(demo)
    assert report.participants == len(log.types) == 48
    assert {t.org_type: t.registered for t in report.by_type} == log.kinds(set(log.types))
    assert len(report.by_type) == 9  # the texts stress mixing kinds of organisation
    authors = {a for _, people in log.contributions.values() for a in people}
    active = set().union(*log.attended.values()) | authors
    assert {t.org_type: t.took_part for t in report.by_type} == log.kinds(active)
    assert {s.session: s.attendees for s in report.sessions} == {
        s: len(log.attended[s]) for s in log.session_axes
    }
    assert {s.session: s.by_type for s in report.sessions} == {
        s: log.kinds(log.attended[s]) for s in log.session_axes
    }
    by_axis: dict[str, set[str]] = defaultdict(set)
    for session, axes in log.session_axes.items():
        for axis in axes:
            by_axis[axis] |= log.attended[session]
    for contribution_axis, people in log.contributions.values():
        if contribution_axis:
            by_axis[contribution_axis] |= set(people)
    assert {a.axis: a.participants for a in report.axes} == {a: len(k) for a, k in by_axis.items()}
    assert {a.axis: a.by_type for a in report.axes} == {a: log.kinds(k) for a, k in by_axis.items()}


def test_each_proposal_counts_the_kinds_of_organisation_behind_it(demo: Registre) -> None:
    log = FromTheLog(demo)
    report = _report(demo)
    assert {p.proposal for p in report.proposals} == set(log.sources)
    for p in report.proposals:
        assert set(p.contributions) == log.fed_by(p.proposal)
        assert p.direct_types == log.org_kinds(log.sources[p.proposal])
        assert p.types == log.org_kinds(log.fed_by(p.proposal))
        assert p.kinds == len(p.types)
    # The demo merges P-07 into P-06: P-06 inherits its large company.
    p06 = next(p for p in report.proposals if p.proposal == "P-06")
    assert "large-company" in set(p06.types) - set(p06.direct_types)


def test_an_erased_participant_keeps_counting(demo: Registre) -> None:
    before = _report(demo)
    demo.handle(c.EraseParticipant(programme=SLUG, key="P-09", reason="RGPD"), ctx())
    after = _report(demo)
    erased = {t.org_type: t.erased for t in after.by_type}
    assert erased["start-up"] == 1 and sum(erased.values()) == 1
    assert [(t.org_type, t.registered, t.took_part) for t in after.by_type] == [
        (t.org_type, t.registered, t.took_part) for t in before.by_type
    ]
    assert (after.sessions, after.axes, after.proposals) == (
        before.sessions,
        before.axes,
        before.proposals,
    )


def test_an_annulled_attendance_sheet_no_longer_counts(demo: Registre) -> None:
    sheet = next(
        (position, e)
        for position, e in demo.notifications()
        if type(e).__qualname__ == "Session.AttendanceRecorded"
    )
    position, event = sheet
    before = {s.session: s.attendees for s in _report(demo).sessions}
    demo.handle(
        c.CorrectRecord(programme=SLUG, position=position, reason="mauvaise feuille"), ctx()
    )
    after = {s.session: s.attendees for s in _report(demo).sessions}
    changed = {s for s in before if before[s] != after[s]}
    assert len(changed) == 1
    (session,) = changed
    assert before[session] - after[session] == len(event.participants)
