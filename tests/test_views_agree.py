"""Every view tells the same story: on random programmes (annulments of every
kind, merges both ways, splits, returns, rejections, revisions, retracted
votes), the plan, the trace in every format, the statistics, every export and
the site's data agree, at random positions, with each other and with the
aggregates on each proposal's state, votes, organisation types, decisions and
actions. On both stores, in bounded time."""

from __future__ import annotations

import contextlib
import json
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_projection_properties import CTX, P, Programme, open_programme, run_step
from test_projection_properties import step as base_step

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.exporters import build
from registre.adapters.site.build import gather
from registre.adapters.stores.config import parse_url
from registre.domain import Ballot, DecisionRule, Proposal, Round
from registre.domain.errors import RegistreError
from registre.domain.reading import State
from registre.projections import projector_for
from registre.projections.participation import read_participation
from registre.projections.plan import read_plan
from registre.projections.runner import Projector
from registre.projections.trace import read_trace
from registre.projections.trace_formats import render

LAYER = "integration"

index = st.integers(min_value=0, max_value=7)
step = st.one_of(
    base_step,
    # a participant of another kind, who writes a contribution (its
    # registration can be annulled by a correction)
    st.tuples(st.just("newcomer"), st.sampled_from(["association", "start-up", "citizen"])),
    st.tuples(st.just("round"), st.sampled_from(["dots", "approval", "agree"])),
    st.tuples(st.just("vote"), index, index, st.integers(min_value=1, max_value=2)),
    st.tuples(st.just("retract"), index, index),
    st.tuples(st.just("close")),
    st.tuples(st.just("merge_into"), index, index),
)
programmes = st.tuples(
    st.sampled_from(list(DecisionRule)),
    st.lists(step, min_size=8, max_size=30),
    st.lists(st.integers(min_value=0), min_size=2, max_size=2),
)


class Extra:
    """What the steps of this test recorded: participants, rounds."""

    def __init__(self) -> None:
        self.people = ["p1"]
        self.rounds: list[tuple[str, str]] = []  # key, method


def run(s: Registre, made: Programme, extra: Extra, st_: tuple[Any, ...]) -> None:
    kind = st_[0]
    if kind == "newcomer":
        key = f"n{len(extra.people)}"
        s.handle(
            c.RegisterParticipant(
                programme=P, key=key, name="X", organisation="Org", organisation_type=st_[1]
            ),
            CTX,
        )
        extra.people.append(key)
        s.handle(
            c.SubmitContribution(
                programme=P,
                key=f"C{made.contributions}",
                session="S1",
                axis="ax",
                authors=["p1", key],
                text="Ensemble",
            ),
            CTX,
        )
        made.contributions += 1
    elif kind == "round":
        key = f"R{len(extra.rounds)}"
        proposals = [f"F{i}" for i in range(made.proposals)][-3:] or ["F0"]
        s.handle(
            c.OpenRound(
                programme=P,
                key=key,
                session="S1",
                method=st_[1],
                limit=3 if st_[1] == "dots" else None,
                proposals=proposals,
            ),
            CTX,
        )
        extra.rounds.append((key, st_[1]))
    elif kind in ("vote", "retract") and extra.rounds:
        key, method = extra.rounds[st_[1] % len(extra.rounds)]
        who = extra.people[st_[2] % len(extra.people)]
        round_ = s.load(Round, P, key)
        assert round_ is not None
        target = round_.proposals[st_[2] % len(round_.proposals)]
        if kind == "retract":
            s.handle(c.RetractVote(programme=P, round=key, participant=who, proposal=target), CTX)
        else:
            value = {"dots": str(st_[3]), "approval": None, "agree": "agree"}[method]
            if method == "agree" and st_[3] == 2:
                value = "disagree"
            s.handle(
                c.CastVote(programme=P, round=key, participant=who, proposal=target, value=value),
                CTX,
            )
    elif kind == "close" and extra.rounds:
        s.handle(c.CloseRound(programme=P, key=extra.rounds[-1][0]), CTX)
    elif kind == "merge_into" and made.proposals:
        # into an existing proposal, which keeps its key (the other way round
        # from a merge into a new one)
        source = f"F{st_[1] % made.proposals}"
        target = f"F{st_[2] % made.proposals}"
        s.handle(c.MergeProposals(programme=P, target=target, sources=[source]), CTX)
    elif kind not in ("vote", "retract", "close", "merge_into"):
        run_step(s, made, st_)


