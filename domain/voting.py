"""Voting rounds and each participant's ballot in a round.

A round fixes its method, its eligible proposals and the per-participant
limit. A participant's votes in one round are one aggregate, the ballot, so
the limit is checked inside one consistency boundary while a whole room
votes in parallel.

A vote and the close of its round are different aggregates; the vote's
command relies on its round as read (``UnitOfWork.rely_on``), so a vote that
would be committed after the close is refused as cast in a closed round. A
store recorded by an earlier version may hold votes recorded after the close:
the tally counts only votes recorded before it, and lists late ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate, next_version
from registre.domain.bounds import MAX_DOTS, MAX_SCORE
from registre.domain.errors import InvalidInput, NotFound, RuleViolation, Unchanged
from registre.domain.ids import check_key
from registre.domain.kinds import Method
from registre.domain.reading import BallotRecord, standing_votes

AGREE_VALUES = {"agree": 1, "disagree": -1, "pass": 0}


class Round(RegistreAggregate):
    KIND = "round"

    @classmethod
    def open(
        cls,
        programme: str,
        key: str,
        session: str,
        method: Method,
        limit: int | None,
        max_score: int | None,
        proposals: list[str],
        audit: Audit,
        *,
        min_votes: int | None = None,
        max_per_proposal: int | None = None,
        budget: int | None = None,
        costs: Mapping[str, int] | None = None,
    ) -> Round:
        """A round over ``proposals``. Beyond the method and its limit, a round
        can take whole ballots of at least ``min_votes`` votes, at most
        ``max_per_proposal`` dots on one proposal, and fund its proposals, each
        at its cost, within a budget (a participatory budget)."""
        check_key(key, "round key")
        if not proposals:
            raise RuleViolation("a round needs at least one eligible proposal", field="proposals")
        if limit is not None and limit < 1:
            raise InvalidInput("the limit of votes or dots must be at least 1", field="limit")
        count = len(set(proposals))
        if limit is not None and method is Method.DOTS and limit > MAX_DOTS:
            raise InvalidInput(
                f"a dots round gives each participant at most {MAX_DOTS} dots", field="limit"
            )
        if limit is not None and method is Method.APPROVAL and limit > count:
            raise InvalidInput(
                f"the limit of approvals ({limit:,}) cannot exceed the number of "
                f"eligible proposals ({count})",
                field="limit",
            )
        if method is Method.DOTS and limit is None:
            raise InvalidInput(
                "a dots round needs a limit: how many dots each participant has", field="limit"
            )
        if method is Method.SCORE:
            max_score = 5 if max_score is None else max_score
            if max_score < 1:
                raise InvalidInput("the highest score must be at least 1", field="max_score")
            if max_score > MAX_SCORE:
                raise InvalidInput(
                    f"the highest score must be at most {MAX_SCORE}", field="max_score"
                )
        elif max_score is not None:
            raise InvalidInput(
                f"only a score round has a highest score; a {method.value} round takes none",
                field="max_score",
            )
        eligible = list(dict.fromkeys(proposals))
        terms = _check_terms(method, limit, eligible, min_votes, max_per_proposal, budget, costs)
        round_ = cls(
            programme=programme,
            key=key,
            session=session,
            method=method.value,
            limit=limit,
            max_score=max_score,
            proposals=eligible,
            audit=audit,
        )
        if terms is not None:
            round_._terms_fixed(*terms, audit=audit)
        return round_

    class Opened(RegistreAggregate.Created):
        programme: str
        key: str
        session: str
        method: str
        limit: int | None
        max_score: int | None
        proposals: list[str]

    @event(Opened)
    def __init__(
        self,
        programme: str,
        key: str,
        session: str,
        method: str,
        limit: int | None,
        max_score: int | None,
        proposals: list[str],
        audit: Audit,
    ) -> None:
        self.programme = programme
        self.key = key
        self.session = session
        self.method = Method(method)
        self.limit = limit
        self.max_score = max_score
        self.proposals = proposals
        self.closed = False
        self.min_votes: int | None = None
        self.max_per_proposal: int | None = None
        self.budget: int | None = None
        self.costs: dict[str, int] = {}
        self.funded: list[str] | None = None

    class TermsFixed(RegistreAggregate.Event):
        min_votes: int | None
        max_per_proposal: int | None
        budget: int | None
        costs: dict[str, int]

    @event(TermsFixed)
    def _terms_fixed(
        self,
        min_votes: int | None,
        max_per_proposal: int | None,
        budget: int | None,
        costs: dict[str, int],
        audit: Audit,
    ) -> None:
        self.min_votes = min_votes
        self.max_per_proposal = max_per_proposal
        self.budget = budget
        self.costs = dict(costs)

    @property
    def whole_ballots(self) -> bool:
        """Whether a participant's votes are cast all at once (a minimum to meet)."""
        return self.min_votes is not None

    def select_funding(self, tally: Mapping[str, tuple[int, int]], audit: Audit) -> list[str]:
        """Funds the proposals of a closed budget round from its tally (proposal ->
        (voters, total)): in order of support, each that still fits in the budget
        (the greedy rule); ties in the order of the round's proposals. Support
        is the number of voters, or of dots in a dots (cumulative) round."""
        self.require_live()
        if self.budget is None:
            raise RuleViolation(f"round {self.key} has no budget: there is nothing to fund")
        if not self.closed:
            raise RuleViolation(f"round {self.key} is open; close it before funding its proposals")
        if self.funded is not None:
            raise Unchanged(
                f"the funded proposals of round {self.key} are already selected",
                note="funding already selected",
            )
        funded = greedy_funding(
            {
                p: tally.get(p, (0, 0))[1 if self.method is Method.DOTS else 0]
                for p in self.proposals
            },
            self.costs,
            self.budget,
            self.proposals,
        )
        self._funding_selected(funded, sum(self.costs[p] for p in funded), audit)
        return funded

    class FundingSelected(RegistreAggregate.Event):
        funded: list[str]
        spent: int

    @event(FundingSelected)
    def _funding_selected(self, funded: list[str], spent: int, audit: Audit) -> None:
        self.funded = list(funded)

    def require_open(self) -> None:
        self.require_live()
        if self.closed:
            raise RuleViolation(f"round {self.key} is closed; no vote can be cast or retracted")

    def require_eligible(self, proposal: str) -> None:
        if proposal not in self.proposals:
            raise NotFound(
                f"proposal {proposal} is not eligible in round {self.key} "
                f"(eligible: {', '.join(self.proposals)})"
            )

    def value_of(self, raw: str | None) -> int:
        """The numeric value of a vote given as text, by the round's method."""
        if self.method is Method.AGREE:
            if raw is None or raw.lower() not in AGREE_VALUES:
                raise InvalidInput("an agree round takes agree, disagree or pass", field="value")
            return AGREE_VALUES[raw.lower()]
        if raw is None:
            if self.method is Method.SCORE:
                raise InvalidInput(
                    f"a score round takes a score from 0 to {self.max_score}", field="value"
                )
            if self.method is Method.ORDINAL:
                raise InvalidInput(
                    "an ordinal round takes a rank (1 for the first choice)", field="value"
                )
            return 1
        try:
            value = int(raw)
        except ValueError:
            raise InvalidInput(f"{raw!r} is not a whole number", field="value") from None
        if self.method is Method.APPROVAL and value != 1:
            raise InvalidInput("an approval round takes no value (or 1)", field="value")
        if self.method is Method.DOTS and value < 1:
            raise InvalidInput("the number of dots must be at least 1", field="value")
        if self.method is Method.ORDINAL and value < 1:
            raise InvalidInput("a rank is a whole number from 1 (the first choice)", field="value")
        if self.method is Method.SCORE and not 0 <= value <= (self.max_score or 0):
            raise InvalidInput(
                f"a score round takes a score from 0 to {self.max_score}", field="value"
            )
        return value

    def close(self, audit: Audit) -> None:
        self.require_live()
        if self.closed:
            raise RuleViolation(f"round {self.key} is already closed")
        self._closed(audit)

    class Closed(RegistreAggregate.Event):
        pass

    @event(Closed)
    def _closed(self, audit: Audit) -> None:
        self.closed = True


