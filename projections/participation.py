"""Who took part: by organisation type, by session, by axis; and how many kinds
of organisation fed each proposal.

Participants are counted by key and organisation type, which is all the
events hold: an erased participant keeps counting, since erasure removes a
name kept beside the log, not the fact that someone took part. A record that
was annulled counts for nothing: a registration, session or contribution
annulled as a whole, or an attendance listing annulled by its version.

A proposal is fed by the contributions it cites and, when it was created by
a merge or a split or absorbed other proposals, by those of its parents,
transitively.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import singledispatchmethod
from typing import Any, ClassVar

from registre.domain import Contribution, Participant, Proposal, RegistreAggregate, Session
from registre.domain.reading import (
    ContributionFact,
    ParticipantFact,
    fed_by,
    organisation_types,
)
from registre.domain.structure import Structure
from registre.projections.dispatch import call
from registre.projections.runner import Db, Projection

# Aggregates whose creation can be annulled as a whole, each in its own table.
_VOIDABLE = {
    "participant": "participants",
    "session": "sessions",
    "contribution": "contributions",
    "proposal": "proposals",
}


class Participation(Projection):
    name = "participation"
    tables: ClassVar[dict[str, str]] = {
        "participants": "programme TEXT NOT NULL, key TEXT NOT NULL, org_type TEXT NOT NULL, "
        "erased INTEGER NOT NULL, void INTEGER NOT NULL, PRIMARY KEY (programme, key)",
        "sessions": "programme TEXT NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, "
        "held_on TEXT NOT NULL, title TEXT NOT NULL, axes TEXT NOT NULL, "
        "position BIGINT NOT NULL, void INTEGER NOT NULL, PRIMARY KEY (programme, key)",
        "attendance": "programme TEXT NOT NULL, session TEXT NOT NULL, "
        "participant TEXT NOT NULL, record INTEGER NOT NULL, annulled INTEGER NOT NULL, "
        "PRIMARY KEY (programme, session, participant, record)",
        "contributions": "programme TEXT NOT NULL, key TEXT NOT NULL, session TEXT NOT NULL, "
        "axis TEXT, void INTEGER NOT NULL, PRIMARY KEY (programme, key)",
        "authors": "programme TEXT NOT NULL, contribution TEXT NOT NULL, "
        "participant TEXT NOT NULL, PRIMARY KEY (programme, contribution, participant)",
        "proposals": "programme TEXT NOT NULL, key TEXT NOT NULL, title TEXT NOT NULL, "
        "position BIGINT NOT NULL, void INTEGER NOT NULL, PRIMARY KEY (programme, key)",
        # link is 'source' (a cited contribution) or 'parent' (a merged or split proposal)
        "lineage": "programme TEXT NOT NULL, proposal TEXT NOT NULL, link TEXT NOT NULL, "
        "other TEXT NOT NULL, PRIMARY KEY (programme, proposal, link, other)",
    }

    # 2: subjects read from the table the projections share.
    version = 2
    uses_subjects = True

    def apply(self, db: Db, position: int, event: Any) -> None:
        call(vars(Participation)["_on"], self, event, db, position)

    @singledispatchmethod
    def _on(self, e: object, db: Db, pos: int) -> None:
        """Any other event: it says nothing of who took part."""

    @_on.register
    def _participant_registered(self, e: Participant.Registered, db: Db, pos: int) -> None:
        _registered(db, e.programme, e.key, e.organisation_type)

    @_on.register
    def _participant_registered_withheld(
        self, e: Participant.RegisteredOrganisationWithheld, db: Db, pos: int
    ) -> None:
        _registered(db, e.programme, e.key, e.organisation_type)

    @_on.register
    def _participant_erased(self, e: Participant.PersonalDataErased, db: Db, pos: int) -> None:
        p, key = self._subject(db, e)
        _change(db, "participants", p, key, "erased")

    @_on.register
    def _session_scheduled(self, e: Session.Scheduled, db: Db, pos: int) -> None:
        row = {
            "programme": e.programme,
            "key": e.key,
            "kind": e.kind,
            "held_on": e.on,
            "title": e.title,
            "axes": json.dumps(e.axes),
            "position": pos,
            "void": 0,
        }
        db.add("sessions", row, (e.programme, e.key))

    @_on.register
    def _attendance_recorded(self, e: Session.AttendanceRecorded, db: Db, pos: int) -> None:
        p, key = self._subject(db, e)
        for participant in e.participants:
            row = {
                "programme": p,
                "session": key,
                "participant": participant,
                "record": e.originator_version,
                "annulled": 0,
            }
            db.add("attendance", row, None, (p, key, e.originator_version))

    @_on.register
    def _contribution_submitted(self, e: Contribution.Submitted, db: Db, pos: int) -> None:
        row = {"programme": e.programme, "key": e.key, "session": e.session, "axis": e.axis}
        db.add("contributions", row | {"void": 0}, (e.programme, e.key))
        for author in e.authors:
            db.add(
                "authors", {"programme": e.programme, "contribution": e.key, "participant": author}
            )

    @_on.register
    def _proposal_synthesised(self, e: Proposal.Synthesised, db: Db, pos: int) -> None:
        row = {"programme": e.programme, "key": e.key, "title": e.title, "position": pos}
        db.add("proposals", row | {"void": 0}, (e.programme, e.key))
        # The version cited does not change who wrote it: one link per contribution.
        links = {("source", s["contribution"]) for s in e.sources}
        links |= {("parent", parent) for parent in e.parents}
        self._link(db, e.programme, e.key, links)

    @_on.register
    def _proposal_absorbed(self, e: Proposal.Absorbed, db: Db, pos: int) -> None:
        p, key = self._subject(db, e)
        self._link(db, p, key, {("parent", s) for s in e.sources})

    def _link(self, db: Db, p: str, key: str, links: set[tuple[str, str]]) -> None:
        for link, other in sorted(links):
            db.add("lineage", {"programme": p, "proposal": key, "link": link, "other": other})

    @_on.register
    def _annulled(self, e: RegistreAggregate.RecordAnnulled, db: Db, pos: int) -> None:
        subject = self.subject(db, e)
        if subject is None or subject.kind not in _VOIDABLE:
            return
        p, owner, key, target = subject.programme, subject.kind, subject.key, e.target_version
        if target == 1:
            _change(db, _VOIDABLE[owner], p, key, "void")
        elif owner == "session":
            for row in db.added("attendance", (p, key, target)):
                row["annulled"] = 1
            db.later(
                "UPDATE {attendance} SET annulled = 1 "
                "WHERE programme = ? AND session = ? AND record = ?",
                (p, key, target),
            )

    def _subject(self, db: Db, e: RegistreAggregate.Event) -> tuple[str, str]:
        subject = self.subject(db, e)
        assert subject is not None  # sessions and participants are always remembered
        return subject.programme, subject.key


def _registered(db: Db, p: str, key: str, organisation_type: str) -> None:
    row = {"programme": p, "key": key, "org_type": organisation_type, "erased": 0, "void": 0}
    db.add("participants", row, (p, key))


def _change(db: Db, table: str, p: str, key: str, flag: str) -> None:
    """Sets a flag (``void``, ``erased``) on the row of a key, held by the page or stored."""
    held = db.held(table, (p, key))
    if held is not None:
        held[flag] = 1
    else:
        db.later(f"UPDATE {{{table}}} SET {flag} = 1 WHERE programme = ? AND key = ?", (p, key))


# -- reading ------------------------------------------------------------------------


@dataclass
class TypeCount:
    org_type: str
    registered: int  # participants registered with this type (erased ones included)
    took_part: int  # of those, how many attended a session or authored a contribution
    erased: int


@dataclass
class SessionAttendance:
    session: str
    title: str
    kind: str
    held_on: str
    axes: list[str]
    attendees: int
    by_type: dict[str, int]


@dataclass
class AxisParticipation:
    axis: str
    participants: int  # contributed under the axis or attended one of its sessions
    by_type: dict[str, int]


@dataclass
class PartParticipation:
    """One part of a structure that nests, with what happened under it."""

    axis: str
    title: str
    level: str
    depth: int
    path: str  # "Thème > Axe > Concept"
    participants: int  # contributed under it or a part below it, or attended their sessions
    by_type: dict[str, int]
    sessions: list[str]  # the sessions dedicated to this part itself
    contributions: int  # under it or a part below it


@dataclass
class ProposalDiversity:
    proposal: str
    title: str
    contributions: list[str]  # cited directly or through its parents
    direct_types: list[str]  # organisation types of the authors it cites itself
    types: list[str]  # including those inherited through merges and splits

    @property
    def kinds(self) -> int:
        return len(self.types)


@dataclass
class ParticipationReport:
    programme: str
    participants: int
    by_type: list[TypeCount]
    sessions: list[SessionAttendance]
    axes: list[AxisParticipation]
    proposals: list[ProposalDiversity] = field(default_factory=list)
    # With the programme's structure: each part, from the top down, and the
    # number of parts at each level.
    parts: list[PartParticipation] = field(default_factory=list)
    levels: list[tuple[str, int]] = field(default_factory=list)


def _by_type(keys: set[str], types: dict[str, str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for k in keys:
        counts[types[k]] += 1
    return dict(sorted(counts.items()))


def read_participation(
    db: Db, programme: str, structure: Structure | None = None
) -> ParticipationReport | None:
    """Participation in a programme, or None if it has no participant, session
    or proposal on record; with the programme's ``structure`` (the plan's),
    each part's participation, counting what happened under the parts below it."""
    p = (programme,)
    people = db.rows(
        "SELECT key, org_type, erased FROM {participants} WHERE programme = ? AND void = 0", p
    )
    types = {r["key"]: r["org_type"] for r in people}
    sessions = db.rows(
        "SELECT key, title, kind, held_on, axes FROM {sessions} "
        "WHERE programme = ? AND void = 0 ORDER BY held_on, position",
        p,
    )
    proposals = db.rows(
        "SELECT key, title FROM {proposals} WHERE programme = ? AND void = 0 ORDER BY position", p
    )
    if not (people or sessions or proposals):
        return None
    attended: dict[str, set[str]] = defaultdict(set)
    for r in db.rows(
        "SELECT session, participant FROM {attendance} WHERE programme = ? AND annulled = 0", p
    ):
        if r["participant"] in types:
            attended[r["session"]].add(r["participant"])
    contributions = {
        r["key"]: r["axis"]
        for r in db.rows(
            "SELECT key, axis FROM {contributions} WHERE programme = ? AND void = 0", p
        )
    }
    authors: dict[str, set[str]] = defaultdict(set)
    for r in db.rows("SELECT contribution, participant FROM {authors} WHERE programme = ?", p):
        if r["contribution"] in contributions and r["participant"] in types:
            authors[r["contribution"]].add(r["participant"])

    by_axis: dict[str, set[str]] = defaultdict(set)
    session_rows = []
    for s in sessions:
        axes = json.loads(s["axes"])
        present = attended.get(s["key"], set())
        for axis in axes:
            by_axis[axis] |= present
        session_rows.append(
            SessionAttendance(
                s["key"],
                s["title"],
                s["kind"],
                s["held_on"],
                axes,
                len(present),
                _by_type(present, types),
            )
        )
    for contribution, axis in contributions.items():
        if axis is not None:
            by_axis[axis] |= authors.get(contribution, set())

    active = set().union(*attended.values(), *authors.values())
    by_type = [
        TypeCount(
            t,
            sum(1 for r in people if r["org_type"] == t),
            sum(1 for k in active if types[k] == t),
            sum(1 for r in people if r["org_type"] == t and r["erased"]),
        )
        for t in sorted(set(types.values()))
    ]
    report = ParticipationReport(
        programme,
        len(people),
        by_type,
        session_rows,
        [AxisParticipation(a, len(ks), _by_type(ks, types)) for a, ks in sorted(by_axis.items())],
        _diversity(db, programme, proposals, contributions, authors, types),
    )
    if structure is not None and len(structure):
        report.levels = structure.levels()
        report.parts = _parts(structure, by_axis, session_rows, contributions, types)
    return report


