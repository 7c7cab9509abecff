"""How the record reads: the consultation's rules for reading what was
recorded, written once.

These are pure functions over recorded facts (plain values a projection
keeps as rows, or an aggregate holds in memory). The aggregates decide with
them (``Proposal.status``, ``Proposal.rule_met``, ``Ballot.live_votes``), and
every view shows with them: the plan, the trace in every format, the
statistics, the exports and the public site. A view that needs a state, a
tally, the founders' standing decisions, the kinds of organisation behind a
proposal or the actions that still stand asks here; none derives them on
its own.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import groupby

from registre.domain.programme import DecisionRule

# -- a proposal: validation, founders' decisions, adoption ---------------------------------


class State(StrEnum):
    """Where a proposal stands, as every view says it."""

    ANNULLED = "annulled"  # the record that created it was annulled
    MERGED = "merged"
    SPLIT = "split"
    DRAFT = "draft"
    RETURNED = "returned"  # returned for rework by the validating body
    REJECTED = "rejected"  # rejected by the validating body
    VALIDATED = "validated"  # validated, awaiting the founders' decisions
    REJECTED_BY_FOUNDERS = "rejected-by-founders"  # cannot be adopted unless they revise
    AMENDMENT_REQUESTED = "amendment-requested"  # cannot be adopted unless amended
    ADOPTED = "adopted"
    ADOPTION_WITHDRAWN = "adoption-withdrawn"  # adopted once; the rule no longer holds


@dataclass(frozen=True)
class ValidationFact:
    """A body's validation, return or rejection of a proposal."""

    record: int  # the proposal's record version
    body: str
    minutes: str
    outcome: str  # validated, returned or rejected
    annulled: bool = False


@dataclass(frozen=True)
class DecisionFact:
    """A founder's decision on a validation of a proposal."""

    record: int
    founder: str
    decision: str  # approve, reject or amend
    rationale: str
    validation: int  # the record version of the validation it answers
    occurred_at: str = ""  # ISO 8601, when it happened
    position: int = 0  # store position of its record (0 when not stored yet)
    annulled: bool = False


def standing_validation(validations: Iterable[ValidationFact]) -> ValidationFact | None:
    """The latest validation that was not annulled."""
    found: ValidationFact | None = None
    for v in validations:
        if not v.annulled and (found is None or v.record >= found.record):
            found = v
    return found


def standing_decisions(
    validations: Iterable[ValidationFact], decisions: Iterable[DecisionFact]
) -> dict[str, DecisionFact]:
    """Each founder's latest decision (not annulled) on the standing
    validation, when that validation validated the proposal; a return or a
    new validation leaves the earlier decisions behind."""
    return _standing_on(standing_validation(validations), decisions)


def _standing_on(
    validation: ValidationFact | None, decisions: Iterable[DecisionFact]
) -> dict[str, DecisionFact]:
    """``standing_decisions`` once the standing validation is known."""
    if validation is None or validation.outcome != "validated":
        return {}
    latest: dict[str, DecisionFact] = {}
    for d in sorted(decisions, key=_record):
        if not d.annulled and d.validation == validation.record:
            latest[d.founder] = d
    return latest


def _record(fact: DecisionFact | ValidationFact) -> int:
    return fact.record


def approvals(standing: Mapping[str, DecisionFact], founders: Collection[str]) -> int:
    count = 0
    for f, d in standing.items():
        if d.decision == "approve" and f in founders:
            count += 1
    return count


def rule_is_met(
    rule: DecisionRule | str, founders: Collection[str], standing: Mapping[str, DecisionFact]
) -> bool:
    """Whether the founders' standing decisions meet the programme's rule."""
    if not isinstance(rule, DecisionRule):
        rule = DecisionRule(rule)
    return rule.is_met(approvals(standing, founders), len(founders))