@dataclass(frozen=True)
class Vote:
    record: int
    proposal: str
    value: int


class Ballot(RegistreAggregate):
    """One participant's votes in one round."""

    KIND = "ballot"

    @staticmethod
    def key_for(round_key: str, participant: str) -> str:
        return f"{round_key}/{participant}"

    @classmethod
    def start(cls, round_: Round, participant: str, audit: Audit) -> Ballot:
        return cls(
            programme=round_.programme,
            key=cls.key_for(round_.key, participant),
            round=round_.key,
            method=round_.method.value,
            participant=participant,
            audit=audit,
        )

    class Started(RegistreAggregate.Created):
        programme: str
        key: str
        round: str
        method: str
        participant: str

    @event(Started)
    def __init__(
        self, programme: str, key: str, round: str, method: str, participant: str, audit: Audit
    ) -> None:
        self.programme = programme
        self.key = key
        self.round = round
        self.method = Method(method)
        self.participant = participant
        self.votes: list[Vote] = []
        # every vote and retraction, as the rules of reading count them
        self.records: list[tuple[int, str, str, int | None]] = []

    def live_votes(self) -> list[Vote]:
        """The votes that count, by the rules every tally uses: a later vote
        replaces the earlier one on the same proposal (dots add up), a
        retraction takes them back, an annulled one does not count."""
        standing = standing_votes(
            self.method.value,
            [
                BallotRecord(
                    self.participant, version, kind, proposal, value, 0, version in self.annulled
                )
                for version, kind, proposal, value in self.records
            ],
        )
        return [Vote(r.version, r.proposal, r.value or 0) for r in standing]

    def cast(self, round_: Round, proposal: str, value: int, audit: Audit) -> None:
        round_.require_open()
        round_.require_eligible(proposal)
        live = self.live_votes()
        on_same = [v for v in live if v.proposal == proposal]
        method = round_.method
        if on_same and method in (Method.APPROVAL, Method.SCORE, Method.ORDINAL):
            raise RuleViolation(
                f"participant {self.participant} already voted for {proposal} in round "
                f"{round_.key}; retract that vote first"
            )
        if on_same and method is Method.AGREE and on_same[-1].value == value:
            raise Unchanged(
                f"participant {self.participant} already gave this vote on {proposal}",
                note="repeated vote equal to the voter's standing vote",
            )
        if method is Method.ORDINAL and any(v.value == value for v in live):
            raise RuleViolation(
                f"participant {self.participant} already ranked another proposal {value} "
                f"in round {round_.key}; each rank is given once"
            )
        if method is Method.DOTS and round_.max_per_proposal is not None:
            on_it = sum(v.value for v in on_same) + value
            if on_it > round_.max_per_proposal:
                raise RuleViolation(
                    f"participant {self.participant} would put {on_it} dots on {proposal} "
                    f"in round {round_.key}; at most {round_.max_per_proposal} on one proposal"
                )
        if round_.limit is not None:
            if method is Method.DOTS:
                used, asked, unit = sum(v.value for v in live), value, "dots"
            else:
                distinct = {v.proposal for v in live}
                used, asked, unit = len(distinct), 0 if proposal in distinct else 1, "votes"
            if used + asked > round_.limit:
                raise RuleViolation(
                    f"participant {self.participant} has used {used} of {round_.limit} {unit} "
                    f"in round {round_.key}; this vote would exceed the limit"
                )
        self._cast(proposal, value, audit)

    def cast_whole(self, round_: Round, votes: list[tuple[str, int]], audit: Audit) -> None:
        """A whole ballot at once: every vote by the rules of ``cast``, and the
        round's minimum met; nothing is cast if any vote is refused."""
        if self.live_votes():
            raise RuleViolation(
                f"participant {self.participant} already voted in round {round_.key}; "
                "a whole ballot is cast once"
            )
        if not votes:
            raise InvalidInput("a ballot needs at least one vote", field="votes")
        minimum = round_.min_votes or 0
        if len({p for p, _ in votes}) < minimum:
            raise RuleViolation(
                f"the ballot of participant {self.participant} has "
                f"{len({p for p, _ in votes})} votes; round {round_.key} takes at least {minimum}"
            )
        if round_.method is Method.ORDINAL:
            ranks = sorted(value for _, value in votes)
            if ranks != list(range(1, len(ranks) + 1)):
                raise RuleViolation(
                    f"the ballot of participant {self.participant} ranks "
                    f"{', '.join(map(str, ranks))}; ranks run 1, 2, 3… without gaps"
                )
        for proposal, value in votes:
            self.cast(round_, proposal, value, audit)

    class VoteCast(RegistreAggregate.Event):
        proposal: str
        value: int

    @event(VoteCast)
    def _cast(self, proposal: str, value: int, audit: Audit) -> None:
        # Every vote stays on the ballot so an annulment can be undone precisely;
        # `live_votes` says which ones count.
        self.votes.append(Vote(next_version(self), proposal, value))
        self.records.append((next_version(self), "cast", proposal, value))

    def retract(self, round_: Round, proposal: str, audit: Audit) -> None:
        round_.require_open()
        if not any(v.proposal == proposal for v in self.live_votes()):
            raise RuleViolation(
                f"participant {self.participant} has no vote for {proposal} in round "
                f"{round_.key} to retract"
            )
        self._retracted(proposal, audit)

    class VoteRetracted(RegistreAggregate.Event):
        proposal: str

    @event(VoteRetracted)
    def _retracted(self, proposal: str, audit: Audit) -> None:
        self.votes = [v for v in self.votes if v.proposal != proposal]
        self.records.append((next_version(self), "retract", proposal, None))

    def _refuse_annulment(self, version: int, kind: str) -> str | None:
        if any(v.record == version for v in self.votes):
            return None
        if version == 1:
            # Voiding the ballot would bar the participant from the round for good.
            return "a ballot is corrected vote by vote; annul the vote recorded by mistake"
        return super()._refuse_annulment(version, kind)


