"""The trace of one proposal, read from the provenance projection's views.

The lineage is walked from the edges: back to the contributions (and their
versions) the proposal came from, forward to what it was merged or split
into, to the rounds it was voted in and to the actions of the priority.
Which votes count is decided here, because it depends on later events: a
replacement, a retraction, an annulment, the close of the round.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from registre.domain.reading import (
    BallotRecord,
    ContributionFact,
    DecisionFact,
    ParticipantFact,
    ProposalReading,
    ValidationFact,
    count_votes,
    live,
    organisation_types,
    read_proposal,
    vote_statuses,
)
from registre.domain.structure import Structure
from registre.projections.runner import Db

LINEAGE = ("cites", "merged-into", "split-into")


@dataclass(frozen=True)
class Step:
    position: int
    subject_kind: str
    subject: str
    version: int
    kind: str
    actor: str
    on_behalf_of: str | None
    occurred_at: str
    recorded_at: str
    source: str | None
    detail: dict[str, Any]
    annulled: str | None  # the reason, when a correction annulled this step
    annulled_by: int | None  # the correction's position


@dataclass(frozen=True)
class Edge:
    position: int
    from_kind: str
    from_key: str
    from_version: int | None
    to_kind: str
    to_key: str
    relation: str


@dataclass(frozen=True)
class Vote:
    round: str
    participant: str
    proposal: str
    value: int
    status: str  # counted, replaced, retracted, annulled or late
    step: Step
    retracted_by: int | None


@dataclass(frozen=True)
class Tally:
    round: str
    method: str
    proposal: str
    closed_at: int | None  # position of the round's close; None while it is open
    counted: int
    total: int
    voters: int
    by_value: dict[str, int]  # agree rounds: how many agreed, disagreed, passed
    late: int


@dataclass(frozen=True)
class Contribution:
    key: str
    session: str | None
    axis: str | None
    authors: list[str]
    versions: dict[int, int]  # text version -> position of its record
    annulled_versions: list[int]
    withdrawn: str | None  # the reason, while the withdrawal stands
    void: bool


@dataclass(frozen=True)
class Author:
    key: str
    organisation: str | None  # None once the participant's data was erased
    organisation_type: str
    erased: bool


@dataclass
class Trace:
    programme: str
    proposal: str
    title: str
    adopted: bool
    proposals: list[str]  # the lineage: ancestors, the proposal, what it became
    actions: list[str]
    steps: list[Step]
    edges: list[Edge]
    contributions: list[Contribution]
    tallies: list[Tally]
    votes: list[Vote]
    authors: list[Author]
    organisation_types: dict[str, list[str]] = field(default_factory=dict)
    # Where it stands, read by the rules every view uses (registre.domain.reading).
    state: str = "draft"
    validation: dict[str, Any] | None = None  # the standing one: record, body, minutes, outcome
    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)  # founder -> standing
    rejected_by: list[str] = field(default_factory=list)  # founders barring its adoption
    adopted_on: str | None = None  # when the decision that met the rule happened
    # The part of the programme's structure it sits under, and that part's path
    # from the top (key, title, level of each part), when the structure is known.
    axis: str | None = None
    axis_path: list[dict[str, str]] = field(default_factory=list)


def _steps(db: Db, where: str, params: tuple[Any, ...]) -> list[Step]:
    # Sorted after the search (``+position``): the audit log's records are also
    # indexed by (programme, position), for the history, and SQLite would
    # otherwise walk every record of the programme in that order to skip a sort.
    rows = db.rows(f"SELECT {STEP_COLUMNS} FROM {{steps}} WHERE {where} ORDER BY +position", params)
    return [_step(r) for r in rows]


# Columns of a step, as ``Step`` takes them.
STEP_COLUMNS = (
    "position, subject_kind, subject, version, kind, actor, on_behalf_of, "
    "occurred_at, recorded_at, source, detail, annulled, annulled_by"
)
# Questions asked together in one statement (SQLite joins at most 500 SELECTs).
TOGETHER = 100


def _together(db: Db, select: str, params: Sequence[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """The rows of ``select`` for each tuple of ``params``, in store order,
    asked in one statement (UNION ALL) per hundred instead of one each: on
    PostgreSQL every statement is a round trip. Each SELECT keeps its own index;
    the stores do not read an OR of several keys through one. The rows are
    sorted here, not by the statement: an ORDER BY on the union makes SQLite
    read each SELECT in position order, through every record of the programme."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(params), TOGETHER):
        chunk = params[start : start + TOGETHER]
        statement = " UNION ALL ".join(select for _ in chunk)
        rows += db.rows(statement, [value for values in chunk for value in values])
    rows.sort(key=lambda r: r["position"])
    return rows


