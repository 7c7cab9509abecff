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

from dataclasses import dataclass
from enum import StrEnum

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate, next_version
from registre.domain.bounds import MAX_DOTS, MAX_SCORE
from registre.domain.errors import InvalidInput, NotFound, RuleViolation, Unchanged
from registre.domain.ids import check_key


class Method(StrEnum):
    APPROVAL = "approval"  # one approval per proposal, at most `limit` proposals
    DOTS = "dots"  # `limit` dots to spread, several on one proposal allowed
    SCORE = "score"  # a score from 0 to `max_score` per proposal
    AGREE = "agree"  # agree (1), disagree (-1) or pass (0); a new vote replaces the last


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
    ) -> Round:
        check_key(key, "round key")
        if not proposals:
            raise RuleViolation("a round needs at least one eligible proposal", field="proposals")
        if limit is not None and limit < 1:
            raise InvalidInput("the limit of votes or dots must be at least 1", field="limit")
        eligible = len(set(proposals))
        if limit is not None and method is Method.DOTS and limit > MAX_DOTS:
            raise InvalidInput(
                f"a dots round gives each participant at most {MAX_DOTS} dots", field="limit"
            )
        if limit is not None and method is Method.APPROVAL and limit > eligible:
            raise InvalidInput(
                f"the limit of approvals ({limit:,}) cannot exceed the number of "
                f"eligible proposals ({eligible})",
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
        else:
            max_score = None
        return cls(
            programme=programme,
            key=key,
            session=session,
            method=method.value,
            limit=limit,
            max_score=max_score,
            proposals=list(dict.fromkeys(proposals)),
            audit=audit,
        )

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
            return 1
        try:
            value = int(raw)
        except ValueError:
            raise InvalidInput(f"{raw!r} is not a whole number", field="value") from None
        if self.method is Method.APPROVAL and value != 1:
            raise InvalidInput("an approval round takes no value (or 1)", field="value")
        if self.method is Method.DOTS and value < 1:
            raise InvalidInput("the number of dots must be at least 1", field="value")
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

    def live_votes(self) -> list[Vote]:
        live = [v for v in self.votes if v.record not in self.annulled]
        if self.method is Method.DOTS:
            return live
        # Any other vote replaces the earlier one on the same proposal; an
        # annulled replacement lets the earlier vote stand again.
        return list({v.proposal: v for v in live}.values())

    def cast(self, round_: Round, proposal: str, value: int, audit: Audit) -> None:
        round_.require_open()
        round_.require_eligible(proposal)
        live = self.live_votes()
        on_same = [v for v in live if v.proposal == proposal]
        method = round_.method
        if on_same and method in (Method.APPROVAL, Method.SCORE):
            raise RuleViolation(
                f"participant {self.participant} already voted for {proposal} in round "
                f"{round_.key}; retract that vote first"
            )
        if on_same and method is Method.AGREE and on_same[-1].value == value:
            raise Unchanged(
                f"participant {self.participant} already gave this vote on {proposal}",
                note="repeated vote equal to the voter's standing vote",
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

    class VoteCast(RegistreAggregate.Event):
        proposal: str
        value: int

    @event(VoteCast)
    def _cast(self, proposal: str, value: int, audit: Audit) -> None:
        # Every vote stays on the ballot so an annulment can be undone precisely;
        # `live_votes` says which ones count.
        self.votes.append(Vote(next_version(self), proposal, value))

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

    def _refuse_annulment(self, version: int, kind: str) -> str | None:
        if any(v.record == version for v in self.votes):
            return None
        if version == 1:
            # Voiding the ballot would bar the participant from the round for good.
            return "a ballot is corrected vote by vote; annul the vote recorded by mistake"
        return super()._refuse_annulment(version, kind)
