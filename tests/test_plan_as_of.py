"""The plan as it stood: at a store position, at the end of a recorded date,
or from what had happened by a date."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner

from registre.cli.main import main

LAYER = "e2e"

SLUG = "fabrik-medvallee"


def run(url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["--database", url, *args], catch_exceptions=False)


@pytest.fixture
def demo_store(demo_url: str) -> str:
    """A copy of its own of the demonstration programme, recorded once per run (conftest)."""
    return demo_url


def adopted(url: str, *args: str) -> set[str]:
    result = run(url, "--json", "plan", "show", SLUG, *args)
    assert result.exit_code == 0, result.stderr
    return {p["key"] for p in json.loads(result.stdout)["priorities"]}


@pytest.mark.stores("sqlite", "postgres")
def test_the_plan_at_a_position_holds_only_what_was_adopted_by_then(demo_store: str) -> None:
    rows = json.loads(run(demo_store, "--json", "history", SLUG, "--kind", "Adopted").stdout)
    first = min(r["position"] for r in rows)
    # The founder's decision that met the rule is recorded just before the adoption.
    assert adopted(demo_store, "--at", str(first - 2)) == set()
    assert len(adopted(demo_store, "--at", str(first - 1))) == 1
    assert len(adopted(demo_store, "--at", str(first))) == 1
    head = json.loads(run(demo_store, "--json", "status").stdout)["projections"][0]["head"]
    assert adopted(demo_store, "--at", str(head)) == adopted(demo_store)
    text = run(demo_store, "plan", "show", SLUG, "--at", str(first)).stdout
    assert text.startswith(f"as the record stood at #{first}")


def test_as_of_a_recorded_date_maps_to_the_last_position_recorded_by_then(
    demo_store: str,
) -> None:
    today = datetime.now(UTC).date().isoformat()
    result = json.loads(run(demo_store, "--json", "plan", "show", SLUG, "--as-of", today).stdout)
    assert result["as_of"]["position"] > 0
    assert {p["key"] for p in result["priorities"]} == adopted(demo_store)
    # Nothing had been recorded in 2000: the programme did not exist yet.
    before = run(demo_store, "plan", "show", SLUG, "--as-of", "2000-01-01")
    assert before.exit_code == 1 and "no programme" in before.stderr


@pytest.mark.stores("sqlite", "postgres")
def test_as_of_an_occurrence_date_keeps_what_had_happened_by_then(demo_store: str) -> None:
    rows = json.loads(run(demo_store, "--json", "history", SLUG, "--kind", "Adopted").stdout)
    first_day = min(r["occurred_at"][:10] for r in rows)
    last_day = max(r["occurred_at"][:10] for r in rows)
    nothing = run(
        demo_store, "plan", "show", SLUG, "--as-of", "2000-01-01T00:00", "--by-occurrence"
    )
    assert nothing.exit_code == 1 and "no programme" in nothing.stderr
    assert adopted(demo_store, "--as-of", last_day, "--by-occurrence") == adopted(demo_store)
    early = adopted(demo_store, "--as-of", first_day, "--by-occurrence")
    day_adopted = {r["subject"] for r in rows if r["occurred_at"][:10] == first_day}
    assert day_adopted <= early


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--at", "0"], "not a position"),
        (["--at", "-4"], "not a position"),
        (["--at", "999999"], "not a position"),
        (["--as-of", "2022-13-01"], "not a date"),
        (["--as-of", "hier"], "not a date"),
        (["--at", "3", "--as-of", "2022-01-01"], "not both"),
        (["--by-occurrence"], "needs --as-of"),
    ],
)
def test_bad_as_of_values_are_refused_in_one_line(
    demo_store: str, args: list[str], says: str
) -> None:
    result = run(demo_store, "plan", "show", SLUG, *args)
    assert result.exit_code == 2
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1
