"""Proposals: synthesis from cited versions, rewording, merge and split lineage."""

from __future__ import annotations

import contextlib

import pytest
from domain_support import audit, contribution, programme, proposal, validated
from hypothesis import given, settings
from hypothesis import strategies as st

from registre.domain import Outcome, Programme, Proposal, Status
from registre.domain.errors import NotFound, RuleViolation
from registre.domain.proposal import cite, merge, split

LAYER = "unit"

# -- synthesis and citation -------------------------------------------------------------


def test_a_proposal_must_cite_a_contribution() -> None:
    with pytest.raises(RuleViolation, match="must cite at least one contribution") as refused:
        Proposal.synthesise(programme(), "P-1", "T", "", None, [], audit())
    assert str(refused.value) == "proposal P-1 must cite at least one contribution"
    assert refused.value.field == "sources"


def test_a_proposal_under_an_unknown_axis_is_refused() -> None:
    source = cite(contribution(), None)
    with pytest.raises(NotFound, match="no axis 'sea'"):
        Proposal.synthesise(programme(), "P-1", "T", "", "sea", [source], audit())


def test_a_synthesised_proposal_is_a_draft_with_its_sources() -> None:
    source = cite(contribution("C-7"), None)
    p = Proposal.synthesise(programme(), "P-1", "T", "x", "health", [source], audit())
    assert p.status is Status.DRAFT
    assert p.sources == [{"contribution": "C-7", "version": 1, "withdrawn": False}]
    assert p.origin == "synthesis" and p.parents == []


def test_cite_records_the_current_version_by_default() -> None:
    c = contribution(text="v1")
    c.amend("v2", audit())
    assert cite(c, None) == {"contribution": "C-1", "version": 2, "withdrawn": False}


def test_cite_records_the_version_asked_for() -> None:
    c = contribution(text="v1")
    c.amend("v2", audit())
    assert cite(c, 1)["version"] == 1


def test_cite_says_when_the_contribution_was_withdrawn() -> None:
    c = contribution()
    c.withdraw("doublon", audit())
    assert cite(c, None) == {"contribution": "C-1", "version": 1, "withdrawn": True}


def test_cite_refuses_a_missing_or_annulled_version() -> None:
    c = contribution(text="v1")
    c.amend("v2", audit())
    c.annul(2, "Amended", "wrong card", audit())
    with pytest.raises(NotFound):
        cite(c, 3)
    with pytest.raises(RuleViolation, match="annulled"):
        cite(c, 2)
    assert cite(c, None)["version"] == 1


def test_cite_refuses_an_annulled_contribution() -> None:
    c = contribution()
    c.annul(1, "Submitted", "entered twice", audit())
    with pytest.raises(RuleViolation, match="was annulled"):
        cite(c, None)


# -- rewording -----------------------------------------------------------------------------


def test_an_open_proposal_is_reworded() -> None:
    p = proposal(programme())
    p.reword("New title", None, audit())
    assert (p.title, p.text) == ("New title", "text")
    p.reword("New title", "new text", audit())
    assert p.text == "new text"


def test_rewording_to_the_same_words_is_refused() -> None:
    p = proposal(programme())
    with pytest.raises(RuleViolation, match="already has this wording"):
        p.reword(p.title, p.text, audit())


def test_a_validated_proposal_cannot_be_reworded() -> None:
    p = validated(programme())
    with pytest.raises(RuleViolation, match="is validated; only a draft or returned"):
        p.reword("Other", None, audit())


def test_a_returned_proposal_can_be_reworded() -> None:
    p = validated(programme())
    p.validate("committee", "CR-2", Outcome.RETURNED, audit())
    p.reword("Reworked", None, audit())
    assert p.title == "Reworked"


# -- merge -----------------------------------------------------------------------------------


def test_merging_into_a_new_proposal_records_its_parents_and_closes_the_sources() -> None:
    prog = programme()
    a, b = proposal(prog, "P-1"), proposal(prog, "P-2")
    target = merge(prog, [a, b], None, "P-3", "Merged", audit())
    assert (target.key, target.origin, target.parents) == ("P-3", "merge", ["P-1", "P-2"])
    assert target.axis == "health"  # the sources' common axis
    assert target.status is Status.DRAFT
    assert a.status is Status.MERGED and a.merged_into == "P-3"
    assert b.status is Status.MERGED and b.merged_into == "P-3"


