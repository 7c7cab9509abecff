"""The five source programmes, recorded through the command line and checked
through the queries: the plan holds what it should, and the record of one
adopted priority names every step, actor and source."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from seed_scenarios import SCENARIOS, Scenario

from registre.cli.main import main


def run(url: str, line: list[str]) -> str:
    result = CliRunner().invoke(main, ["--database", url, *line])
    assert result.exit_code == 0, f"registre {' '.join(line)}\n{result.stderr}"
    return result.stdout


@pytest.fixture(params=sorted(SCENARIOS))
def recorded(request: pytest.FixtureRequest, store_url: str) -> tuple[str, Scenario]:
    scenario = SCENARIOS[request.param]()
    for line in scenario.lines:
        run(store_url, line)
    return store_url, scenario


def test_the_plan_holds_the_adopted_priorities(recorded: tuple[str, Scenario]) -> None:
    url, scenario = recorded
    plan = json.loads(run(url, ["--json", "plan", "show", scenario.slug]))
    assert {p["key"] for p in plan["priorities"]} == scenario.adopted
    for priority in plan["priorities"]:
        assert priority["decisions"], f"{priority['key']} has no founder decision"
        assert all(d["decision"] == "approve" for d in priority["decisions"].values())


def test_the_record_of_an_adopted_priority_names_every_step_actor_and_source(
    recorded: tuple[str, Scenario],
) -> None:
    url, scenario = recorded
    history = json.loads(run(url, ["--json", "history", scenario.slug]))
    assert [row["position"] for row in history] == sorted(row["position"] for row in history)
    mine = [r for r in history if r["subject"] == scenario.traced]
    kinds = [r["kind"] for r in mine]
    assert kinds[0] == "Synthesised"
    assert {"Validated", "FounderDecided", "Adopted"} <= set(kinds)
    named = {
        value for r in history for value in (r["actor"], r["on_behalf_of"], r["source"]) if value
    }
    plan = json.loads(run(url, ["--json", "plan", "show", scenario.slug]))
    priority = next(p for p in plan["priorities"] if p["key"] == scenario.traced)
    named |= {priority["validated_by"], priority["minutes"]}
    for expected in scenario.trace_must_name:
        assert expected in named, f"{expected!r} is not in the record"
