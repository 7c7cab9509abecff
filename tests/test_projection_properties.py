"""Properties of every registered projection, over random valid programmes.

Whatever the order of contributions, rewordings, merges, splits,
validations, decisions, revisions, actions and corrections: a projection
rebuilt from zero equals the same projection built command by command, the
view of the past at a position equals the projection as it stood when the
record ended there, and the plan read from its stored history at a position
equals the plan rebuilt from the log up to there. On SQLite files kept in
memory; the stored history on PostgreSQL is read by test_plan_as_of.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from conftest import ram_dir
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.stores.config import parse_url
from registre.domain import (
    ActionStatus,
    Decision,
    DecisionRule,
    OrganisationType,
    Outcome,
    SessionKind,
)
from registre.domain.errors import RegistreError
from registre.projections import plan as plan_projection
from registre.projections import projector_for, runner
from registre.projections.plan import ActionPlan, read_plan
from registre.projections.runner import Db, Projector

LAYER = "unit"

P = "prop"
CTX = c.Context(actor="greffe")
FOUNDERS = {"m": "Métropole", "e": "État", "r": "Région"}

index = st.integers(min_value=0, max_value=7)
step = st.one_of(
    st.tuples(st.just("contribute")),
    st.tuples(st.just("synthesise"), index),
    st.tuples(st.just("priority"), st.sampled_from(list(Decision))),
    st.tuples(st.just("priority"), st.just(Decision.APPROVE)),
    st.tuples(st.just("validate"), index, st.sampled_from(list(Outcome))),
    st.tuples(
        st.just("decide"), index, st.sampled_from(list(FOUNDERS)), st.sampled_from(list(Decision))
    ),
    st.tuples(st.just("assign"), index),
    st.tuples(
        st.just("progress"),
        index,
        st.sampled_from(list(ActionStatus)),
        st.integers(min_value=0, max_value=100),
    ),
    st.tuples(st.just("correct"), st.integers(min_value=0, max_value=200)),
    # A correction of one of the last records: a decision, an adoption's cause,
    # a progress report, more often than a random position reaches them.
    st.tuples(st.just("correct_recent"), st.integers(min_value=0, max_value=12)),
    # A founder's revision to reject: withdraws an adoption that stood.
    st.tuples(st.just("revoke"), index),
    st.tuples(st.just("reword"), index),
    st.tuples(st.just("merge"), index, index),
    st.tuples(st.just("split"), index),
)
programmes = st.tuples(
    st.sampled_from(list(DecisionRule)),
    st.lists(step, min_size=5, max_size=25),
)
report = st.tuples(st.sampled_from(list(ActionStatus)), st.integers(min_value=0, max_value=100))
# Steps that reach the plan's later life more often than single random steps:
# an adopted priority with an action and its reports, a merge of fresh proposals.
plan_step = st.one_of(
    step,
    st.tuples(st.just("act"), st.lists(report, max_size=3)),
    st.tuples(st.just("merge_fresh")),
)
plan_programmes = st.tuples(
    st.sampled_from(list(DecisionRule)),
    st.lists(plan_step, min_size=5, max_size=20),
)


@dataclass
class Programme:
    """What the steps have recorded so far, to name existing things."""

    contributions: int = 0
    proposals: int = 0
    actions: int = 0


def run_step(s: Registre, made: Programme, step: tuple[Any, ...]) -> None:
    kind = step[0]
    n = step[1] if len(step) > 1 and isinstance(step[1], int) else 0
    proposal = f"F{n % made.proposals}" if made.proposals else "F0"
    if kind == "contribute":
        s.handle(
            c.SubmitContribution(
                programme=P,
                key=f"C{made.contributions}",
                session="S1",
                axis="ax",
                authors=["p1"],
                text="Idée",
            ),
            CTX,
        )
        made.contributions += 1
    elif kind == "synthesise":
        source = f"C{n % made.contributions}" if made.contributions else "C0"
        s.handle(
            c.SynthesiseProposal(
                programme=P,
                key=f"F{made.proposals}",
                title=f"Priorité {n}",
                axis="ax",
                sources=[c.SourceRef.parse(source)],
            ),
            CTX,
        )
        made.proposals += 1
    elif kind == "priority":
        # A contribution taken all the way to the founders, who decide alike:
        # random single steps alone rarely get a priority adopted.
        run_step(s, made, ("contribute",))
        run_step(s, made, ("synthesise", made.contributions - 1))
        run_step(s, made, ("validate", made.proposals - 1, Outcome.VALIDATED))
        for founder in FOUNDERS:
            run_step(s, made, ("decide", made.proposals - 1, founder, step[1]))
    elif kind == "validate":
        s.handle(
            c.ValidateProposal(
                programme=P, proposal=proposal, body="COPIL", minutes=f"CR-{n}", outcome=step[2]
            ),
            CTX,
        )
    elif kind == "decide":
        command = c.DecideOnPriority(
            programme=P, proposal=proposal, founder=step[2], decision=step[3], rationale="motif"
        )
        try:
            s.handle(command, CTX)
        except RegistreError:
            # The founder has decided already: this is a revision.
            s.handle(command.model_copy(update={"revise": True}), CTX)
    elif kind == "assign":
        s.handle(
            c.AssignAction(
                programme=P, key=f"A{made.actions}", priority=proposal, title="Faire", lead="M"
            ),
            CTX,
        )
        made.actions += 1
    elif kind == "progress":
        action = f"A{n % made.actions}" if made.actions else "A0"
        s.handle(c.ReportProgress(programme=P, key=action, status=step[2], percent=step[3]), CTX)
    elif kind == "revoke":
        s.handle(
            c.DecideOnPriority(
                programme=P,
                proposal=proposal,
                founder="m",
                decision=Decision.REJECT,
                rationale="revu",
                revise=True,
            ),
            CTX,
        )
    elif kind == "reword":
        s.handle(c.RewordProposal(programme=P, key=proposal, title=f"Reprise {n}"), CTX)
    elif kind == "merge":
        other = f"F{step[2] % made.proposals}" if made.proposals else "F0"
        s.handle(
            c.MergeProposals(
                programme=P, target=f"F{made.proposals}", sources=[proposal, other], title="Fusion"
            ),
            CTX,
        )
        made.proposals += 1
    elif kind == "split":
        parts = [(f"F{made.proposals + i}", f"Part {i}") for i in (0, 1)]
        s.handle(c.SplitProposal(programme=P, key=proposal, parts=parts), CTX)
        made.proposals += 2
    elif kind == "act":
        run_step(s, made, ("priority", Decision.APPROVE))
        run_step(s, made, ("assign", made.proposals - 1))
        for status, percent in step[1]:
            run_step(s, made, ("progress", made.actions - 1, status, percent))
    elif kind == "merge_fresh":
        for _ in range(2):
            run_step(s, made, ("contribute",))
            run_step(s, made, ("synthesise", made.contributions - 1))
        run_step(s, made, ("merge", made.proposals - 2, made.proposals - 1))
    elif kind == "correct_recent":
        head = s.store.app.recorder.max_notification_id() or 0
        s.handle(c.CorrectRecord(programme=P, position=max(1, head - n), reason="erreur"), CTX)
    else:
        s.handle(c.CorrectRecord(programme=P, position=1 + n, reason="erreur de saisie"), CTX)


def open_programme(s: Registre, rule: DecisionRule) -> None:
    s.handle(
        c.OpenProgramme(programme=P, title="T", organiser="O", founders=FOUNDERS, rule=rule), CTX
    )
    s.handle(c.AddAxis(programme=P, key="ax", title="Axe"), CTX)
    s.handle(
        c.ScheduleSession(programme=P, key="S1", kind=SessionKind.WORKSHOP, on=date(2021, 10, 5)),
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


def contents(db: Db) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    return {
        table: sorted(
            (tuple(row.values()) for row in db.rows(f"SELECT * FROM {{{table}}}")), key=repr
        )
        for table in db.tables
    }


@dataclass
class Snapshot:
    head: int
    tables: dict[str, dict[str, list[tuple[Any, ...]]]]
    plan: ActionPlan | None


def snapshot(projector: Projector) -> Snapshot:
    projector.catch_up()
    tables = {}
    for name in projector.projections:
        with projector.reading(name) as db:
            tables[name] = contents(db)
    with projector.reading("plan") as db:
        plan = read_plan(db, P)
    return Snapshot(projector.head(), tables, plan)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(programme=programmes, pick=st.integers(min_value=0))
def test_rebuilt_and_past_views_equal_the_projections_built_command_by_command(
    programme: tuple[DecisionRule, list[tuple[Any, ...]]], pick: int
) -> None:
    rule, steps = programme
    with tempfile.TemporaryDirectory(dir=ram_dir()) as folder:
        service = Registre.open(parse_url(str(Path(folder) / "registre.db")))
        try:
            open_programme(service, rule)
            projector = projector_for(service.store)
            made = Programme()
            snapshots = [snapshot(projector)]
            for s in steps:
                try:
                    run_step(service, made, s)
                except RegistreError:
                    continue  # refused by a rule: nothing was recorded
                snapshots.append(snapshot(projector))

            adopted = final_plan.priorities if (final_plan := snapshots[-1].plan) else []
            event(f"adopted priorities: {min(len(adopted), 2)}+")
            event(f"steps recorded: {len(snapshots) // 10 * 10}+")
            # (a) a rebuild from zero equals what was built incrementally: in
            # one page, and in pages of a few events with what a run keeps in
            # memory forgotten often (so it is read back from the store)
            final = snapshots[-1]
            for name in projector.projections:
                projector.replay(name)
            assert snapshot(projector).tables == final.tables
            with (
                patch.object(runner, "PAGE_SIZE", 3),
                patch.object(plan_projection, "FACTS_CACHED", 2),
                patch.object(plan_projection, "ROWS_CACHED", 3),
            ):
                projector.replay(*projector.projections)
            assert snapshot(projector).tables == final.tables

            # (b) the view at the position a command ended on equals the
            # projection as it stood after that command
            past = snapshots[pick % len(snapshots)]
            for name in projector.projections:
                with projector.build_at(name, past.head) as db:
                    assert contents(db) == past.tables[name], name
                    if name == "plan":
                        assert read_plan(db, P) == past.plan
        finally:
            service.close()


# -- the plan's stored history against the rebuild ------------------------------------

WATCHED: tuple[str, ...] = (
    "Adopted",
    "AdoptionWithdrawn",
    "RecordAnnulled",
    "MergedInto",
    "SplitInto",
)
WATCHED += ("Reworded", "ProgressReported")


@pytest.fixture
def new_store(request: pytest.FixtureRequest, store_kind: str) -> Callable[[], str]:
    """Makes the URL of an empty store of the test's kind, once per example."""
    if store_kind == "postgres":
        database: str = request.getfixturevalue("postgres_database")
        return lambda: f"{database}?schema=t_{uuid.uuid4().hex[:12]}"
    folder: Path = request.getfixturevalue("ram_folder" if store_kind == "ram" else "tmp_path")
    return lambda: str(folder / f"history-{uuid.uuid4().hex[:12]}.db")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        # The fixture only hands out a factory; every example makes its own store.
        HealthCheck.function_scoped_fixture,
    ],
)
@given(
    programme=plan_programmes,
    picks=st.lists(st.integers(min_value=0), min_size=1, max_size=8),
)
# An adopted priority seen at the position where its validation is annulled,
# before the same command withdraws its adoption: no validation stands there.
@example(
    programme=(
        DecisionRule.UNANIMITY,
        [
            ("contribute",),
            ("contribute",),
            ("contribute",),
            ("merge_fresh",),
            ("priority", Decision.REJECT),
            ("priority", Decision.REJECT),
            ("priority", Decision.APPROVE),
            ("contribute",),
            ("correct_recent", 10),
        ],
    ),
    picks=[1_218_435_349_061],
)
def test_the_plan_read_from_its_history_equals_the_plan_rebuilt_up_to_any_position(
    new_store: Callable[[], str],
    programme: tuple[DecisionRule, list[tuple[Any, ...]]],
    picks: list[int],
) -> None:
    rule, steps = programme
    service = Registre.open(parse_url(new_store()))
    try:
        open_programme(service, rule)
        projector = projector_for(service.store)
        made = Programme()
        for s in steps:
            try:
                run_step(service, made, s)
            except RegistreError:
                continue
            projector.catch_up(["plan"])  # the history is written as the record grows
        projector.catch_up(["plan"])
        head = projector.head()
        topics = [
            n.topic for n in service.store.app.recorder.select_notifications(start=1, limit=head)
        ]
        for kind in WATCHED:
            if any(t.endswith(f".{kind}") for t in topics):
                event(f"recorded {kind}")
        positions = sorted({head, *(1 + p % head for p in picks)})
        with projector.reading("plan") as db:
            stored = {at: read_plan(db, P, at=at) for at in positions}
            assert read_plan(db, P) == stored[head]
        for at in positions:
            with projector.build_at("plan", at) as db:
                assert stored[at] == read_plan(db, P), at
    finally:
        service.close()
