"""Programme rules: founders, axes, decision rules, plan versions."""

from __future__ import annotations

import pytest
from domain_support import audit, programme

from registre.domain import DecisionRule, Programme
from registre.domain.errors import AlreadyExists, InvalidInput, NotFound, RuleViolation

LAYER = "unit"


def test_a_programme_without_founders_is_refused() -> None:
    with pytest.raises(RuleViolation) as refused:
        Programme.open("p", "T", "O", {}, DecisionRule.ANY, audit())
    assert str(refused.value) == "a programme needs at least one founder"
    assert refused.value.field == "founders"


def test_a_programme_records_its_founders_and_rule() -> None:
    p = programme({"m": "Métropole", "r": "Région"}, DecisionRule.MAJORITY)
    assert p.founders == {"m": "Métropole", "r": "Région"}
    assert p.rule is DecisionRule.MAJORITY
    assert p.id == Programme.create_id("medvallee")


def test_a_founder_key_must_be_a_valid_key() -> None:
    with pytest.raises(InvalidInput, match="founder key"):
        Programme.open("p", "T", "O", {"bad key": "X"}, DecisionRule.ANY, audit())


def test_an_axis_key_can_be_added_only_once() -> None:
    p = programme()
    with pytest.raises(AlreadyExists, match="already has an axis 'health'"):
        p.add_axis("health", "Santé encore", audit())
    assert p.axes == {"health": "Santé", "food": "Alimentation"}


def test_a_new_axis_is_added() -> None:
    p = programme()
    p.add_axis("env", "Environnement", audit())
    assert p.axes["env"] == "Environnement"
    p.require_axis("env")


def test_an_unknown_axis_is_not_found() -> None:
    with pytest.raises(NotFound, match="no axis 'sea'"):
        programme().require_axis("sea")


def test_only_listed_founders_are_founders() -> None:
    p = programme()
    p.require_founder("m")
    with pytest.raises(NotFound, match="not a founder"):
        p.require_founder("x")


@pytest.mark.parametrize(
    ("rule", "approvals", "founders", "met"),
    [
        (DecisionRule.UNANIMITY, 3, 3, True),
        (DecisionRule.UNANIMITY, 2, 3, False),
        (DecisionRule.UNANIMITY, 1, 1, True),
        (DecisionRule.MAJORITY, 2, 3, True),
        (DecisionRule.MAJORITY, 1, 3, False),
        (DecisionRule.MAJORITY, 1, 2, False),  # half is not a majority
        (DecisionRule.MAJORITY, 2, 2, True),
        (DecisionRule.MAJORITY, 3, 4, True),
        (DecisionRule.ANY, 1, 3, True),
        (DecisionRule.ANY, 0, 3, False),
    ],
)
def test_decision_rule_is_met_by_the_number_of_approvals(
    rule: DecisionRule, approvals: int, founders: int, met: bool
) -> None:
    assert rule.is_met(approvals, founders) is met


def test_published_plan_versions_are_numbered_in_order() -> None:
    p = programme()
    assert p.publish_plan("restitution intermédiaire", audit()) == 1
    assert p.publish_plan("Assises", audit()) == 2
    assert p.plan_versions == ["restitution intermédiaire", "Assises"]
