"""Facts a source attests: a proposal's supports as the source counts them (no
vote of anyone), and a result the body accounts for, with the proposals behind it."""

from __future__ import annotations

import pytest
from domain_support import adopted, audit, programme, proposal

from registre.domain import Action, ActionStatus
from registre.domain.errors import InvalidInput, RuleViolation

LAYER = "unit"


def test_a_tally_is_attested_by_its_source_and_a_later_count_replaces_it() -> None:
    p = proposal(programme())
    p.attest_tally(128, "proposals.csv:2", audit())
    p.attest_tally(40, "other.csv:9", audit())
    p.attest_tally(130, "proposals.csv:2", audit())
    assert p.attested_tallies == {"proposals.csv:2": 130, "other.csv:9": 40}
    # A count is not a vote: the proposal holds no ballot and no adoption.
    assert not p.adopted


def test_the_same_count_from_the_same_source_is_refused() -> None:
    p = proposal(programme())
    p.attest_tally(12, "proposals.csv:3", audit())
    with pytest.raises(RuleViolation, match="already has 12 supports"):
        p.attest_tally(12, "proposals.csv:3", audit())


@pytest.mark.parametrize("count", [-1, True, 1.5])
def test_a_tally_is_a_whole_number_of_supports(count: object) -> None:
    p = proposal(programme())
    with pytest.raises(InvalidInput) as raised:
        p.attest_tally(count, "proposals.csv:2", audit())  # type: ignore[arg-type]
    assert raised.value.field == "count"
    assert p.attested_tallies == {}


def test_a_tally_names_its_source() -> None:
    p = proposal(programme())
    with pytest.raises(InvalidInput) as raised:
        p.attest_tally(3, "  ", audit())
    assert raised.value.field == "source"


def test_an_annulled_attestation_no_longer_stands() -> None:
    p = proposal(programme())
    p.attest_tally(7, "proposals.csv:2", audit())
    p.annul(p.version, "TallyAttested", "wrong file", audit())
    assert p.attested_tallies == {}


def test_a_result_is_linked_to_every_proposal_behind_it_without_adoption() -> None:
    prog = programme()
    first, second = proposal(prog, "P-1"), proposal(prog, "P-2")
    result = Action.record_result([first, second, first], "R-1", "Réseau", "Ville", audit())
    assert result.proposals == ["P-1", "P-2"]
    assert (result.priority, result.lead, result.partners) == ("P-1", "Ville", [])
    result.report(ActionStatus.IN_PROGRESS, 40, "En cours", audit())
    assert (result.status, result.progress) == (ActionStatus.IN_PROGRESS, 40)
    assert [type(e).__name__ for e in result.collect_events()] == [
        "ResultRecorded",
        "ProgressReported",
    ]


def test_a_result_needs_a_live_proposal() -> None:
    with pytest.raises(InvalidInput) as raised:
        Action.record_result([], "R-1", "Réseau", "Ville", audit())
    assert raised.value.field == "proposals"
    prog = programme()
    gone = proposal(prog)
    gone.annul(1, "Synthesised", "doublon", audit())
    with pytest.raises(RuleViolation):
        Action.record_result([gone], "R-1", "Réseau", "Ville", audit())


def test_an_assigned_action_still_carries_out_its_priority_alone() -> None:
    action = Action.assign(adopted(programme()), "A-1", "Guichet", "M", [], None, audit())
    assert action.proposals == ["P-1"]
    assert type(action.collect_events()[0]).__name__ == "Assigned"
