"""Voting rounds and ballots: open rounds, eligible proposals, per-participant limits."""

from __future__ import annotations

import pytest
from domain_support import audit

from registre.domain import Ballot, Method, Round
from registre.domain.errors import InvalidInput, NotFound, RuleViolation, Unchanged

LAYER = "unit"


def open_round(method: Method, limit: int | None = None, max_score: int | None = None) -> Round:
    return Round.open(
        "medvallee", "R1", "W1", method, limit, max_score, ["P-1", "P-2", "P-3"], audit()
    )


def ballot(round_: Round, participant: str = "p1") -> Ballot:
    return Ballot.start(round_, participant, audit())


def live(b: Ballot) -> list[tuple[str, int]]:
    return [(v.proposal, v.value) for v in b.live_votes()]


# -- rounds ---------------------------------------------------------------------------------


def test_a_round_needs_an_eligible_proposal() -> None:
    with pytest.raises(RuleViolation, match="at least one eligible") as refused:
        Round.open("medvallee", "R1", "W1", Method.APPROVAL, None, None, [], audit())
    assert refused.value.field == "proposals"


def test_a_dots_round_needs_a_limit() -> None:
    with pytest.raises(InvalidInput, match="needs a limit") as refused:
        open_round(Method.DOTS)
    assert refused.value.field == "limit"


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least 1") as refused:
        open_round(Method.APPROVAL, limit=0)
    assert refused.value.field == "limit"


def test_a_highest_score_below_one_is_refused() -> None:
    with pytest.raises(InvalidInput, match="highest score must be at least 1") as refused:
        open_round(Method.SCORE, max_score=0)
    assert refused.value.field == "max_score"


def test_a_score_round_scores_from_zero_to_five_by_default() -> None:
    r = open_round(Method.SCORE)
    assert r.max_score == 5
    assert r.value_of("0") == 0 and r.value_of("5") == 5


@pytest.mark.parametrize("raw", ["6", "-1", None, "x"])
def test_a_score_out_of_range_is_refused(raw: str | None) -> None:
    with pytest.raises(InvalidInput):
        open_round(Method.SCORE, max_score=5).value_of(raw)


def test_agree_values_are_named() -> None:
    r = open_round(Method.AGREE)
    assert [r.value_of(v) for v in ("agree", "Disagree", "pass")] == [1, -1, 0]
    with pytest.raises(InvalidInput):
        r.value_of("maybe")