def met_by(
    rule: DecisionRule | str,
    founders: Collection[str],
    standing: Mapping[str, DecisionFact],
    order: Callable[[DecisionFact], tuple[str | int, ...]],
) -> DecisionFact | None:
    """The standing decision that met the rule, taking the decisions in
    ``order``: the approval after which the approvals so far meet it. None
    while the rule is not met."""
    if not isinstance(rule, DecisionRule):
        rule = DecisionRule(rule)
    if not rule_is_met(rule, founders, standing):
        return None
    return _met_by(rule, founders, standing, order)


def _met_by(
    rule: DecisionRule,
    founders: Collection[str],
    standing: Mapping[str, DecisionFact],
    order: Callable[[DecisionFact], tuple[str | int, ...]],
) -> DecisionFact | None:
    """``met_by`` once the rule is known to be met."""
    # Each founder's approval so far (its decision's founder is the key, as in
    # ``approvals``), counted as the decisions come.
    so_far: dict[str, bool] = {}
    for d in sorted(standing.values(), key=order):
        so_far[d.founder] = d.decision == "approve" and d.founder in founders
        if rule.is_met(sum(so_far.values()), len(founders)):
            return d
    return None  # pragma: no cover - the whole set meets it


def by_record(d: DecisionFact) -> tuple[int, ...]:
    return (d.position, d.record)


def by_occurrence(d: DecisionFact) -> tuple[str | int, ...]:
    return (d.occurred_at, d.position, d.record)


@dataclass(frozen=True)
class ProposalReading:
    """What the record says of one proposal."""

    state: State
    validation: ValidationFact | None  # the standing one
    decisions: dict[str, DecisionFact]  # each founder's standing decision
    rejected_by: list[str]  # founders whose standing rejection bars its adoption
    amend_asked_by: list[str]  # founders whose standing request to amend bars it
    adopted_by: DecisionFact | None  # the decision, in the order of the record, that met the rule
    adopted_on: DecisionFact | None  # the decision, in the order of occurrence, that met it

    @property
    def adopted(self) -> bool:
        return self.state is State.ADOPTED


def read_proposal(
    *,
    rule: DecisionRule | str,
    founders: Collection[str],
    validations: Iterable[ValidationFact],
    decisions: Iterable[DecisionFact],
    structure: str = "open",
    void: bool = False,
    was_adopted: bool = False,
) -> ProposalReading:
    """The state of a proposal from its records. ``structure`` is open,
    merged or split; ``was_adopted`` says whether it was adopted at some
    point, which tells a withdrawn adoption from a priority still awaited."""
    validation = standing_validation(validations)
    standing = _standing_on(validation, decisions)
    if not isinstance(rule, DecisionRule):
        rule = DecisionRule(rule)
    founders = list(founders)
    approved = approvals(standing, founders)
    met = rule.is_met(approved, len(founders))
    undecided = len([f for f in founders if f not in standing])
    attainable = rule.is_met(approved + undecided, len(founders))
    blocking = [] if attainable else sorted(standing)
    rejected_by = [f for f in blocking if standing[f].decision == "reject"]
    amend_asked_by = [f for f in blocking if standing[f].decision == "amend"]
    state: State
    if void:
        state = State.ANNULLED
    elif structure == "merged":
        state = State.MERGED
    elif structure == "split":
        state = State.SPLIT
    elif validation is None:
        state = State.DRAFT
    elif validation.outcome != "validated":
        state = State(validation.outcome)
    elif met:
        state = State.ADOPTED
    elif rejected_by:
        state = State.REJECTED_BY_FOUNDERS
    elif amend_asked_by:
        state = State.AMENDMENT_REQUESTED
    elif was_adopted:
        state = State.ADOPTION_WITHDRAWN
    else:
        state = State.VALIDATED
    adopted = state is State.ADOPTED
    return ProposalReading(
        state,
        validation,
        standing,
        rejected_by,
        amend_asked_by,
        _met_by(rule, founders, standing, by_record) if adopted else None,
        _met_by(rule, founders, standing, by_occurrence) if adopted else None,
    )


