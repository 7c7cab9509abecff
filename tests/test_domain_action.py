"""Actions of the plan: only for adopted priorities; progress in percent; done is final."""

from __future__ import annotations

from datetime import date

import pytest
from domain_support import adopted, audit, programme, validated

from registre.domain import Action, ActionStatus, Proposal
from registre.domain.errors import InvalidInput, RuleViolation

LAYER = "unit"


def assign(priority: Proposal) -> Action:
    return Action.assign(
        priority, "A-1", "Guichet", "Métropole", ["Région", "Région"], date(2023, 1, 1), audit()
    )


def test_an_action_is_assigned_to_an_adopted_priority() -> None:
    a = assign(adopted(programme()))
    assert (a.priority, a.lead, a.partners) == ("P-1", "Métropole", ["Région"])
    assert a.status is ActionStatus.PLANNED and a.progress == 0


def test_an_action_for_a_priority_not_adopted_is_refused() -> None:
    with pytest.raises(RuleViolation, match="not an adopted priority"):
        assign(validated(programme()))


@pytest.mark.parametrize("percent", [-1, 101])
def test_progress_is_a_percentage(percent: int) -> None:
    a = assign(adopted(programme()))
    with pytest.raises(InvalidInput, match="0 to 100"):
        a.report(ActionStatus.IN_PROGRESS, percent, "", audit())
    assert a.reports == []


def test_progress_is_reported() -> None:
    a = assign(adopted(programme()))
    a.report(ActionStatus.IN_PROGRESS, 0, "", audit())
    a.report(ActionStatus.IN_PROGRESS, 40, "", audit())
    assert (a.status, a.progress) == (ActionStatus.IN_PROGRESS, 40)


def test_the_same_report_without_a_note_is_refused() -> None:
    a = assign(adopted(programme()))
    a.report(ActionStatus.IN_PROGRESS, 40, "", audit())
    with pytest.raises(RuleViolation, match="already in-progress at 40%"):
        a.report(ActionStatus.IN_PROGRESS, 40, "", audit())
    a.report(ActionStatus.IN_PROGRESS, 40, "weekly check", audit())


def test_done_is_final_and_complete() -> None:
    a = assign(adopted(programme()))
    with pytest.raises(InvalidInput, match="a done action is at 100%, not 70%"):
        a.report(ActionStatus.DONE, 70, "", audit())
    assert a.status is ActionStatus.PLANNED
    a.report(ActionStatus.DONE, 100, "", audit())
    assert (a.status, a.progress) == (ActionStatus.DONE, 100)
    with pytest.raises(RuleViolation, match="is done; it takes no more reports"):
        a.report(ActionStatus.IN_PROGRESS, 50, "reopened", audit())


def test_cancelled_is_final() -> None:
    a = assign(adopted(programme()))
    a.report(ActionStatus.CANCELLED, 0, "no budget", audit())
    with pytest.raises(RuleViolation, match="is cancelled"):
        a.report(ActionStatus.DONE, 100, "", audit())