@pytest.mark.parametrize(
    ("method", "raw", "message"),
    [
        (Method.AGREE, "maybe", "an agree round takes agree, disagree or pass"),
        (Method.SCORE, None, "a score round takes a score from 0 to 5"),
        (Method.SCORE, "6", "a score round takes a score from 0 to 5"),
        (Method.DOTS, "two", "'two' is not a whole number"),
        (Method.APPROVAL, "2", "an approval round takes no value (or 1)"),
        (Method.DOTS, "0", "the number of dots must be at least 1"),
    ],
)
def test_a_refused_value_is_explained_without_naming_a_flag(
    method: Method, raw: str | None, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        open_round(method, limit=3).value_of(raw)
    assert str(refused.value) == message
    assert refused.value.field == "value"


def test_approval_takes_no_other_value_and_dots_take_at_least_one() -> None:
    with pytest.raises(InvalidInput):
        open_round(Method.APPROVAL).value_of("2")
    with pytest.raises(InvalidInput):
        open_round(Method.DOTS, limit=3).value_of("0")
    assert open_round(Method.DOTS, limit=3).value_of(None) == 1


def test_a_closed_round_refuses_votes_and_retractions() -> None:
    r = open_round(Method.APPROVAL)
    b = ballot(r)
    b.cast(r, "P-1", 1, audit())
    r.close(audit())
    with pytest.raises(RuleViolation, match="round R1 is closed"):
        b.cast(r, "P-2", 1, audit())
    with pytest.raises(RuleViolation, match="round R1 is closed"):
        b.retract(r, "P-1", audit())
    assert live(b) == [("P-1", 1)]


def test_a_round_is_closed_once() -> None:
    r = open_round(Method.APPROVAL)
    r.close(audit())
    with pytest.raises(RuleViolation, match="already closed"):
        r.close(audit())


def test_a_vote_for_an_ineligible_proposal_is_refused() -> None:
    r = open_round(Method.APPROVAL)
    b = ballot(r)
    with pytest.raises(NotFound, match="P-9 is not eligible"):
        b.cast(r, "P-9", 1, audit())
    assert b.votes == []


# -- limits ------------------------------------------------------------------------------------


def test_approval_limit_counts_proposals() -> None:
    r = open_round(Method.APPROVAL, limit=2)
    b = ballot(r)
    b.cast(r, "P-1", 1, audit())
    b.cast(r, "P-2", 1, audit())
    with pytest.raises(RuleViolation, match="used 2 of 2 votes"):
        b.cast(r, "P-3", 1, audit())
    assert live(b) == [("P-1", 1), ("P-2", 1)]


def test_approving_the_same_proposal_twice_is_refused() -> None:
    r = open_round(Method.APPROVAL)
    b = ballot(r)
    b.cast(r, "P-1", 1, audit())
    with pytest.raises(RuleViolation, match="already voted for P-1"):
        b.cast(r, "P-1", 1, audit())


def test_several_dots_on_one_proposal_count_against_the_limit() -> None:
    r = open_round(Method.DOTS, limit=5)
    b = ballot(r)
    b.cast(r, "P-1", 3, audit())
    b.cast(r, "P-1", 1, audit())
    with pytest.raises(RuleViolation, match="used 4 of 5 dots"):
        b.cast(r, "P-2", 2, audit())
    b.cast(r, "P-2", 1, audit())
    assert sum(v for _, v in live(b)) == 5
    with pytest.raises(RuleViolation, match="used 5 of 5 dots"):
        b.cast(r, "P-3", 1, audit())


def test_one_vote_of_more_dots_than_the_limit_is_refused() -> None:
    r = open_round(Method.DOTS, limit=3)
    b = ballot(r)
    with pytest.raises(RuleViolation, match="exceed the limit"):
        b.cast(r, "P-1", 4, audit())
    assert b.votes == []


def test_a_score_is_given_once_per_proposal() -> None:
    r = open_round(Method.SCORE)
    b = ballot(r)
    b.cast(r, "P-1", 4, audit())
    with pytest.raises(RuleViolation, match="retract that vote first"):
        b.cast(r, "P-1", 2, audit())
    b.retract(r, "P-1", audit())
    b.cast(r, "P-1", 2, audit())
    assert live(b) == [("P-1", 2)]


def test_an_agree_vote_replaces_the_earlier_one() -> None:
    r = open_round(Method.AGREE, limit=1)
    b = ballot(r)
    b.cast(r, "P-1", 1, audit())
    b.cast(r, "P-1", -1, audit())
    assert live(b) == [("P-1", -1)]
    # Replacing a vote uses no more of the limit; a second proposal would.
    with pytest.raises(RuleViolation, match="used 1 of 1 votes"):
        b.cast(r, "P-2", 1, audit())


def test_giving_the_same_agree_vote_again_is_refused() -> None:
    r = open_round(Method.AGREE)
    b = ballot(r)
    b.cast(r, "P-1", 0, audit())
    version, votes = b.version, list(b.votes)
    with pytest.raises(Unchanged, match="already gave this vote") as refused:
        b.cast(r, "P-1", 0, audit())
    assert refused.value.note == "repeated vote equal to the voter's standing vote"
    assert isinstance(refused.value, RuleViolation)
    # Nothing was recorded or changed.
    assert (b.version, b.votes) == (version, votes)
    assert len(b.collect_events()) == 2  # started, the first vote


def test_a_different_agree_vote_is_not_unchanged() -> None:
    r = open_round(Method.AGREE)
    b = ballot(r)
    b.cast(r, "P-1", 0, audit())
    b.cast(r, "P-1", 1, audit())
    assert live(b) == [("P-1", 1)]


# -- retraction ----------------------------------------------------------------------------------


def test_retracting_frees_the_limit() -> None:
    r = open_round(Method.DOTS, limit=3)
    b = ballot(r)
    b.cast(r, "P-1", 2, audit())
    b.cast(r, "P-1", 1, audit())
    b.retract(r, "P-1", audit())
    assert live(b) == []
    b.cast(r, "P-2", 3, audit())
    assert live(b) == [("P-2", 3)]


def test_retracting_a_vote_never_cast_is_refused() -> None:
    r = open_round(Method.APPROVAL)
    b = ballot(r)
    b.cast(r, "P-1", 1, audit())
    with pytest.raises(RuleViolation, match="no vote for P-2"):
        b.retract(r, "P-2", audit())


def test_a_ballot_is_keyed_by_round_and_participant() -> None:
    r = open_round(Method.APPROVAL)
    b = ballot(r, "p7")
    assert (b.key, b.round, b.participant) == ("R1/p7", "R1", "p7")
    assert b.id == Ballot.create_id("medvallee", "R1/p7")
