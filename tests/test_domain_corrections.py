"""Corrections: a mistaken record is annulled by a new one, never edited or deleted."""

from __future__ import annotations

from datetime import date

import pytest
from domain_support import adopted, audit, contribution, pending_kinds, programme, validated

from registre.domain import (
    Action,
    ActionStatus,
    Ballot,
    Decision,
    DecisionRule,
    Method,
    OrganisationType,
    Participant,
    Round,
    Session,
    SessionKind,
    Status,
)
from registre.domain.errors import RuleViolation

LAYER = "unit"


def dots_round(limit: int = 2) -> Round:
    return Round.open("medvallee", "R1", "W1", Method.DOTS, limit, None, ["P-1", "P-2"], audit())


def test_an_annulled_vote_no_longer_counts_and_frees_the_limit() -> None:
    r = dots_round(limit=2)
    b = Ballot.start(r, "p1", audit())
    b.cast(r, "P-1", 2, audit())
    b.annul(2, "VoteCast", "recorded for the wrong participant", audit())
    assert b.live_votes() == []
    assert b.annulled == {2: "recorded for the wrong participant"}
    b.cast(r, "P-2", 2, audit())
    assert [(v.proposal, v.value) for v in b.live_votes()] == [("P-2", 2)]


def test_annulling_a_replacing_agree_vote_restores_the_earlier_vote() -> None:
    r = Round.open("medvallee", "R1", "W1", Method.AGREE, None, None, ["P-1"], audit())
    b = Ballot.start(r, "p1", audit())
    b.cast(r, "P-1", 1, audit())
    b.cast(r, "P-1", -1, audit())
    b.annul(3, "VoteCast", "the sheet said agree", audit())
    assert [(v.proposal, v.value) for v in b.live_votes()] == [("P-1", 1)]


def test_a_replaced_agree_vote_can_be_annulled_without_touching_the_current_one() -> None:
    r = Round.open("medvallee", "R1", "W1", Method.AGREE, None, None, ["P-1"], audit())
    b = Ballot.start(r, "p1", audit())
    b.cast(r, "P-1", 1, audit())
    b.cast(r, "P-1", -1, audit())
    b.annul(2, "VoteCast", "entered on the wrong sheet", audit())
    assert [(v.proposal, v.value) for v in b.live_votes()] == [("P-1", -1)]


def test_an_annulled_amendment_leaves_the_earlier_text_current() -> None:
    c = contribution(text="v1")
    c.amend("v2", audit())
    c.annul(2, "Amended", "wrong card", audit())
    assert (c.current_version, c.text) == (1, "v1")


def test_annulling_a_decision_withdraws_the_adoption_it_made() -> None:
    prog = programme({"m": "M", "e": "E"}, DecisionRule.ANY)
    p = validated(prog)
    p.decide(prog, "m", Decision.APPROVE, "ok", False, audit())
    assert p.adopted
    decision_record = p.decisions[0].record
    p.annul(decision_record, "FounderDecided", "the founder never said so", audit())
    assert p.current_decisions() == {}
    p.reconsider_adoption(prog, audit())
    assert not p.adopted
    assert pending_kinds(p)[-2:] == ["RecordAnnulled", "AdoptionWithdrawn"]
    # The founder can now decide without --revise.
    p.decide(prog, "m", Decision.REJECT, "no", False, audit())


def test_annulling_a_validation_reopens_the_proposal() -> None:
    prog = programme()
    p = adopted(prog)
    validation = p.current_validation
    assert validation is not None
    p.annul(validation.record, "Validated", "the committee had no quorum", audit())
    assert p.status is Status.DRAFT
    p.reconsider_adoption(prog, audit())
    assert not p.adopted


def test_an_annulled_attendance_is_off_the_list() -> None:
    s = Session.schedule(
        "medvallee", "W1", SessionKind.FORUM, date(2022, 3, 1), "", [], [], audit()
    )
    s.record_attendance(["p1"], audit())
    s.annul(2, "AttendanceRecorded", "was not there", audit())
    assert s.attendance == {}


def test_an_annulled_progress_report_no_longer_sets_the_status() -> None:
    a = Action.assign(adopted(programme()), "A-1", "T", "lead", [], None, audit())
    a.report(ActionStatus.DONE, 100, "", audit())
    a.annul(2, "ProgressReported", "another action was done", audit())
    assert (a.status, a.progress) == (ActionStatus.PLANNED, 0)


def test_annulling_a_creation_voids_the_thing() -> None:
    c = contribution()
    c.annul(1, "Submitted", "entered twice", audit())
    assert c.void
    for act in (lambda: c.amend("x", audit()), lambda: c.withdraw("x", audit())):
        with pytest.raises(RuleViolation, match="was annulled: entered twice"):
            act()


def test_an_annulled_participant_is_void() -> None:
    p = Participant.register("medvallee", "p1", "Région", OrganisationType.STATE, audit())
    p.annul(1, "Registered", "registered in the wrong programme", audit())
    assert p.void


def test_annulling_the_same_record_twice_is_refused() -> None:
    c = contribution(text="v1")
    c.amend("v2", audit())
    c.annul(2, "Amended", "wrong card", audit())
    with pytest.raises(RuleViolation, match="already annulled: wrong card"):
        c.annul(2, "Amended", "again", audit())
    assert pending_kinds(c).count("RecordAnnulled") == 1


@pytest.mark.parametrize("version", [0, 3])
def test_annulling_a_record_the_thing_does_not_have_is_refused(version: int) -> None:
    c = contribution()
    c.amend("v2", audit())
    with pytest.raises(RuleViolation, match=f"has no record {version}"):
        c.annul(version, "Amended", "?", audit())


def test_annulling_an_unsupported_kind_of_record_is_refused() -> None:
    prog = programme()  # records 2 and 3 added axes
    with pytest.raises(RuleViolation, match="AxisAdded record cannot be annulled"):
        prog.annul(2, "AxisAdded", "typo", audit())
    c = contribution()
    c.annul(1, "Submitted", "entered twice", audit())
    with pytest.raises(RuleViolation, match="RecordAnnulled record cannot be annulled"):
        c.annul(2, "RecordAnnulled", "undo the correction", audit())


def test_an_adoption_cannot_be_annulled_directly() -> None:
    prog = programme({"m": "M"}, DecisionRule.ANY)
    p = adopted(prog)
    adoption = p.version  # the last record is the adoption
    assert pending_kinds(p)[-1] == "Adopted"
    with pytest.raises(RuleViolation, match="annul the decision"):
        p.annul(adoption, "Adopted", "premature", audit())
    assert p.adopted


def test_a_ballot_is_corrected_vote_by_vote_never_voided_whole() -> None:
    r = dots_round(limit=2)
    b = Ballot.start(r, "p1", audit())
    b.cast(r, "P-1", 1, audit())
    with pytest.raises(RuleViolation, match="vote by vote"):
        b.annul(1, "Started", "wrong participant", audit())
    b.cast(r, "P-2", 1, audit())  # the participant can still vote in the round
    assert len(b.live_votes()) == 2


def test_an_adopted_priority_cannot_be_annulled_before_its_decisions() -> None:
    prog = programme(rule=DecisionRule.ANY)
    p = adopted(prog)
    with pytest.raises(RuleViolation, match="adopted priority"):
        p.annul(1, "Synthesised", "duplicate", audit())
    assert not p.void and p.adopted
