"""`registre stats`: participation, the tallies of the rounds and the kinds of
organisation behind each proposal, as text and as JSON. On a copy of the
demonstration programme; the participation and tallies it reads come from
PostgreSQL too."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from registre.cli.main import main

LAYER = "e2e"

SLUG = "fabrik-medvallee"
ROUND = "priorites-atelier-4"


def run(url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["--database", url, *args], catch_exceptions=False)


@pytest.fixture
def demo_store(demo_url: str) -> str:
    """A copy of its own of the demonstration programme, recorded once per run (conftest)."""
    return demo_url


@pytest.mark.stores("sqlite", "postgres")
def test_stats_as_json_counts_participants_rounds_and_kinds(demo_store: str) -> None:
    result = run(demo_store, "--json", "stats", SLUG)
    assert result.exit_code == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["participants"] == 48
    assert sum(t["registered"] for t in stats["by_type"]) == 48
    assert {a["axis"] for a in stats["axes"]} == {"sante", "environnement", "alimentation"}
    assert next(s for s in stats["sessions"] if s["session"] == "assises-2022")["attendees"] == 48
    (round_,) = stats["rounds"]
    assert (round_["round"], round_["method"], round_["closed"]) == (ROUND, "dots", True)
    assert round_["late"] == []
    dots = {p["proposal"]: p["total"] for p in round_["proposals"]}
    # Each of the voters spread the three dots they had.
    assert sum(dots.values()) == 3 * round_["participants"]
    kinds = {p["proposal"]: p["kinds"] for p in stats["proposals"]}
    assert kinds["P-08"] == 6 and kinds["P-06"] == 3


def test_stats_as_text_and_for_one_round(demo_store: str) -> None:
    text = run(demo_store, "stats", SLUG, "--round", ROUND)
    assert text.exit_code == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0] == f"{SLUG}: 48 participants"
    assert any(line.startswith("  start-up") for line in lines)
    assert any(line.startswith(f"round {ROUND} (dots, limit 3") for line in lines)
    assert "P-06         3 kinds (1 through merges or splits)" in text.stdout


def test_stats_refuses_an_unknown_programme_or_round(demo_store: str) -> None:
    missing = run(demo_store, "stats", "nope")
    assert missing.exit_code == 1 and "no programme 'nope'" in missing.stderr
    no_round = run(demo_store, "stats", SLUG, "--round", "R9")
    assert no_round.exit_code == 1 and "no round 'R9'" in no_round.stderr