def _step(r: dict[str, Any]) -> Step:
    return Step(**(r | {"detail": json.loads(r["detail"])}))


def _steps_of(db: Db, programme: str, nodes: Sequence[tuple[str, str]]) -> list[Step]:
    """The steps of each node, node after node (each node's in store order)."""
    found: dict[tuple[str, str], list[Step]] = {}
    for r in _together(
        db,
        f"SELECT {STEP_COLUMNS} FROM {{steps}} "
        "WHERE programme = ? AND subject_kind = ? AND subject = ?",
        [(programme, kind, key) for kind, key in nodes],
    ):
        found.setdefault((r["subject_kind"], r["subject"]), []).append(_step(r))
    return [s for node in nodes for s in found.get(node, [])]


def _ballot_steps(db: Db, programme: str, lineage: Sequence[str]) -> list[Step]:
    """The ballot steps about each proposal of the lineage (the votes are read
    with their rounds), proposal after proposal, each's in store order."""
    found: dict[str, list[Step]] = {}
    for r in _together(
        db,
        f"SELECT about, {STEP_COLUMNS} FROM {{steps}} WHERE programme = ? "
        "AND subject_kind = 'ballot' AND about = ? AND kind <> 'VoteCast'",
        [(programme, p) for p in lineage],
    ):
        found.setdefault(r.pop("about"), []).append(_step(r))
    return [s for p in lineage for s in found.get(p, [])]


def _in_store_order(e: Edge) -> tuple[Any, ...]:
    """Edges by the position of the event that made them; those of one event
    (a proposal citing several contributions) by what they join, so a trace
    reads the same every time."""
    return (e.position, e.from_kind, e.from_key, e.to_kind, e.to_key, e.from_version or 0)


def _edges(db: Db, programme: str, end: str, node: tuple[str, str]) -> list[Edge]:
    """The edges from (end="from") or to (end="to") a node, in store order."""
    return [
        Edge(**r)
        for r in db.rows(
            "SELECT position, from_kind, from_key, from_version, to_kind, to_key, relation "
            f"FROM {{edges}} WHERE programme = ? AND {end}_kind = ? AND {end}_key = ? "
            "ORDER BY position",
            (programme, *node),
        )
    ]


def _walk(db: Db, programme: str, start: str, backwards: bool) -> list[tuple[str, str]]:
    """Nodes reached from a proposal along lineage edges, in the order found."""
    seen: list[tuple[str, str]] = []
    todo = [("proposal", start)]
    while todo:
        node = todo.pop()
        for e in _edges(db, programme, "to" if backwards else "from", node):
            if e.relation not in LINEAGE:
                continue
            there = (e.from_kind, e.from_key) if backwards else (e.to_kind, e.to_key)
            if there in seen or there == ("proposal", start):
                continue
            if there[0] == "proposal" and _void(db, programme, there[1]):
                continue  # a proposal whose record was annulled fed nothing, led nowhere
            seen.append(there)
            if there[0] == "proposal":
                todo.append(there)
    return seen


def _void(db: Db, programme: str, proposal: str) -> bool:
    """Whether the record that created a proposal was annulled."""
    return bool(
        db.rows(
            "SELECT 1 AS void FROM {steps} WHERE programme = ? AND subject_kind = 'proposal' "
            "AND subject = ? AND version = 1 AND annulled IS NOT NULL",
            (programme, proposal),
        )
    )


def has_programme(db: Db, programme: str) -> bool:
    return bool(db.rows("SELECT programme FROM {programmes} WHERE programme = ?", (programme,)))


