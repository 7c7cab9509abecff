"""The tallies projection counts each round by its method's rules, honours
retractions and annulments, and leaves out votes stored after the close."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from service_support import contribute, ctx, open_programme, register, synthesise

from registre.adapters.application import Registre, Result
from registre.adapters.application import commands as c
from registre.adapters.application.service import make_audit
from registre.adapters.stores.config import parse_url
from registre.domain import Ballot, Method, Round
from registre.domain.errors import RegistreError
from registre.projections import projector_for, tallies
from registre.projections.tallies import ProposalTally, RoundTally, read_tallies

LAYER = "unit"

P = "vote"
PEOPLE = ["p1", "p2", "p3"]
PROPOSALS = ["F1", "F2"]


def _setup(s: Registre) -> None:
    open_programme(s, P)
    for key in PEOPLE:
        register(s, P, key)
    for i, key in enumerate(PROPOSALS, 1):
        contribute(s, P, f"C{i}")
        synthesise(s, P, key, f"C{i}")


def _open(s: Registre, key: str, method: str, limit: int | None = None) -> None:
    s.handle(
        c.OpenRound(
            programme=P,
            key=key,
            session="W1",
            method=Method(method),
            limit=limit,
            proposals=PROPOSALS,
        ),
        ctx(),
    )


def _cast(s: Registre, round_: str, who: str, proposal: str, value: str | None = None) -> Result:
    return s.handle(
        c.CastVote(programme=P, round=round_, participant=who, proposal=proposal, value=value),
        ctx(),
    )


def _retract(s: Registre, round_: str, who: str, proposal: str) -> Result:
    return s.handle(
        c.RetractVote(programme=P, round=round_, participant=who, proposal=proposal), ctx()
    )


def _position(result: Result, kind: str) -> int:
    return next(r.position for r in result.recorded if r.kind.endswith(kind))


def _tally(s: Registre, round_: str) -> RoundTally:
    projector = projector_for(s.store)
    projector.catch_up(["tallies"])
    with projector.reading("tallies") as db:
        (tally,) = read_tallies(db, P, round_)
    return tally


def _by_proposal(tally: RoundTally) -> dict[str, ProposalTally]:
    return {t.proposal: t for t in tally.proposals}


def test_approval_counts_one_approval_per_participant(service: Registre) -> None:
    _setup(service)
    _open(service, "R1", "approval", limit=2)
    for who in PEOPLE:
        _cast(service, "R1", who, "F1")
    _cast(service, "R1", "p2", "F2")
    tally = _by_proposal(_tally(service, "R1"))
    assert (tally["F1"].total, tally["F1"].voters) == (3, 3)
    assert (tally["F2"].total, tally["F2"].voters) == (1, 1)


def test_dots_add_up_on_one_proposal(service: Registre) -> None:
    _setup(service)
    _open(service, "R1", "dots", limit=3)
    _cast(service, "R1", "p1", "F1", "2")
    _cast(service, "R1", "p1", "F1", "1")  # a third dot on the same proposal
    _cast(service, "R1", "p2", "F1", "1")
    _cast(service, "R1", "p2", "F2", "2")
    tally = _tally(service, "R1")
    by = _by_proposal(tally)
    assert (by["F1"].total, by["F1"].voters) == (4, 2)
    assert (by["F2"].total, by["F2"].voters) == (2, 1)
    assert tally.participants == 2
    assert [t.proposal for t in tally.ranked()] == ["F1", "F2"]


def test_score_has_a_sum_a_count_and_a_mean(service: Registre) -> None:
    _setup(service)
    _open(service, "R1", "score")
    for who, score in zip(PEOPLE, ("5", "2", "4"), strict=True):
        _cast(service, "R1", who, "F1", score)
    f1 = _by_proposal(_tally(service, "R1"))["F1"]
    assert (f1.total, f1.voters, f1.mean) == (11, 3, 3.67)
    assert _by_proposal(_tally(service, "R1"))["F2"].mean is None


def test_agree_counts_and_a_later_vote_replaces_the_earlier(service: Registre) -> None:
    _setup(service)
    _open(service, "R1", "agree")
    _cast(service, "R1", "p1", "F1", "agree")
    _cast(service, "R1", "p2", "F1", "disagree")
    _cast(service, "R1", "p3", "F1", "pass")
    _cast(service, "R1", "p2", "F1", "agree")  # p2 changed their mind
    f1 = _by_proposal(_tally(service, "R1"))["F1"]
    assert (f1.agree, f1.disagree, f1.passes, f1.voters, f1.total) == (2, 0, 1, 3, 2)


def test_a_retraction_removes_the_participants_votes_on_that_proposal(service: Registre) -> None:
    _setup(service)
    _open(service, "R1", "dots", limit=3)
    _cast(service, "R1", "p1", "F1", "1")
    _cast(service, "R1", "p1", "F1", "1")
    _cast(service, "R1", "p1", "F2", "1")
    _retract(service, "R1", "p1", "F1")
    _cast(service, "R1", "p1", "F1", "1")  # a vote after the retraction counts again
    by = _by_proposal(_tally(service, "R1"))
    assert (by["F1"].total, by["F2"].total) == (1, 1)


def test_an_annulled_vote_no_longer_counts_and_the_earlier_one_stands(service: Registre) -> None:
    _setup(service)
    _open(service, "R1", "agree")
    _cast(service, "R1", "p1", "F1", "agree")
    replacing = _cast(service, "R1", "p1", "F1", "disagree")
    _cast(service, "R1", "p2", "F2", "agree")
    before = _by_proposal(_tally(service, "R1"))["F1"]
    assert (before.agree, before.disagree) == (0, 1)
    service.handle(
        c.CorrectRecord(programme=P, position=_position(replacing, "VoteCast"), reason="erreur"),
        ctx(),
    )
    after = _by_proposal(_tally(service, "R1"))
    assert (after["F1"].agree, after["F1"].disagree) == (1, 0)
    assert after["F2"].agree == 1


def test_a_vote_stored_after_the_close_is_listed_late_and_not_counted(service: Registre) -> None:
    _setup(service)
    _open(service, "R1", "approval", limit=2)
    _cast(service, "R1", "p1", "F1")
    _cast(service, "R1", "p2", "F1")
    # p2's second vote was checked against the round while it was still open,
    # but the close was stored first: the race a busy room can produce.
    round_ = service.load(Round, P, "R1")
    ballot = service.load(Ballot, P, Ballot.key_for("R1", "p2"))
    assert round_ is not None and ballot is not None
    service.handle(c.CloseRound(programme=P, key="R1"), ctx())
    ballot.cast(round_, "F2", 1, make_audit(ctx(), "late-vote"))
    service.store.app.save(ballot)
    tally = _tally(service, "R1")
    assert tally.closed
    assert _by_proposal(tally)["F2"].total == 0
    assert _by_proposal(tally)["F1"].total == 2
    ((late),) = tally.late
    assert (late.participant, late.proposal, late.kind) == ("p2", "F2", "cast")
    assert tally.closed_at is not None and late.position > tally.closed_at


@pytest.mark.integration
def test_a_round_read_a_page_at_a_time_counts_as_read_whole(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages that split a participant's records (replaced, retracted, annulled
    and late votes) count the same as the round read at once."""
    _setup(service)
    _open(service, "R1", "agree")
    _cast(service, "R1", "p1", "F1", "agree")
    _cast(service, "R1", "p1", "F2", "disagree")
    replacing = _cast(service, "R1", "p1", "F1", "disagree")
    _cast(service, "R1", "p2", "F1", "pass")
    _retract(service, "R1", "p2", "F1")
    _cast(service, "R1", "p2", "F2", "agree")
    _cast(service, "R1", "p3", "F2", "agree")
    _cast(service, "R1", "p3", "F2", "disagree")
    service.handle(
        c.CorrectRecord(programme=P, position=_position(replacing, "VoteCast"), reason="erreur"),
        ctx(),
    )
    round_ = service.load(Round, P, "R1")
    ballot = service.load(Ballot, P, Ballot.key_for("R1", "p2"))
    assert round_ is not None and ballot is not None
    service.handle(c.CloseRound(programme=P, key="R1"), ctx())
    ballot.cast(round_, "F1", 1, make_audit(ctx(), "late-vote"))
    service.store.app.save(ballot)
    whole = _tally(service, "R1")
    by = _by_proposal(whole)
    assert (by["F1"].agree, by["F1"].disagree, by["F1"].passes, by["F1"].voters) == (1, 0, 0, 1)
    assert (by["F2"].agree, by["F2"].disagree, by["F2"].voters) == (1, 2, 3)
    assert whole.participants == 3 and len(whole.late) == 1
    for size in (1, 2, 3):
        monkeypatch.setattr(tallies, "PAGE", size)
        assert _tally(service, "R1") == whole