def _parts(
    structure: Structure,
    by_axis: dict[str, set[str]],
    sessions: list[SessionAttendance],
    contributions: dict[str, str | None],
    types: dict[str, str],
) -> list[PartParticipation]:
    dedicated: dict[str, list[str]] = defaultdict(list)
    for s in sessions:
        for axis in s.axes:
            dedicated[axis].append(s.session)
    contributed: dict[str, int] = defaultdict(int)
    for cited in contributions.values():
        if cited is not None:
            contributed[cited] += 1
    result = []
    for part, depth in structure.walk():
        keys = [part.key, *structure.under(part.key)]
        people: set[str] = set().union(*(by_axis.get(k, set()) for k in keys))
        result.append(
            PartParticipation(
                part.key,
                part.title,
                part.level,
                depth,
                structure.path_title(part.key),
                len(people),
                _by_type(people, types),
                dedicated.get(part.key, []),
                sum(contributed.get(k, 0) for k in keys),
            )
        )
    return result


def _diversity(
    db: Db,
    programme: str,
    proposals: list[dict[str, Any]],
    contributions: dict[str, str | None],
    authors: dict[str, set[str]],
    types: dict[str, str],
) -> list[ProposalDiversity]:
    sources: dict[str, set[str]] = defaultdict(set)
    parents: dict[str, set[str]] = defaultdict(set)
    for r in db.rows(
        "SELECT proposal, link, other FROM {lineage} WHERE programme = ?", (programme,)
    ):
        (sources if r["link"] == "source" else parents)[r["proposal"]].add(r["other"])

    facts = {c: ContributionFact(c, tuple(sorted(authors.get(c, set())))) for c in contributions}
    people = {k: ParticipantFact(k, t) for k, t in types.items()}

    def kinds(contribs: set[str]) -> list[str]:
        return list(organisation_types([facts[c] for c in sorted(contribs)], people))

    result = []
    for p in proposals:
        direct = {c for c in sources.get(p["key"], set()) if c in contributions}
        every = {c for c in fed_by(p["key"], sources, parents) if c in contributions}
        result.append(
            ProposalDiversity(p["key"], p["title"], sorted(every), kinds(direct), kinds(every))
        )
    return result