def read_trace(
    db: Db, programme: str, proposal: str, structure: Structure | None = None
) -> Trace | None:
    """The lineage of one proposal, from the provenance projection's views;
    with the programme's ``structure`` (the plan's), the path of its part."""
    own = _steps(
        db, "programme = ? AND subject_kind = 'proposal' AND subject = ?", (programme, proposal)
    )
    if not own:
        return None
    before = _walk(db, programme, proposal, True)
    after = _walk(db, programme, proposal, False)
    # Contributions feed the proposal through its ancestors; what it became is
    # followed only as far as the proposals and actions it led to.
    nodes = [*reversed(before), ("proposal", proposal), *(n for n in after if n[0] == "proposal")]
    lineage = [k for kind, k in nodes if kind == "proposal"]
    # The edges leaving the nodes of the trace: only those can join two of them.
    leaving = {
        Edge(**r)
        for r in _together(
            db,
            "SELECT position, from_kind, from_key, from_version, to_kind, to_key, relation "
            "FROM {edges} WHERE programme = ? AND from_kind = ? AND from_key = ?",
            [(programme, kind, key) for kind, key in nodes],
        )
    }
    for e in sorted(leaving, key=_in_store_order):
        follows = e.from_kind == "proposal" and e.from_key in lineage
        if follows and e.to_kind in ("round", "action") and (e.to_kind, e.to_key) not in nodes:
            nodes.append((e.to_kind, e.to_key))
            leaving.update(_edges(db, programme, "from", nodes[-1]))
    edges = sorted(leaving, key=_in_store_order)
    steps = _steps_of(db, programme, nodes) + _ballot_steps(db, programme, lineage)
    steps.sort(key=lambda s: s.position)
    # Ancestors, the proposal and what it became, in the order they were recorded.
    first: dict[tuple[str, str], int] = {}
    for s in steps:
        first.setdefault((s.subject_kind, s.subject), s.position)
    nodes.sort(key=lambda n: first.get(n, 0))
    lineage.sort(key=lambda k: first.get(("proposal", k), 0))
    tallies, votes = _votes(
        db,
        programme,
        lineage,
        [s for s in steps if s.subject_kind == "round"],
        [s for s in steps if s.subject_kind == "ballot" and s.kind == "VoteRetracted"],
    )
    contributions = [_contribution(key, steps) for kind, key in nodes if kind == "contribution"]
    people = _participants(db, programme, contributions)
    types = organisation_types(
        [ContributionFact(c.key, tuple(c.authors), c.void) for c in contributions],
        {k: ParticipantFact(k, r["organisation_type"], bool(r["void"])) for k, r in people.items()},
    )
    fed = {k for keys in types.values() for k in keys}
    authors = [
        Author(k, r["organisation"], r["organisation_type"], bool(r["erased"]))
        for k, r in sorted(people.items())
        if k in fed
    ]
    # An annulled action is gone from the trace, with its edges.
    void_actions = {
        s.subject
        for s in steps
        if s.subject_kind == "action" and s.kind in ("Assigned", "ResultRecorded") and s.annulled
    }
    kept = [n for n in nodes if not (n[0] == "action" and n[1] in void_actions)]
    titles = [s.detail["title"] for s in own if s.kind in ("Synthesised", "Reworded")]
    axis = next((s.detail.get("axis") for s in own if s.kind == "Synthesised"), None)
    path = structure.path(axis) if structure is not None and axis else []
    reading = _reading(db, programme, own)
    return Trace(
        programme,
        proposal,
        titles[-1],
        reading.adopted,
        lineage,
        live([key for kind, key in nodes if kind == "action"], void_actions),
        steps,
        [e for e in edges if (e.from_kind, e.from_key) in kept and (e.to_kind, e.to_key) in kept],
        contributions,
        tallies,
        votes,
        authors,
        types,
        reading.state.value,
        (
            {k: v for k, v in asdict(reading.validation).items() if k != "annulled"}
            if reading.validation
            else None
        ),
        {
            f: {
                "decision": d.decision,
                "rationale": d.rationale,
                "occurred_at": d.occurred_at,
                "position": d.position,
            }
            for f, d in sorted(reading.decisions.items())
        },
        reading.rejected_by,
        reading.adopted_on.occurred_at if reading.adopted_on else None,
        axis,
        [{"key": p.key, "title": p.title, "level": p.level} for p in path],
    )


def _reading(db: Db, programme: str, own: list[Step]) -> ProposalReading:
    """The proposal's state from its own steps, by the programme's rule."""
    head = db.rows("SELECT rule, founders FROM {programmes} WHERE programme = ?", (programme,))
    rule = head[0]["rule"] if head else "unanimity"
    founders = list(json.loads(head[0]["founders"])) if head else []
    return read_proposal(
        rule=rule,
        founders=founders,
        validations=[
            ValidationFact(
                s.version,
                str(s.detail["body"]),
                str(s.detail["minutes"]),
                str(s.detail["outcome"]),
                s.annulled is not None,
            )
            for s in own
            if s.kind == "Validated"
        ],
        decisions=[
            DecisionFact(
                s.version,
                str(s.detail["founder"]),
                str(s.detail["decision"]),
                str(s.detail["rationale"]),
                int(s.detail["validation"]),
                s.occurred_at,
                s.position,
                s.annulled is not None,
            )
            for s in own
            if s.kind == "FounderDecided"
        ],
        structure=next(
            (
                {"MergedInto": "merged", "SplitInto": "split"}[s.kind]
                for s in own
                if s.kind in ("MergedInto", "SplitInto") and not s.annulled
            ),
            "open",
        ),
        void=any(s.kind == "Synthesised" and s.annulled for s in own),
        was_adopted=any(s.kind == "Adopted" for s in own),
    )


