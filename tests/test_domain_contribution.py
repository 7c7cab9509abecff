"""Contributions: amendments keep every text as a version; withdrawal is final."""

from __future__ import annotations

import pytest
from domain_support import audit, contribution

from registre.domain import Contribution
from registre.domain.errors import NotFound, RuleViolation

LAYER = "unit"


def test_a_contribution_needs_an_author() -> None:
    with pytest.raises(RuleViolation) as refused:
        Contribution.submit("medvallee", "C-1", "W1", None, [], "text", audit())
    assert str(refused.value) == "a contribution needs at least one author"
    assert refused.value.field == "authors"


def test_authors_are_listed_once_in_order() -> None:
    c = Contribution.submit("medvallee", "C-1", "W1", None, ["b", "a", "b"], "t", audit())
    assert c.authors == ["b", "a"]


def test_amending_keeps_the_old_text_as_a_version() -> None:
    c = contribution(text="v1")
    assert c.amend("v2", audit()) == 2
    assert c.amend("v3", audit()) == 3
    assert c.texts == ["v1", "v2", "v3"]
    assert c.text == "v3"
    assert c.current_version == 3


def test_amending_to_the_same_text_is_refused() -> None:
    c = contribution(text="same")
    with pytest.raises(RuleViolation, match="already has this text"):
        c.amend("same", audit())


def test_a_withdrawn_contribution_records_why() -> None:
    c = contribution()
    c.withdraw("doublon", audit())
    assert c.withdrawn == "doublon"


def test_withdrawing_twice_is_refused() -> None:
    c = contribution()
    c.withdraw("doublon", audit())
    with pytest.raises(RuleViolation, match="already withdrawn"):
        c.withdraw("again", audit())


def test_amending_a_withdrawn_contribution_is_refused() -> None:
    c = contribution()
    c.withdraw("doublon", audit())
    with pytest.raises(RuleViolation, match="withdrawn and cannot be amended"):
        c.amend("new text", audit())
    assert c.texts == ["Un guichet unique"]


def test_existing_versions_can_be_referenced() -> None:
    c = contribution(text="v1")
    c.amend("v2", audit())
    c.require_version(1)
    c.require_version(2)


@pytest.mark.parametrize("number", [0, 3])
def test_a_version_that_does_not_exist_is_not_found(number: int) -> None:
    c = contribution(text="v1")
    c.amend("v2", audit())
    with pytest.raises(NotFound, match=f"no version {number}"):
        c.require_version(number)


def test_an_annulled_amendment_cannot_be_referenced_and_is_not_current() -> None:
    c = contribution(text="v1")
    c.amend("v2", audit())
    c.annul(2, "Amended", "typed on the wrong card", audit())
    assert c.current_version == 1
    assert c.text == "v1"
    assert c.texts == ["v1", "v2"]  # the mistaken text stays on record
    with pytest.raises(RuleViolation, match="version 2 of contribution C-1 was annulled"):
        c.require_version(2)


def test_annulling_a_withdrawal_allows_amending_again() -> None:
    c = contribution(text="v1")
    c.withdraw("by mistake", audit())
    c.annul(2, "Withdrawn", "the author did not withdraw it", audit())
    assert c.withdrawn is None
    assert c.amend("v2", audit()) == 2