def test_rounds_are_listed_in_order_and_an_unknown_round_reads_empty(service: Registre) -> None:
    _setup(service)
    _open(service, "R1", "approval")
    _open(service, "R2", "dots", limit=2)
    projector = projector_for(service.store)
    projector.catch_up(["tallies"])
    with projector.reading("tallies") as db:
        assert [t.round for t in read_tallies(db, P)] == ["R1", "R2"]
        assert read_tallies(db, P, "R9") == []
        assert read_tallies(db, "other") == []


# -- property: the projection agrees with the ballots ----------------------------------

VALUES = {
    "approval": st.none(),
    "dots": st.sampled_from(["1", "2"]),
    "score": st.sampled_from(["0", "3", "5"]),
    "agree": st.sampled_from(["agree", "disagree", "pass"]),
}


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, str, str | None, int]]]:
    method = draw(st.sampled_from(sorted(VALUES)))
    step = st.tuples(
        st.sampled_from(["cast", "cast", "retract", "annul"]),
        st.sampled_from(PEOPLE),
        st.sampled_from(PROPOSALS),
        VALUES[method],
        st.integers(0, 20),  # which earlier vote to annul
    )
    return method, draw(st.lists(step, max_size=14))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_projected_tally_equals_a_count_from_the_ballots(
    scenario: tuple[str, list[tuple[str, str, str, str | None, int]]],
) -> None:
    method, steps = scenario
    with (
        tempfile.TemporaryDirectory() as folder,
        Registre.open(parse_url(str(Path(folder) / "r.db"))) as s,
    ):
        _setup(s)
        _open(s, "R", method, limit=3 if method == "dots" else len(PROPOSALS))
        casts: list[int] = []
        for kind, who, proposal, value, pick in steps:
            try:
                if kind == "cast":
                    casts.append(_position(_cast(s, "R", who, proposal, value), "VoteCast"))
                elif kind == "retract":
                    _retract(s, "R", who, proposal)
                elif casts:
                    position = casts[pick % len(casts)]
                    s.handle(c.CorrectRecord(programme=P, position=position, reason="x"), ctx())
            except RegistreError:
                pass  # refused by a rule: nothing recorded, as for a clerk
        totals: Counter[str] = Counter()
        voters: Counter[str] = Counter()
        for who in PEOPLE:
            ballot = s.load(Ballot, P, Ballot.key_for("R", who))
            live = ballot.live_votes() if ballot else []
            for v in live:
                totals[v.proposal] += v.value
            for proposal in {v.proposal for v in live}:
                voters[proposal] += 1
        tally = _by_proposal(_tally(s, "R"))
        assert {p: t.total for p, t in tally.items()} == {p: totals[p] for p in PROPOSALS}
        assert {p: t.voters for p, t in tally.items()} == {p: voters[p] for p in PROPOSALS}