def _contribution(key: str, steps: list[Step]) -> Contribution:
    own = [s for s in steps if s.subject_kind == "contribution" and s.subject == key]
    submitted = next((s for s in own if s.kind == "Submitted"), None)
    texts = [s for s in own if s.kind in ("Submitted", "Amended")]
    withdrawals = [s for s in own if s.kind == "Withdrawn" and not s.annulled]
    return Contribution(
        key,
        submitted.detail.get("session") if submitted else None,
        submitted.detail.get("axis") if submitted else None,
        list(submitted.detail.get("authors", [])) if submitted else [],
        {int(s.detail["text_version"]): s.position for s in texts},
        [int(s.detail["text_version"]) for s in texts if s.annulled],
        str(withdrawals[-1].detail["reason"]) if withdrawals else None,
        submitted is None or submitted.annulled is not None,
    )


def _participants(
    db: Db, programme: str, contributions: list[Contribution]
) -> dict[str, dict[str, Any]]:
    """The recorded participants among the contributions' authors."""
    keys = sorted({a for c in contributions for a in c.authors})
    if not keys:
        return {}
    marks = ", ".join("?" for _ in keys)
    found = {
        r["key"]: r
        for r in db.rows(
            "SELECT key, organisation, organisation_type, erased, void FROM {participants} "
            f"WHERE programme = ? AND key IN ({marks})",
            (programme, *keys),
        )
    }
    return {k: found[k] for k in keys if k in found}


def _votes(
    db: Db, programme: str, lineage: list[str], round_steps: list[Step], retractions: list[Step]
) -> tuple[list[Tally], list[Vote]]:
    tallies: list[Tally] = []
    votes: list[Vote] = []
    opened = [s for s in round_steps if s.kind == "Opened" and not s.annulled]
    for o in opened:
        closes = [s.position for s in round_steps if s.subject == o.subject and s.kind == "Closed"]
        closed_at = closes[0] if closes else None
        method = str(o.detail["method"])
        for proposal in (p for p in o.detail["proposals"] if p in lineage):
            cast = _steps(
                db,
                "position IN (SELECT position FROM {votes} WHERE programme = ? AND round = ? "
                "AND proposal = ?)",
                (programme, o.subject, proposal),
            )
            extra = {
                r["position"]: r
                for r in db.rows(
                    "SELECT position, participant, record, retracted_by FROM {votes} "
                    "WHERE programme = ? AND round = ? AND proposal = ?",
                    (programme, o.subject, proposal),
                )
            }
            records = [
                BallotRecord(
                    extra[x.position]["participant"],
                    int(extra[x.position]["record"]),
                    "cast",
                    proposal,
                    int(x.detail["value"]),
                    x.position,
                    x.annulled is not None,
                )
                for x in cast
            ] + [
                BallotRecord(
                    x.subject.split("/", 1)[1], x.version, "retract", proposal, None, x.position
                )
                for x in retractions
                if x.subject.split("/", 1)[0] == o.subject and x.detail.get("proposal") == proposal
            ]
            by_record = vote_statuses(method, records, closed_at)
            statuses = {
                x.position: str(
                    by_record[(extra[x.position]["participant"], int(extra[x.position]["record"]))]
                )
                for x in cast
            }
            round_votes = [
                Vote(
                    o.subject,
                    extra[s.position]["participant"],
                    proposal,
                    int(s.detail["value"]),
                    statuses[s.position],
                    s,
                    extra[s.position]["retracted_by"],
                )
                for s in cast
            ]
            count = count_votes(method, [proposal], records, closed_at).proposals[proposal]
            by_value: dict[str, int] = {}
            if method == "agree":
                named = {"agree": count.agree, "disagree": count.disagree, "pass": count.passes}
                by_value = {name: n for name, n in named.items() if n}
            tallies.append(
                Tally(
                    o.subject,
                    method,
                    proposal,
                    closed_at,
                    count.counted,
                    count.total,
                    count.voters,
                    by_value,
                    sum(1 for v in round_votes if v.status == "late"),
                )
            )
            votes += round_votes
    return tallies, votes
