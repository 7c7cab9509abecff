"""Participatory budget rounds: whole ballots with a minimum, ordinal ranks,
dots per proposal, costs and a budget, the greedy funding rule; anonymous
participants."""

from __future__ import annotations

from typing import Any

import pytest
from domain_support import audit, pending_kinds
from hypothesis import given
from hypothesis import strategies as st

from registre.domain import Ballot, Method, OrganisationType, Participant, Round
from registre.domain.errors import InvalidInput, RuleViolation, Unchanged
from registre.domain.voting import greedy_funding

LAYER = "unit"

PROPOSALS = ["P-1", "P-2", "P-3"]


def budget_round(method: Method = Method.APPROVAL, limit: int | None = 2, **terms: object) -> Round:
    return Round.open(
        "medvallee",
        "PB",
        "W1",
        method,
        limit,
        None,
        PROPOSALS,
        audit(),
        **terms,  # type: ignore[arg-type]
    )


def test_a_round_with_terms_records_them_beside_its_opening() -> None:
    r = budget_round(min_votes=1, budget=100, costs={"P-1": 60, "P-2": 50, "P-3": 30})
    assert pending_kinds(r) == ["Opened", "TermsFixed"]
    assert r.whole_ballots and r.budget == 100 and r.costs["P-2"] == 50
    assert pending_kinds(budget_round()) == ["Opened"]  # a round without terms is as before


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"min_votes": 3}, "min_votes"),  # above the limit of 2
        ({"min_votes": 0}, "min_votes"),
        ({"max_per_proposal": 2}, "max_per_proposal"),  # not a dots round
        ({"budget": 100, "costs": {"P-1": 1}}, "costs"),  # P-2 and P-3 have no cost
        ({"costs": {"P-9": 1}}, "costs"),
        ({"budget": -1, "costs": dict.fromkeys(PROPOSALS, 1)}, "budget"),
    ],
)
def test_a_rounds_terms_are_checked(terms: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        budget_round(**terms)
    assert refused.value.field == field


def test_a_whole_ballot_meets_the_minimum_and_the_limit() -> None:
    r = budget_round(min_votes=2)
    with pytest.raises(RuleViolation, match="takes at least 2"):
        Ballot.start(r, "v1", audit()).cast_whole(r, [("P-1", 1)], audit())
    over = Ballot.start(r, "v2", audit())
    with pytest.raises(RuleViolation, match="would exceed the limit"):
        over.cast_whole(r, [("P-1", 1), ("P-2", 1), ("P-3", 1)], audit())
    ok = Ballot.start(r, "v3", audit())
    ok.cast_whole(r, [("P-1", 1), ("P-3", 1)], audit())
    assert [(v.proposal, v.value) for v in ok.live_votes()] == [("P-1", 1), ("P-3", 1)]
    with pytest.raises(RuleViolation, match="cast once"):
        ok.cast_whole(r, [("P-2", 1)], audit())


def test_an_ordinal_ballot_ranks_from_one_without_gaps_or_repeats() -> None:
    r = budget_round(Method.ORDINAL, limit=3, min_votes=1)
    assert r.value_of("2") == 2
    with pytest.raises(InvalidInput, match="a rank"):
        r.value_of(None)
    with pytest.raises(RuleViolation, match="without gaps"):
        Ballot.start(r, "v1", audit()).cast_whole(r, [("P-1", 1), ("P-2", 3)], audit())
    with pytest.raises(RuleViolation, match="without gaps"):
        Ballot.start(r, "v2", audit()).cast_whole(r, [("P-1", 1), ("P-2", 1)], audit())
    b = Ballot.start(r, "v3", audit())
    b.cast_whole(r, [("P-2", 1), ("P-1", 2)], audit())
    assert [(v.proposal, v.value) for v in b.live_votes()] == [("P-2", 1), ("P-1", 2)]


def test_a_cumulative_ballot_puts_at_most_so_many_dots_on_one_proposal() -> None:
    r = budget_round(Method.DOTS, limit=5, max_per_proposal=3)
    with pytest.raises(RuleViolation, match="at most 3 on one proposal"):
        Ballot.start(r, "v1", audit()).cast_whole(r, [("P-1", 4), ("P-2", 1)], audit())
    b = Ballot.start(r, "v2", audit())
    b.cast_whole(r, [("P-1", 3), ("P-2", 2)], audit())
    with pytest.raises(RuleViolation, match="exceed the limit"):
        Ballot.start(r, "v3", audit()).cast_whole(r, [("P-1", 3), ("P-2", 3)], audit())


def test_a_closed_budget_round_funds_by_the_greedy_rule_once() -> None:
    r = budget_round(min_votes=1, budget=100, costs={"P-1": 60, "P-2": 50, "P-3": 30})
    with pytest.raises(RuleViolation, match="close it"):
        r.select_funding({}, audit())
    r.close(audit())
    funded = r.select_funding({"P-1": (5, 5), "P-2": (4, 4), "P-3": (3, 3)}, audit())
    assert funded == ["P-1", "P-3"]  # P-2 does not fit in the 40 left
    assert r.funded == funded and pending_kinds(r)[-1] == "FundingSelected"
    with pytest.raises(Unchanged):
        r.select_funding({}, audit())
    no_budget = budget_round()
    no_budget.close(audit())
    with pytest.raises(RuleViolation, match="no budget"):
        no_budget.select_funding({}, audit())


def test_a_dots_round_funds_by_dots_not_by_voters() -> None:
    r = budget_round(Method.DOTS, limit=5, budget=10, costs={"P-1": 6, "P-2": 6, "P-3": 4})
    r.close(audit())
    # P-2 has fewer voters but more dots than P-1.
    assert r.select_funding({"P-1": (3, 4), "P-2": (2, 9), "P-3": (1, 1)}, audit()) == [
        "P-2",
        "P-3",
    ]


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 40)), min_size=1, max_size=12),
    st.integers(0, 200),
)
def test_greedy_funding_stays_within_the_budget_and_skips_only_what_does_not_fit(
    projects: list[tuple[int, int]], budget: int
) -> None:
    order = [f"P-{i}" for i in range(len(projects))]
    support = {p: s for p, (s, _) in zip(order, projects, strict=True)}
    costs = {p: cost for p, (_, cost) in zip(order, projects, strict=True)}
    funded = greedy_funding(support, costs, budget, order)
    spent = sum(costs[p] for p in funded)
    assert spent <= budget
    for p in order:
        if p in funded:
            assert support[p] > 0
            continue
        # Skipped: no support, or it did not fit after the better supported ones.
        before = [
            q for q in funded if (-support[q], order.index(q)) < (-support[p], order.index(p))
        ]
        assert support[p] == 0 or costs[p] > budget - sum(costs[q] for q in before)


def test_an_anonymous_participant_is_a_key_with_nothing_else() -> None:
    voter = Participant.register_anonymous("medvallee", "v-1", audit())
    assert voter.anonymous and voter.organisation_type is OrganisationType.ANONYMOUS
    named = Participant.register(
        "medvallee", "p1", "Université", OrganisationType.UNIVERSITY, audit()
    )
    assert not named.anonymous