def _check_terms(
    method: Method,
    limit: int | None,
    proposals: list[str],
    min_votes: int | None,
    max_per_proposal: int | None,
    budget: int | None,
    costs: Mapping[str, int] | None,
) -> tuple[int | None, int | None, int | None, dict[str, int]] | None:
    """A round's further terms, checked; None if it has none."""
    if min_votes is None and max_per_proposal is None and budget is None and not costs:
        return None
    if min_votes is not None:
        if min_votes < 1:
            raise InvalidInput("a ballot's minimum of votes must be at least 1", field="min_votes")
        if limit is not None and min_votes > limit:
            raise InvalidInput(
                f"a ballot's minimum of votes ({min_votes}) is above the limit ({limit})",
                field="min_votes",
            )
        if method in (Method.DOTS, Method.AGREE):
            raise InvalidInput(
                f"a {method.value} round takes no minimum of votes", field="min_votes"
            )
    if max_per_proposal is not None:
        if method is not Method.DOTS:
            raise InvalidInput(
                "only a dots round limits the dots on one proposal", field="max_per_proposal"
            )
        if max_per_proposal < 1:
            raise InvalidInput(
                "the dots on one proposal must be allowed at least 1", field="max_per_proposal"
            )
    costs = dict(costs or {})
    unknown = [p for p in costs if p not in proposals]
    if unknown:
        raise InvalidInput(
            f"proposal {unknown[0]} has a cost but is not in the round", field="costs"
        )
    if any(cost < 0 for cost in costs.values()):
        raise InvalidInput("a cost cannot be negative", field="costs")
    if budget is not None:
        if budget < 0:
            raise InvalidInput("a budget cannot be negative", field="budget")
        missing = [p for p in proposals if p not in costs]
        if missing:
            raise InvalidInput(
                f"proposal {missing[0]} has no cost; a round with a budget costs every proposal",
                field="costs",
            )
    return min_votes, max_per_proposal, budget, costs


def greedy_funding(
    support: Mapping[str, int], costs: Mapping[str, int], budget: int, order: list[str]
) -> list[str]:
    """The greedy rule of participatory budgets: proposals in order of support
    (ties in ``order``), each funded if its cost fits in what is left."""
    rank = {p: i for i, p in enumerate(order)}
    funded, left = [], budget
    for proposal in sorted(order, key=lambda p: (-support.get(p, 0), rank[p])):
        if support.get(proposal, 0) > 0 and costs[proposal] <= left:
            funded.append(proposal)
            left -= costs[proposal]
    return funded
