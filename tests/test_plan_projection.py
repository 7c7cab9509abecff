"""The action plan projection answers "what is the plan now?" from the log."""

from __future__ import annotations

from datetime import date
from typing import Any
from unittest.mock import patch

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.domain import ActionStatus, Decision, DecisionRule, OrganisationType, SessionKind
from registre.projections import projector_for, runner
from registre.projections.listings import read_proposals
from registre.projections.plan import ActionPlan, read_plan
from registre.projections.runner import Projector

LAYER = "unit"

CTX = c.Context(actor="greffe")
P = "medvallee"
FOUNDERS = ["metropole", "etat", "region"]


def _setup(s: Registre) -> None:
    s.handle(
        c.OpenProgramme(
            programme=P,
            title="Fabrik MedVallée",
            organiser="Métropole",
            founders={"metropole": "Métropole", "etat": "État", "region": "Région"},
            rule=DecisionRule.UNANIMITY,
        ),
        CTX,
    )
    s.handle(c.AddAxis(programme=P, key="sante", title="Santé"), CTX)
    s.handle(
        c.ScheduleSession(programme=P, key="A1", kind=SessionKind.WORKSHOP, on=date(2021, 10, 5)),
        CTX,
    )
    s.handle(
        c.RegisterParticipant(
            programme=P,
            key="p1",
            name="Ana",
            organisation="Lab",
            organisation_type=OrganisationType.RESEARCH_LAB,
        ),
        CTX,
    )
    for i in (1, 2):
        s.handle(
            c.SubmitContribution(
                programme=P, key=f"C{i}", session="A1", authors=["p1"], text=f"Idée {i}"
            ),
            CTX,
        )
        s.handle(
            c.SynthesiseProposal(
                programme=P,
                key=f"P{i}",
                title=f"Priorité {i}",
                axis="sante",
                sources=[c.SourceRef.parse(f"C{i}")],
            ),
            CTX,
        )
        s.handle(
            c.ValidateProposal(programme=P, proposal=f"P{i}", body="COPIL", minutes="CR-1"), CTX
        )


def _decide(s: Registre, proposal: str, founder: str, decision: str, revise: bool = False) -> Any:
    return s.handle(
        c.DecideOnPriority(
            programme=P,
            proposal=proposal,
            founder=founder,
            decision=Decision(decision),
            rationale="motif",
            revise=revise,
        ),
        CTX,
    )


def _plan(projector: Projector) -> ActionPlan:
    projector.catch_up()
    with projector.reading("plan") as db:
        plan = read_plan(db, P)
    assert plan is not None
    return plan


def test_the_plan_holds_adopted_priorities_with_each_founders_decision(service: Registre) -> None:
    _setup(service)
    projector = projector_for(service.store)
    for f in FOUNDERS:
        _decide(service, "P1", f, "approve")
    _decide(service, "P2", "metropole", "approve")
    service.handle(
        c.AssignAction(programme=P, key="A-1", priority="P1", title="Faire", lead="Métropole"), CTX
    )
    service.handle(
        c.ReportProgress(programme=P, key="A-1", status=ActionStatus.IN_PROGRESS, percent=40), CTX
    )
    plan = _plan(projector)
    assert [p.key for p in plan.priorities] == ["P1"]  # P2 awaits two founders
    priority = plan.priorities[0]
    assert {f: d["decision"] for f, d in priority.decisions.items()} == dict.fromkeys(
        FOUNDERS, "approve"
    )
    assert (priority.validated_by, priority.minutes) == ("COPIL", "CR-1")
    assert [(a.key, a.status, a.progress) for a in priority.actions] == [("A-1", "in-progress", 40)]
    assert list(plan.by_axis()) == ["sante"]


def test_a_revised_decision_and_its_annulment_move_the_priority_out_and_back(
    service: Registre,
) -> None:
    _setup(service)
    projector = projector_for(service.store)
    for f in FOUNDERS:
        _decide(service, "P1", f, "approve")
    revision = _decide(service, "P1", "etat", "reject", revise=True)
    assert _plan(projector).priorities == []
    position = next(r.position for r in revision.recorded if r.kind.endswith("FounderDecided"))
    service.handle(c.CorrectRecord(programme=P, position=position, reason="saisie erronée"), CTX)
    plan = _plan(projector)
    assert [p.key for p in plan.priorities] == ["P1"]
    assert plan.priorities[0].decisions["etat"]["decision"] == "approve"


def test_a_rebuild_from_zero_equals_the_plan_built_event_by_event(service: Registre) -> None:
    _setup(service)
    incremental = projector_for(service.store)
    for f in FOUNDERS:
        _decide(service, "P1", f, "approve")
        incremental.catch_up()
    _decide(service, "P1", "region", "amend", revise=True)
    incremental.catch_up()
    for f in FOUNDERS:
        _decide(service, "P2", f, "approve")
        incremental.catch_up()
    built = _plan(incremental)
    incremental.replay("plan")
    assert _plan(incremental) == built
    assert [p.key for p in built.priorities] == ["P2"]


def _rows(projector: Projector) -> dict[str, list[tuple[Any, ...]]]:
    with projector.reading("plan") as db:
        return {
            table: sorted(
                (tuple(r.values()) for r in db.rows(f"SELECT * FROM {{{table}}}")), key=repr
            )
            for table in db.tables
        }


def test_a_catch_up_another_overtook_between_its_pages_reads_its_proposals_again(
    service: Registre,
) -> None:
    """A run keeps each proposal's rows in memory; when another run applied
    events between two of its pages, it reads them again from the store."""
    _setup(service)
    first, second = projector_for(service.store), projector_for(service.store)
    first.catch_up()
    _decide(service, "P1", "metropole", "approve")
    _decide(service, "P1", "etat", "approve")
    overtaken: list[int] = []

    def overtake(position: int, head: int) -> None:
        if not overtaken:
            overtaken.append(position)
            _decide(service, "P1", "region", "approve")
            second.catch_up()  # the priority is adopted by the other run
            _decide(service, "P1", "region", "amend", revise=True)

    with patch.object(runner, "PAGE_SIZE", 1):
        first.catch_up(progress=overtake)
    assert overtaken
    built = _rows(first)
    first.replay("plan")
    assert _rows(first) == built
    assert _plan(first).priorities == []  # the amendment took the priority out


def test_proposals_are_listed_in_the_order_they_were_synthesised_whatever_changed_since(
    service: Registre,
) -> None:
    _setup(service)
    projector = projector_for(service.store)
    service.handle(
        c.SubmitContribution(programme=P, key="C3", session="A1", authors=["p1"], text="Idée 3"),
        CTX,
    )
    service.handle(
        c.SynthesiseProposal(
            programme=P, key="P0", title="Priorité 0", sources=[c.SourceRef.parse("C3")]
        ),
        CTX,
    )
    service.handle(c.RewordProposal(programme=P, key="P0", title="Priorité zéro"), CTX)
    # P1's row is rewritten last, by its adoption: it keeps its place.
    for f in FOUNDERS:
        _decide(service, "P1", f, "approve")
    projector.catch_up()
    with projector.reading("plan") as db:
        proposals = read_proposals(db, P)
    assert [(p.key, p.title, p.adopted) for p in proposals] == [
        ("P1", "Priorité 1", True),
        ("P2", "Priorité 2", False),
        ("P0", "Priorité zéro", False),
    ]
