"""Tallies of the voting rounds: per round and proposal, by the round's method.

Every ballot record (vote or retraction) is kept with its ballot's round and
participant, its record version and its store position. The tally is derived
when reading, by the rules of ``registre.domain.reading`` (which
``Ballot.live_votes`` uses too):

- a retraction removes the participant's earlier votes on that proposal;
- an annulled vote does not count (an annulled replacement lets the earlier
  vote stand again), whenever the annulment was recorded, since it corrects
  the record rather than voting;
- except in a dots round, where dots add up, a participant's later vote on a
  proposal replaces the earlier one;
- only records stored before the round's ``Closed`` event count: a vote or a
  retraction that raced the close and was stored after it is listed as late.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import singledispatchmethod
from typing import Any, ClassVar

from registre.domain.base import RegistreAggregate
from registre.domain.kinds import Method
from registre.domain.reading import BallotRecord, count_ordered_votes
from registre.domain.voting import Ballot, Round
from registre.projections.dispatch import call
from registre.projections.runner import Db, Projection


class Tallies(Projection):
    name = "tallies"
    tables: ClassVar[dict[str, str]] = {
        "rounds": "originator_id TEXT PRIMARY KEY, programme TEXT NOT NULL, key TEXT NOT NULL, "
        "session TEXT NOT NULL, method TEXT NOT NULL, vote_limit INTEGER, max_score INTEGER, "
        "proposals TEXT NOT NULL, opened_at BIGINT NOT NULL, closed_at BIGINT, "
        "void INTEGER NOT NULL",
        "ballots": "originator_id TEXT PRIMARY KEY, programme TEXT NOT NULL, "
        "round TEXT NOT NULL, participant TEXT NOT NULL",
        # kind is 'cast' or 'retract'; value is NULL for a retraction
        "records": "ballot TEXT NOT NULL, version INTEGER NOT NULL, programme TEXT NOT NULL, "
        "round TEXT NOT NULL, participant TEXT NOT NULL, kind TEXT NOT NULL, "
        "proposal TEXT NOT NULL, value INTEGER, position BIGINT NOT NULL, "
        "annulled INTEGER NOT NULL, PRIMARY KEY (ballot, version)",
    }
    # A round's records are read in (participant, version) order, a page at a time.
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "records": "programme, round, participant, version"
    }
    version = 2

    def apply(self, db: Db, position: int, event: Any) -> None:
        call(vars(Tallies)["_on"], self, event, db, position)

    @singledispatchmethod
    def _on(self, e: object, db: Db, pos: int) -> None:
        """Any other event: no round or vote to count."""

    @_on.register
    def _round_opened(self, e: Round.Opened, db: Db, pos: int) -> None:
        originator = e.originator_id.hex
        row = {
            "originator_id": originator,
            "programme": e.programme,
            "key": e.key,
            "session": e.session,
            "method": e.method,
            "vote_limit": e.limit,
            "max_score": e.max_score,
            "proposals": json.dumps(e.proposals),
            "opened_at": pos,
            "closed_at": None,
            "void": 0,
        }
        db.add("rounds", row, originator)

    @_on.register
    def _round_closed(self, e: Round.Closed, db: Db, pos: int) -> None:
        _change(db, "rounds", e.originator_id.hex, "closed_at", pos)

    @_on.register
    def _ballot_started(self, e: Ballot.Started, db: Db, pos: int) -> None:
        originator = e.originator_id.hex
        row = {
            "originator_id": originator,
            "programme": e.programme,
            "round": e.round,
            "participant": e.participant,
        }
        db.add("ballots", row, originator)
        db.remember(originator, row)

    @_on.register
    def _vote_cast(self, e: Ballot.VoteCast, db: Db, pos: int) -> None:
        self._record(db, pos, e, "cast", e.proposal, e.value)

    @_on.register
    def _vote_retracted(self, e: Ballot.VoteRetracted, db: Db, pos: int) -> None:
        self._record(db, pos, e, "retract", e.proposal, None)

    def _record(
        self,
        db: Db,
        pos: int,
        e: RegistreAggregate.Event,
        kind: str,
        proposal: str,
        value: int | None,
    ) -> None:
        originator = e.originator_id.hex
        ballot = (
            db.known.get(originator)
            or db.held("ballots", originator)
            or db.remember(
                originator,
                db.stored(
                    "SELECT programme, round, participant FROM {ballots} WHERE originator_id = ?",
                    (originator,),
                )[0],
            )
        )
        version = e.originator_version
        row = {
            "ballot": originator,
            "version": version,
            "programme": ballot["programme"],
            "round": ballot["round"],
            "participant": ballot["participant"],
            "kind": kind,
            "proposal": proposal,
            "value": value,
            "position": pos,
            "annulled": 0,
        }
        db.add("records", row, (originator, version))

    @_on.register
    def _record_annulled(self, e: RegistreAggregate.RecordAnnulled, db: Db, pos: int) -> None:
        # Only votes (on a ballot) and whole rounds can be annulled here; the
        # originator id says which, and other aggregates match no row.
        originator = e.originator_id.hex
        record = db.held("records", (originator, e.target_version))
        if record is not None:
            record["annulled"] = 1
        else:
            db.later(
                "UPDATE {records} SET annulled = 1 WHERE ballot = ? AND version = ?",
                (originator, e.target_version),
            )
        if e.target_version == 1:
            _change(db, "rounds", originator, "void", 1)


def _change(db: Db, table: str, originator: str, column: str, value: Any) -> None:
    """Sets a column of the row of an aggregate, held by the page or stored."""
    held = db.held(table, originator)
    if held is not None:
        held[column] = value
    else:
        statement = f"UPDATE {{{table}}} SET {column} = ? WHERE originator_id = ?"
        db.later(statement, (value, originator))


# -- reading ------------------------------------------------------------------------


@dataclass
class ProposalTally:
    proposal: str
    voters: int = 0  # participants whose vote on it counts
    total: int = 0  # approvals, dots, sum of scores, or agree minus disagree
    agree: int = 0
    disagree: int = 0
    passes: int = 0

    @property
    def mean(self) -> float | None:
        """Mean score (a score round's ``total`` over its ``voters``)."""
        return round(self.total / self.voters, 2) if self.voters else None


@dataclass(frozen=True)
class LateRecord:
    """A vote or retraction stored after its round closed: listed, never counted."""

    participant: str
    proposal: str
    kind: str  # 'cast' or 'retract'
    value: int | None
    position: int
    annulled: bool


@dataclass
class RoundTally:
    programme: str
    round: str
    session: str
    method: str
    limit: int | None
    max_score: int | None
    closed_at: int | None  # store position of the close, None while open
    proposals: list[ProposalTally]
    participants: int  # participants with at least one vote that counts
    late: list[LateRecord] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def ranked(self) -> list[ProposalTally]:
        """Proposals from the most to the least supported (ties in eligible order)."""
        return sorted(self.proposals, key=lambda t: -t.total)

    def as_dict(self) -> dict[str, Any]:
        return {
            "round": self.round,
            "session": self.session,
            "method": self.method,
            "limit": self.limit,
            "max_score": self.max_score,
            "closed": self.closed,
            "closed_at": self.closed_at,
            "participants": self.participants,
            "proposals": [vars(t) | {"mean": t.mean} for t in self.proposals],
            "late": [vars(r) for r in self.late],
        }


def read_tallies(db: Db, programme: str, round: str | None = None) -> list[RoundTally]:
    """Each round of the programme (or the one named) with its tally, in the
    order the rounds were opened; annulled rounds are left out."""
    where, params = "programme = ? AND void = 0", [programme]
    if round is not None:
        where += " AND key = ?"
        params.append(round)
    tallies = []
    for r in db.rows("SELECT * FROM {rounds} WHERE " + where + " ORDER BY opened_at", params):
        tallies.append(_tally(db, r))
    return tallies


PAGE = 5_000  # records read at once: memory stays flat however large the round


def _records(db: Db, programme: str, round: str) -> Iterator[dict[str, Any]]:
    """The round's records in (participant, version) order, a page at a time
    (each page starts after the last one read, through the index)."""
    statement = (
        "SELECT participant, version, kind, proposal, value, position, annulled "
        "FROM {records} WHERE programme = ? AND round = ?{after} "
        "ORDER BY participant, version LIMIT " + str(PAGE)
    )
    page = db.rows(statement.replace("{after}", ""), (programme, round))
    while page:
        yield from page
        if len(page) < PAGE:
            return
        last = page[-1]
        page = db.rows(
            statement.replace("{after}", " AND (participant, version) > (?, ?)"),
            (programme, round, last["participant"], last["version"]),
        )


def _tally(db: Db, r: dict[str, Any]) -> RoundTally:
    method = Method(r["method"])
    closed_at: int | None = r["closed_at"]
    eligible: list[str] = json.loads(r["proposals"])
    late: list[LateRecord] = []

    def records() -> Iterator[BallotRecord]:
        for x in _records(db, r["programme"], r["key"]):
            if closed_at is not None and x["position"] > closed_at:
                late.append(
                    LateRecord(
                        x["participant"],
                        x["proposal"],
                        x["kind"],
                        x["value"],
                        x["position"],
                        bool(x["annulled"]),
                    )
                )
            yield BallotRecord(
                x["participant"],
                x["version"],
                x["kind"],
                x["proposal"],
                x["value"],
                x["position"],
                bool(x["annulled"]),
            )

    count = count_ordered_votes(method.value, eligible, records(), closed_at)
    by_proposal = {
        p: ProposalTally(p, c.voters, c.total, c.agree, c.disagree, c.passes)
        for p, c in count.proposals.items()
    }
    voters = count.participants
    return RoundTally(
        r["programme"],
        r["key"],
        r["session"],
        method.value,
        r["vote_limit"],
        r["max_score"],
        closed_at,
        list(by_proposal.values()),
        voters,
        late,
    )
