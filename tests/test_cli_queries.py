"""Reading the record from the command line: plan, history, status, replay."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from registre.cli.main import main

LAYER = "e2e"


def run(url: str, *args: str) -> Any:
    result = CliRunner().invoke(main, ["--database", url, *args], catch_exceptions=False)
    return result


@pytest.fixture
def demo_store(demo_url: str) -> str:
    """A copy of its own of the demonstration programme, recorded once per run (conftest)."""
    return demo_url


def test_plan_show_lists_the_adopted_priorities_with_their_decisions(demo_store: str) -> None:
    result = run(demo_store, "plan", "show", "fabrik-medvallee", "--json")
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    adopted = {p["key"] for p in plan["priorities"]}
    assert adopted == {"P-01", "P-02", "P-03", "P-06"}
    p02 = next(p for p in plan["priorities"] if p["key"] == "P-02")
    # The Région first asked for an amendment, then revised its decision.
    assert p02["decisions"]["region"]["decision"] == "approve"
    text = run(demo_store, "plan", "show", "fabrik-medvallee").stdout
    assert "4 adopted priorities" in text and "Santé" in text


def test_history_filters_by_kind_and_actor(demo_store: str) -> None:
    rows = json.loads(
        run(demo_store, "--json", "history", "fabrik-medvallee", "--kind", "Adopted").stdout
    )
    # Each adopted priority of the demo was adopted once.
    assert sorted(r["subject"] for r in rows) == ["P-01", "P-02", "P-03", "P-06"]
    assert all(r["kind"] == "Adopted" and r["actor"] for r in rows)
    nobody = run(demo_store, "history", "fabrik-medvallee", "--actor", "nobody")
    assert nobody.exit_code == 0 and nobody.stdout == ""


@pytest.mark.stores("sqlite", "postgres")
def test_status_shows_no_lag_after_a_query_and_replay_rebuilds(demo_store: str) -> None:
    run(demo_store, "plan", "show", "fabrik-medvallee")
    run(demo_store, "history", "fabrik-medvallee")
    status = json.loads(run(demo_store, "status", "--json").stdout)
    lags = {p["name"]: p["lag"] for p in status["projections"]}
    assert lags["audit"] == lags["plan"] == 0  # the two projections those queries read
    before = run(demo_store, "--json", "plan", "show", "fabrik-medvallee").stdout
    replayed = run(demo_store, "replay", "plan")
    assert replayed.exit_code == 0 and "replayed plan" in replayed.stderr
    assert run(demo_store, "--json", "plan", "show", "fabrik-medvallee").stdout == before
    generations = json.loads(run(demo_store, "status", "--json").stdout)["projections"]
    assert next(p for p in generations if p["name"] == "plan")["generation"] == 2


def test_unknown_programme_and_projection_are_refused(sqlite_url: str) -> None:
    missing = run(sqlite_url, "plan", "show", "nope")
    assert missing.exit_code == 1 and "no programme 'nope'" in missing.stderr
    bad = run(sqlite_url, "replay", "nope")
    assert bad.exit_code == 2 and "no projection 'nope'" in bad.stderr


@pytest.mark.stores("sqlite", "postgres")
def test_follow_once_brings_every_projection_to_the_head(demo_store: str) -> None:
    before = json.loads(run(demo_store, "status", "--json").stdout)["projections"]
    assert all(p["generation"] == 0 for p in before)  # nothing built yet
    assert run(demo_store, "follow", "--once").exit_code == 0
    after = json.loads(run(demo_store, "status", "--json").stdout)["projections"]
    assert all(p["lag"] == 0 and p["generation"] == 1 for p in after)