def story(s: Registre, views: Projector, made: Programme) -> dict[str, Any]:
    """What every view says of every proposal, checked to agree, and returned."""
    views.catch_up()
    proposals = {
        k: p
        for k in (f"F{i}" for i in range(made.proposals))
        if (p := s.load(Proposal, P, k)) is not None and not p.void
    }
    with views.reading("provenance") as db:
        traces = {k: read_trace(db, P, k) for k in proposals}
    with views.reading("plan") as db:
        plan = read_plan(db, P)
    with views.reading("participation") as db:
        report = read_participation(db, P)
    assert plan is not None
    exported = {row["proposal"]: row for row in build(views, "proposals", P).document["proposals"]}
    planned = {p["key"]: p for p in build(views, "plan", P).document["priorities"]}
    tallies = build(views, "tallies", P).document["rounds"]
    site = gather(views, P)
    on_site = {row.key: row for row in site.proposals}
    stats = {d.proposal: d for d in report.proposals} if report else {}
    said: dict[str, Any] = {}
    for key, proposal in proposals.items():
        trace = traces[key]
        assert trace is not None
        state = trace.state
        # the aggregate and every view agree on adoption and state
        assert (state == State.ADOPTED) == proposal.adopted, key
        assert exported[key]["state"] == on_site[key].state == state, key
        assert (key in {p.key for p in plan.priorities}) == proposal.adopted == (key in planned)
        assert exported[key]["rejected_by"] == on_site[key].rejected_by == trace.rejected_by
        decisions = {f: d.decision.value for f, d in proposal.current_decisions().items()}
        assert {f: d["decision"] for f, d in trace.decisions.items()} == decisions
        assert exported[key]["decisions"] == on_site[key].decisions == decisions
        if key in planned:
            assert {f: d["decision"] for f, d in planned[key]["decisions"].items()} == decisions
        # the kinds of organisation behind it
        types = sorted(trace.organisation_types)
        assert exported[key]["organisation_types"] == types == stats[key].types, key
        assert site.traces[key].organisation_types == trace.organisation_types
        # its live actions, in every format
        if key in planned:
            assert sorted(a["key"] for a in planned[key]["actions"]) == sorted(trace.actions)
        formats = {fmt: render(trace, fmt) for fmt in ("text", "json", "prov", "dot", "mermaid")}
        prov = json.loads(formats["prov"])["entity"]
        assert prov[f"reg:proposal/{key}"]["reg:state"] == state
        assert json.loads(formats["json"])["state"] == state
        assert f"state: {state}" in formats["text"]
        for fmt in ("dot", "mermaid"):
            for action in trace.actions:
                assert f"action {action}" in formats[fmt]
        for a in trace.actions:
            assert f"reg:action/{a}" in prov
        said[key] = {"state": state, "types": types, "decisions": decisions}
    # votes: the trace's tallies, the export's and the ballots agree
    counted: dict[tuple[str, str], int] = {}
    for r in tallies:
        for t in r["proposals"]:
            counted[(r["round"], t["proposal"])] = t["total"]
    for key, trace in traces.items():
        assert trace is not None
        for t in trace.tallies:
            if key == t.proposal:
                assert counted[(t.round, t.proposal)] == t.total, (t.round, key)
    for r in tallies:
        if r["closed"]:
            continue
        by_ballots: dict[str, int] = {}
        for who in ["p1", *(f"n{i}" for i in range(1, 8))]:
            ballot = s.load(Ballot, P, Ballot.key_for(r["round"], who))
            for v in ballot.live_votes() if ballot else []:
                by_ballots[v.proposal] = by_ballots.get(v.proposal, 0) + v.value
        for t in r["proposals"]:
            assert t["total"] == by_ballots.get(t["proposal"], 0), (r["round"], t)
    return said


def agree_on(url: Callable[[], str], programme: tuple[Any, ...]) -> None:
    rule, steps, picks = programme
    service = Registre.open(parse_url(url()))
    try:
        open_programme(service, rule)
        views = projector_for(service.store)
        made, extra = Programme(), Extra()
        told: list[tuple[int, Any]] = []
        moments = {p % len(steps) for p in picks}
        for i, s in enumerate(steps):
            # a step the consultation's rules refuse records nothing
            with contextlib.suppress(RegistreError):
                run(service, made, extra, s)
            if i in moments or i == len(steps) - 1:
                told.append((views.head(), story(service, views, made)))
        # the plan at each of those positions, read from its history, is the
        # plan the views told then
        for head, said in told:
            with views.reading("plan") as db:
                past = read_plan(db, P, at=head)
            assert past is not None
            adopted = {k for k, v in said.items() if v["state"] == State.ADOPTED}
            assert {p.key for p in past.priorities} == adopted
    finally:
        service.close()


SETTINGS = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(programme=programmes)
def test_the_views_agree_on_sqlite(programme: tuple[Any, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        agree_on(lambda: str(Path(folder) / "registre.db"), programme)


@pytest.mark.postgres
@settings(SETTINGS, max_examples=6)
@given(programme=programmes)
def test_the_views_agree_on_postgres(postgres_database: str, programme: tuple[Any, ...]) -> None:
    agree_on(lambda: f"{postgres_database}?schema=v_{uuid.uuid4().hex[:12]}", programme)
