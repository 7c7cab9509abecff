"""A record a projection cannot store (left by an earlier version that let it
in) is reported and gone past: every later query still answers, and `correct`
can annul it."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Registre, set_up
from domain_support import audit

from registre.adapters.application import Registre as Record
from registre.adapters.stores.config import parse_url
from registre.domain import Round
from registre.domain.bounds import MAX_STORED_INTEGER

LAYER = "integration"


@pytest.fixture
def poisoned(store_url: str) -> tuple[Registre, int]:
    """A programme with a round whose limit no store's integer can hold, stored
    as an earlier version did (past the edge and the domain that now refuse it)."""
    r = Registre(store_url)
    set_up(r)
    with Record.open(parse_url(store_url)) as service:
        bad = Round(
            programme="fabrik",
            key="R9",
            session="A1",
            method="approval",
            limit=MAX_STORED_INTEGER + 1,
            max_score=None,
            proposals=["P1"],
            audit=audit("poison"),
        )
        recorded = service.store.app.save(bad)
    return r, recorded[0].notification.id


def test_a_record_no_projection_table_can_hold_is_reported_and_gone_past(
    poisoned: tuple[Registre, int], tmp_path: Path
) -> None:
    r, position = poisoned
    r.ok("vote cast fabrik R1 --by P-002 --for P2")
    for line in (
        "stats fabrik",
        "export tallies fabrik",
        f"publish fabrik --out {tmp_path / 'site'}",
        "replay tallies",
        "plan show fabrik",
    ):
        result = r.plain(line)
        assert result.exit_code == 0, (line, result.stderr)
    # The tally of the round recorded after the bad one is whole.
    tallies = r.plain("export tallies fabrik --format csv").stdout
    assert any(line.startswith("R1,") and ",P2,1,1," in line for line in tallies.splitlines())
    replayed = r.plain("replay tallies")
    assert f"could not store the event at #{position}" in replayed.stderr
    assert f"registre correct SLUG {position}" in replayed.stderr


def test_correct_annuls_the_bad_record_and_the_views_follow(
    poisoned: tuple[Registre, int],
) -> None:
    r, position = poisoned
    result = r(f"correct fabrik {position} --reason 'limite impossible'")
    assert result.exit_code == 0, result.stderr
    assert "annulled record" in result.stdout
    history = r.plain("history fabrik --kind RecordAnnulled")
    assert history.exit_code == 0 and "round R9: correction: annuls" in history.stdout
    assert r.plain("stats fabrik").exit_code == 0