# -- votes -------------------------------------------------------------------------------


class VoteStatus(StrEnum):
    COUNTED = "counted"
    REPLACED = "replaced"  # a later vote of the same participant on the same proposal
    RETRACTED = "retracted"
    ANNULLED = "annulled"
    LATE = "late"  # stored after the round closed: listed, never counted


@dataclass(frozen=True)
class BallotRecord:
    """A vote cast or retracted on a participant's ballot in a round."""

    participant: str
    version: int  # the ballot's record version
    kind: str  # cast or retract
    proposal: str
    value: int | None  # None for a retraction
    position: int = 0  # store position (0 when not stored yet)
    annulled: bool = False


def vote_statuses(
    method: str, records: Iterable[BallotRecord], closed_at: int | None = None
) -> dict[tuple[str, int], VoteStatus]:
    """The status of every vote cast, by (participant, version):

    - a vote or retraction stored after the round's close is late and counts
      for nothing;
    - a retraction takes back the participant's earlier votes on the proposal;
    - an annulled vote does not count (an annulled replacement lets the
      earlier vote stand again);
    - except in a dots round, where dots add up, a later vote on a proposal
      replaces the participant's earlier one.
    """
    statuses: dict[tuple[str, int], VoteStatus] = {}
    held: dict[str, list[BallotRecord]] = {}
    for r in sorted(records, key=lambda r: (r.participant, r.version)):
        late = closed_at is not None and r.position > closed_at
        if r.kind == "cast":
            if late:
                statuses[(r.participant, r.version)] = VoteStatus.LATE
            else:
                held.setdefault(r.participant, []).append(r)
        elif not late:
            votes = held.get(r.participant, [])
            for v in votes:
                if v.proposal == r.proposal:
                    statuses[(v.participant, v.version)] = (
                        VoteStatus.ANNULLED if v.annulled else VoteStatus.RETRACTED
                    )
            held[r.participant] = [v for v in votes if v.proposal != r.proposal]
    for votes in held.values():
        last: dict[str, BallotRecord] = {}
        for v in votes:
            if v.annulled:
                statuses[(v.participant, v.version)] = VoteStatus.ANNULLED
                continue
            statuses[(v.participant, v.version)] = VoteStatus.COUNTED
            if method != "dots":
                earlier = last.get(v.proposal)
                if earlier is not None:
                    statuses[(earlier.participant, earlier.version)] = VoteStatus.REPLACED
                last[v.proposal] = v
    return statuses


def standing_votes(
    method: str, records: Iterable[BallotRecord], closed_at: int | None = None
) -> list[BallotRecord]:
    """The votes that count, in the order they were cast."""
    records = list(records)
    statuses = vote_statuses(method, records, closed_at)
    return [
        r
        for r in sorted(records, key=lambda r: (r.participant, r.version))
        if r.kind == "cast" and statuses[(r.participant, r.version)] is VoteStatus.COUNTED
    ]


@dataclass
class Count:
    """A proposal's tally in a round."""

    proposal: str
    voters: int = 0  # participants whose vote on it counts
    counted: int = 0  # votes that count (dots rounds: one per record)
    total: int = 0  # approvals, dots, sum of scores, or agree minus disagree
    agree: int = 0
    disagree: int = 0
    passes: int = 0


@dataclass
class RoundCount:
    proposals: dict[str, Count] = field(default_factory=dict)
    participants: int = 0  # participants with at least one vote that counts


def count_votes(
    method: str,
    eligible: Iterable[str],
    records: Iterable[BallotRecord],
    closed_at: int | None = None,
) -> RoundCount:
    """The tally of a round, by the round's method."""
    ordered = sorted(records, key=lambda r: (r.participant, r.version))
    return count_ordered_votes(method, eligible, ordered, closed_at)


