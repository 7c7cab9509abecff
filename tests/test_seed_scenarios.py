"""The five source programmes, recorded through the command line and checked
through the queries: the plan holds what it should, and the record of one
adopted priority names every step, actor and source."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import Recordings
from seed_scenarios import SCENARIOS, Scenario

from registre.cli.main import main

LAYER = "e2e"


def run(url: str, line: list[str]) -> str:
    result = CliRunner().invoke(main, ["--database", url, *line])
    assert result.exit_code == 0, f"registre {' '.join(line)}\n{result.stderr}"
    return result.stdout


@pytest.fixture(params=sorted(SCENARIOS))
def recorded(
    request: pytest.FixtureRequest, recordings: Recordings, store_kind: str
) -> tuple[str, Scenario]:
    """A store of its own holding one scenario, recorded once per run (see conftest)."""
    scenario = SCENARIOS[request.param]()

    def record(url: str) -> None:
        run(url, ["init"])  # the deployment's key, which a published plan is signed with
        for line in scenario.lines:
            run(url, line)

    url, _ = recordings.copy(f"seed-{request.param}", store_kind, record)
    return url, scenario


def test_the_plan_holds_the_adopted_priorities(recorded: tuple[str, Scenario]) -> None:
    url, scenario = recorded
    plan = json.loads(run(url, ["--json", "plan", "show", scenario.slug]))
    assert {p["key"] for p in plan["priorities"]} == scenario.adopted
    for priority in plan["priorities"]:
        assert priority["decisions"], f"{priority['key']} has no founder decision"
        assert all(d["decision"] == "approve" for d in priority["decisions"].values())


def test_the_trace_of_an_adopted_priority_names_every_step_actor_and_source(
    recorded: tuple[str, Scenario],
) -> None:
    url, scenario = recorded
    trace = run(url, ["trace", scenario.slug, scenario.traced])
    timeline = trace.split("timeline", 1)[1]
    for step in ("submitted", "synthesised", "validated by", "decided 'approve'", "adopted"):
        assert step in timeline, f"the trace of {scenario.traced} has no {step!r} step"
    for expected in scenario.trace_must_name:
        assert expected in trace, f"{expected!r} is not in the trace of {scenario.traced}"
    # Every step of the priority's history is in its trace, in store order.
    history = json.loads(run(url, ["--json", "history", scenario.slug]))
    mine = [f"#{r['position']} " for r in history if r["subject"] == scenario.traced]
    positions = [timeline.index(p) for p in mine if p in timeline]
    assert len(positions) == len(mine) and positions == sorted(positions)
