"""Validation by a body, founders' decisions and adoption into the plan."""

from __future__ import annotations

import pytest
from domain_support import adopted, audit, pending_kinds, programme, proposal, validated

from registre.domain import Decision, DecisionRule, Outcome, Status
from registre.domain.errors import NotFound, RuleViolation

LAYER = "unit"

# -- validation state machine ---------------------------------------------------------------


def test_a_draft_is_validated() -> None:
    p = validated(programme())
    assert p.status is Status.VALIDATED
    v = p.current_validation
    assert v is not None and (v.body, v.minutes) == ("steering committee", "CR-2022-03")


def test_a_draft_is_rejected_and_a_rejected_proposal_is_closed() -> None:
    p = proposal(programme())
    p.validate("committee", "CR-1", Outcome.REJECTED, audit())
    assert p.status is Status.REJECTED
    for outcome in Outcome:
        with pytest.raises(RuleViolation, match="is rejected"):
            p.validate("committee", "CR-2", outcome, audit())
    with pytest.raises(RuleViolation, match="is rejected"):
        p.reword("Other", None, audit())


def test_a_validated_proposal_is_returned_for_rework_and_validated_again() -> None:
    p = validated(programme())
    statuses = [p.status]
    p.validate("committee", "CR-2", Outcome.RETURNED, audit())
    statuses.append(p.status)
    p.validate("committee", "CR-3", Outcome.VALIDATED, audit())
    statuses.append(p.status)
    assert statuses == [Status.VALIDATED, Status.RETURNED, Status.VALIDATED]


@pytest.mark.parametrize("outcome", [Outcome.VALIDATED, Outcome.REJECTED])
def test_a_validated_proposal_can_only_be_returned(outcome: Outcome) -> None:
    p = validated(programme())
    with pytest.raises(RuleViolation, match="return a validated one"):
        p.validate("committee", "CR-2", outcome, audit())
    assert p.status is Status.VALIDATED


def test_returning_a_validated_proposal_clears_its_decisions() -> None:
    prog = programme()
    p = validated(prog)
    p.decide(prog, "m", Decision.APPROVE, "ok", False, audit())
    p.validate("committee", "CR-2", Outcome.RETURNED, audit())
    assert p.current_decisions() == {}
    p.validate("committee", "CR-3", Outcome.VALIDATED, audit())
    assert p.current_decisions() == {}
    # The founder decides afresh on the new validation, without --revise.
    p.decide(prog, "m", Decision.REJECT, "not this version", False, audit())
    assert p.current_decisions()["m"].decision is Decision.REJECT
    assert len(p.decisions) == 2  # the earlier decision stays on record


def test_an_adopted_priority_cannot_be_returned() -> None:
    prog = programme()
    p = adopted(prog)
    with pytest.raises(RuleViolation, match="adopted priority"):
        p.validate("committee", "CR-2", Outcome.RETURNED, audit())


# -- founder decisions -------------------------------------------------------------------------


@pytest.mark.parametrize("outcome", [None, Outcome.RETURNED, Outcome.REJECTED])
def test_founders_decide_only_on_validated_priorities(outcome: Outcome | None) -> None:
    prog = programme()
    p = validated(prog) if outcome is Outcome.RETURNED else proposal(prog)
    if outcome is not None:
        p.validate("committee", "CR-2", outcome, audit())
    with pytest.raises(RuleViolation, match="founders decide only on validated"):
        p.decide(prog, "m", Decision.APPROVE, "ok", False, audit())
    assert p.decisions == []


def test_only_listed_founders_decide() -> None:
    prog = programme()
    p = validated(prog)
    with pytest.raises(NotFound, match="'x' is not a founder"):
        p.decide(prog, "x", Decision.APPROVE, "ok", False, audit())
    assert p.decisions == []


def test_a_second_decision_needs_revise() -> None:
    prog = programme()
    p = validated(prog)
    p.decide(prog, "m", Decision.AMEND, "reword the second part", False, audit())
    with pytest.raises(RuleViolation, match="recorded as a revision of that one") as refused:
        p.decide(prog, "m", Decision.APPROVE, "fine now", False, audit())
    assert refused.value.field == "revise"
    assert len(p.decisions) == 1


def test_revise_needs_an_earlier_decision() -> None:
    prog = programme()
    p = validated(prog)
    with pytest.raises(RuleViolation, match=r"no decision .* to revise"):
        p.decide(prog, "m", Decision.APPROVE, "ok", True, audit())


def test_a_revision_replaces_the_decision_and_keeps_the_earlier_one() -> None:
    prog = programme()
    p = validated(prog)
    p.decide(prog, "m", Decision.AMEND, "reword", False, audit())
    p.decide(prog, "m", Decision.APPROVE, "fine now", True, audit())
    assert p.current_decisions()["m"].decision is Decision.APPROVE
    assert [d.decision for d in p.decisions] == [Decision.AMEND, Decision.APPROVE]
    revision = p.pending_events[-1]
    assert getattr(revision, "revises", None) == p.decisions[0].record


@pytest.mark.parametrize(
    ("rule", "approvals_needed"),
    [(DecisionRule.UNANIMITY, 3), (DecisionRule.MAJORITY, 2), (DecisionRule.ANY, 1)],
)
def test_adoption_happens_as_soon_as_the_rule_is_met(
    rule: DecisionRule, approvals_needed: int
) -> None:
    prog = programme({"m": "Métropole", "e": "État", "r": "Région"}, rule)
    p = validated(prog)
    adopted_at = []
    for step, founder in enumerate(["m", "e", "r"], start=1):
        if p.decide(prog, founder, Decision.APPROVE, "ok", False, audit()):
            adopted_at.append(step)
        assert p.adopted is (step >= approvals_needed)
    assert adopted_at == [approvals_needed]
    assert pending_kinds(p).count("Adopted") == 1


def test_rejections_and_amendment_requests_do_not_count_as_approvals() -> None:
    prog = programme({"m": "M", "e": "E", "r": "R"}, DecisionRule.MAJORITY)
    p = validated(prog)
    p.decide(prog, "m", Decision.APPROVE, "ok", False, audit())
    p.decide(prog, "e", Decision.REJECT, "no", False, audit())
    p.decide(prog, "r", Decision.AMEND, "reword", False, audit())
    assert not p.adopted
    assert "Adopted" not in pending_kinds(p)


def test_a_revision_that_breaks_the_rule_withdraws_the_adoption() -> None:
    prog = programme({"m": "M", "e": "E", "r": "R"}, DecisionRule.MAJORITY)
    p = validated(prog)
    p.decide(prog, "m", Decision.APPROVE, "ok", False, audit())
    p.decide(prog, "e", Decision.APPROVE, "ok", False, audit())
    assert p.adopted
    p.decide(prog, "e", Decision.REJECT, "budget withdrawn", True, audit())
    assert not p.adopted
    assert pending_kinds(p)[-2:] == ["FounderDecided", "AdoptionWithdrawn"]
    # Approving again adopts it again.
    assert p.decide(prog, "e", Decision.APPROVE, "budget found", True, audit())
    assert p.adopted


def test_a_revision_that_keeps_the_rule_met_leaves_the_adoption() -> None:
    prog = programme({"m": "M", "e": "E", "r": "R"}, DecisionRule.ANY)
    p = validated(prog)
    p.decide(prog, "m", Decision.APPROVE, "ok", False, audit())
    p.decide(prog, "e", Decision.APPROVE, "ok", False, audit())
    p.decide(prog, "m", Decision.REJECT, "changed mind", True, audit())
    assert p.adopted
    assert "AdoptionWithdrawn" not in pending_kinds(p)