def count_ordered_votes(
    method: str,
    eligible: Iterable[str],
    records: Iterable[BallotRecord],
    closed_at: int | None = None,
) -> RoundCount:
    """The tally of a round from its records in (participant, version) order,
    as a store reads them page by page: the rule reads one participant's
    records at a time (no vote counts across participants), so only those are
    held, whatever the size of the round."""
    result = RoundCount({p: Count(p) for p in eligible})
    for _, own in groupby(records, key=lambda r: r.participant):
        counted: set[str] = set()
        for v in standing_votes(method, own, closed_at):
            value = v.value or 0
            t = result.proposals.setdefault(v.proposal, Count(v.proposal))
            t.voters += v.proposal not in counted
            counted.add(v.proposal)
            t.counted += 1
            t.total += value
            if method == "agree":
                t.agree += value == 1
                t.disagree += value == -1
                t.passes += value == 0
        result.participants += bool(counted)
    return result


# -- who fed a proposal ---------------------------------------------------------------------


@dataclass(frozen=True)
class ContributionFact:
    key: str
    authors: tuple[str, ...]
    void: bool = False  # the record that submitted it was annulled


@dataclass(frozen=True)
class ParticipantFact:
    key: str
    organisation_type: str
    void: bool = False  # the registration was annulled (an erasure does not void it)


def fed_by(
    proposal: str, sources: Mapping[str, Iterable[str]], parents: Mapping[str, Iterable[str]]
) -> set[str]:
    """The contributions behind a proposal: those it cites and, through the
    proposals it was merged or split from (or absorbed), theirs, transitively."""
    seen: set[str] = set()
    todo, found = [proposal], set()
    while todo:
        key = todo.pop()
        if key not in seen:
            seen.add(key)
            found |= set(sources.get(key, ()))
            todo.extend(parents.get(key, ()))
    return found


def organisation_types(
    contributions: Iterable[ContributionFact], participants: Mapping[str, ParticipantFact]
) -> dict[str, list[str]]:
    """The kinds of organisation behind some contributions, each with the
    participants of that kind who wrote them. An annulled contribution or
    registration feeds nothing; an erased participant still counts."""
    authors = {a for c in contributions if not c.void for a in c.authors if a in participants}
    types: dict[str, list[str]] = {}
    for a in sorted(authors):
        p = participants[a]
        if not p.void:
            types.setdefault(p.organisation_type, []).append(a)
    return dict(sorted(types.items()))


# -- actions ---------------------------------------------------------------------------


def live(keys: Iterable[str], void: Collection[str]) -> list[str]:
    """The things whose creation was not annulled: an annulled action (or
    proposal, contribution, round) is gone from every view, with its edges."""
    return [k for k in keys if k not in void]


# -- a programme and the programmes within it ----------------------------------------------


@dataclass(frozen=True)
class ProgrammeFigures:
    """What one programme holds, as a reader counts it: the people registered in
    it, its proposals that stand, the titles of its adopted priorities (in the
    plan's order), and the same of each programme within it."""

    programme: str
    title: str
    participants: int
    proposals: int
    priorities: tuple[str, ...] = ()
    within: tuple[ProgrammeFigures, ...] = ()

    @property
    def adopted(self) -> int:
        return len(self.priorities)


@dataclass(frozen=True)
class ProgrammeTotals:
    """A programme with every programme within it, at any depth: how many
    programmes that is (itself left out), and their participants, proposals
    and adopted priorities added up. Each programme registers its own
    participants, so a person registered in two of them counts twice: the
    record cannot tell they are the same person."""

    programmes: int
    participants: int
    proposals: int
    adopted: int


def programme_totals(figures: ProgrammeFigures) -> ProgrammeTotals:
    """The figures of ``figures`` and of every programme within it, added up."""
    programmes, participants = 0, figures.participants
    proposals, adopted = figures.proposals, figures.adopted
    for sub in figures.within:
        t = programme_totals(sub)
        programmes += 1 + t.programmes
        participants += t.participants
        proposals += t.proposals
        adopted += t.adopted
    return ProgrammeTotals(programmes, participants, proposals, adopted)