def test_merging_sources_of_different_axes_gives_a_proposal_without_axis() -> None:
    prog = programme()
    a, b = proposal(prog, "P-1", "health"), proposal(prog, "P-2", "food")
    assert merge(prog, [a, b], None, "P-3", "Merged", audit()).axis is None


def test_merging_into_an_existing_proposal_records_what_it_absorbed() -> None:
    prog = programme()
    a, b, target = proposal(prog, "P-1"), proposal(prog, "P-2"), proposal(prog, "P-3")
    assert merge(prog, [a, b], target, "P-3", None, audit()) is target
    assert target.absorbed == ["P-1", "P-2"]
    assert target.status is Status.DRAFT
    assert a.merged_into == "P-3" and b.merged_into == "P-3"


def test_a_new_merged_proposal_needs_two_sources_and_a_title() -> None:
    prog = programme()
    a, b = proposal(prog, "P-1"), proposal(prog, "P-2")
    with pytest.raises(RuleViolation, match="at least two"):
        merge(prog, [a], None, "P-3", "T", audit())
    with pytest.raises(RuleViolation, match="does not exist yet: give it a title") as refused:
        merge(prog, [a, b], None, "P-3", None, audit())
    assert refused.value.field == "title"
    assert a.status is Status.DRAFT and b.status is Status.DRAFT


def test_a_proposal_cannot_be_merged_into_itself() -> None:
    prog = programme()
    a, b = proposal(prog, "P-1"), proposal(prog, "P-2")
    with pytest.raises(RuleViolation, match="into itself"):
        merge(prog, [a, b], a, "P-1", None, audit())


def test_each_source_is_named_once() -> None:
    prog = programme()
    a = proposal(prog, "P-1")
    with pytest.raises(RuleViolation, match="once") as refused:
        merge(prog, [a, a], None, "P-3", "T", audit())
    assert refused.value.field == "sources"


def test_merging_a_closed_proposal_is_refused() -> None:
    prog = programme()
    a, b, c = proposal(prog, "P-1"), proposal(prog, "P-2"), proposal(prog, "P-3")
    merge(prog, [a, b], None, "P-4", "T", audit())
    with pytest.raises(RuleViolation, match="P-1 is merged"):
        merge(prog, [a, c], None, "P-5", "T", audit())
    assert c.status is Status.DRAFT  # nothing of the refused merge was recorded


def test_merging_into_a_closed_proposal_is_refused() -> None:
    prog = programme()
    a, b, c = proposal(prog, "P-1"), proposal(prog, "P-2"), proposal(prog, "P-3")
    merge(prog, [a, b], None, "P-4", "T", audit())
    with pytest.raises(RuleViolation, match="P-1 is merged"):
        merge(prog, [c], a, "P-1", None, audit())
    assert c.status is Status.DRAFT and a.absorbed == []


def test_merging_into_a_validated_proposal_is_refused() -> None:
    prog = programme()
    target, c = validated(prog, "P-1"), proposal(prog, "P-2")
    with pytest.raises(RuleViolation, match="P-1 is validated"):
        merge(prog, [c], target, "P-1", None, audit())


def test_merged_and_split_proposals_cannot_be_reworded_or_validated() -> None:
    prog = programme()
    a, b, c = proposal(prog, "P-1"), proposal(prog, "P-2"), proposal(prog, "P-3")
    merge(prog, [a, b], None, "P-4", "T", audit())
    split(prog, c, [("P-5", "x"), ("P-6", "y")], audit())
    for closed in (a, c):
        with pytest.raises(RuleViolation):
            closed.reword("Other", None, audit())
        with pytest.raises(RuleViolation):
            closed.validate("committee", "CR", Outcome.VALIDATED, audit())


# -- split -------------------------------------------------------------------------------------


def test_splitting_creates_parts_that_keep_the_source_as_parent() -> None:
    prog = programme()
    source = proposal(prog, "P-1")
    parts = split(prog, source, [("P-2", "Part A"), ("P-3", "Part B")], audit())
    assert [(p.key, p.title, p.parents, p.origin) for p in parts] == [
        ("P-2", "Part A", ["P-1"], "split"),
        ("P-3", "Part B", ["P-1"], "split"),
    ]
    assert all(p.axis == "health" and p.status is Status.DRAFT for p in parts)
    assert source.status is Status.SPLIT and source.split_into == ["P-2", "P-3"]


