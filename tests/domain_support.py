"""Builders for the pure domain tests: aggregates made in memory, no store."""

from __future__ import annotations

from datetime import UTC, datetime

from registre.domain import (
    Audit,
    Contribution,
    Decision,
    DecisionRule,
    Outcome,
    Programme,
    Proposal,
    RegistreAggregate,
)
from registre.domain.proposal import cite

WORKSHOP_DAY = datetime(2022, 3, 1, 9, 30, tzinfo=UTC)


def audit(command_id: str = "cmd-1", actor: str = "clerk") -> Audit:
    return Audit(
        actor=actor,
        occurred_at=WORKSHOP_DAY,
        recorded_at=datetime(2022, 3, 4, 17, 0, tzinfo=UTC),
        command_id=command_id,
    )


def programme(
    founders: dict[str, str] | None = None, rule: DecisionRule = DecisionRule.UNANIMITY
) -> Programme:
    p = Programme.open(
        "medvallee",
        "Fabrik MedVallée",
        "Montpellier Métropole",
        founders if founders is not None else {"m": "Métropole", "e": "État", "r": "Région"},
        rule,
        audit(),
    )
    p.add_axis("health", "Santé", audit())
    p.add_axis("food", "Alimentation", audit())
    return p


def contribution(key: str = "C-1", text: str = "Un guichet unique") -> Contribution:
    return Contribution.submit("medvallee", key, "W1", "health", ["p1"], text, audit())


def proposal(prog: Programme, key: str = "P-1", axis: str | None = "health") -> Proposal:
    source = cite(contribution(f"C-{key}"), None)
    return Proposal.synthesise(prog, key, f"Title {key}", "text", axis, [source], audit())


def validated(prog: Programme, key: str = "P-1") -> Proposal:
    p = proposal(prog, key)
    p.validate("steering committee", "CR-2022-03", Outcome.VALIDATED, audit())
    return p


def adopted(prog: Programme, key: str = "P-1") -> Proposal:
    p = validated(prog, key)
    for founder in prog.founders:
        p.decide(prog, founder, Decision.APPROVE, "agreed", False, audit())
    assert p.adopted
    return p


def pending_kinds(aggregate: RegistreAggregate) -> list[str]:
    """Names of the events the aggregate recorded and not yet saved, in order."""
    return [type(e).__name__ for e in aggregate.pending_events]