def test_a_split_needs_two_distinct_parts_other_than_the_source() -> None:
    prog = programme()
    source = proposal(prog, "P-1")
    with pytest.raises(RuleViolation, match="at least two distinct") as refused:
        split(prog, source, [("P-2", "A")], audit())
    assert refused.value.field == "parts"
    with pytest.raises(RuleViolation, match="at least two distinct"):
        split(prog, source, [("P-2", "A"), ("P-2", "B")], audit())
    with pytest.raises(RuleViolation, match="into itself"):
        split(prog, source, [("P-1", "A"), ("P-2", "B")], audit())
    assert source.status is Status.DRAFT


def test_splitting_a_closed_proposal_is_refused() -> None:
    prog = programme()
    source = proposal(prog, "P-1")
    split(prog, source, [("P-2", "A"), ("P-3", "B")], audit())
    with pytest.raises(RuleViolation, match="P-1 is split"):
        split(prog, source, [("P-4", "A"), ("P-5", "B")], audit())


# -- lineage never forms a cycle, whatever the sequence of merges and splits -------------------

KEYS = [f"P-{n}" for n in range(8)]
operation = st.one_of(
    st.tuples(
        st.just("merge"),
        st.lists(st.sampled_from(KEYS), min_size=1, max_size=3),
        st.sampled_from(KEYS),
    ),
    st.tuples(
        st.just("split"),
        st.sampled_from(KEYS),
        st.lists(st.sampled_from(KEYS), min_size=2, max_size=3),
    ),
    st.tuples(st.just("validate"), st.sampled_from(KEYS), st.sampled_from(list(Outcome))),
)


def _apply(prog: Programme, known: dict[str, Proposal], op: tuple[object, ...]) -> None:
    """Applies one operation as the service would: keys resolved in one programme."""
    if op[0] == "merge":
        sources_keys, target_key = op[1], op[2]
        assert isinstance(sources_keys, list) and isinstance(target_key, str)
        if any(k not in known for k in sources_keys):
            return
        sources = [known[k] for k in sources_keys]
        target = merge(prog, sources, known.get(target_key), target_key, "M", audit())
        known[target.key] = target
    elif op[0] == "split":
        source_key, part_keys = op[1], op[2]
        assert isinstance(source_key, str) and isinstance(part_keys, list)
        if source_key not in known or any(k in known for k in part_keys):
            return
        parts = split(prog, known[source_key], [(k, "S") for k in part_keys], audit())
        known.update((p.key, p) for p in parts)
    else:
        key, outcome = op[1], op[2]
        assert isinstance(key, str) and isinstance(outcome, Outcome)
        if key in known:
            known[key].validate("committee", "CR", outcome, audit())


def _children(known: dict[str, Proposal]) -> dict[str, set[str]]:
    """Lineage edges, parent -> child, from every link the proposals record."""
    edges: dict[str, set[str]] = {k: set() for k in known}
    for p in known.values():
        for parent in [*p.parents, *p.absorbed]:
            edges.setdefault(parent, set()).add(p.key)
        if p.merged_into is not None:
            edges[p.key].add(p.merged_into)
        edges[p.key].update(p.split_into)
    return edges


def _has_cycle(edges: dict[str, set[str]]) -> bool:
    visiting: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> bool:
        if node in done:
            return False
        if node in visiting:
            return True
        visiting.add(node)
        found = any(visit(child) for child in edges.get(node, ()))
        visiting.discard(node)
        done.add(node)
        return found

    return any(visit(node) for node in list(edges))


@settings(max_examples=300, deadline=None)
@given(st.lists(operation, min_size=1, max_size=25))
def test_lineage_stays_acyclic_under_any_merges_and_splits(
    operations: list[tuple[object, ...]],
) -> None:
    prog = programme()
    known = {k: proposal(prog, k) for k in KEYS[:3]}
    for op in operations:
        # A refused operation changes nothing; the graph must hold either way.
        with contextlib.suppress(RuleViolation):
            _apply(prog, known, op)
        assert not _has_cycle(_children(known)), op
    for p in known.values():
        # Only open proposals may still change lineage, and none of them has a descendant.
        if p.status in (Status.DRAFT, Status.RETURNED):
            assert p.merged_into is None and p.split_into == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _has_cycle({"a": {"b"}, "b": {"a"}})
    assert not _has_cycle({"a": {"b"}, "b": set()})
