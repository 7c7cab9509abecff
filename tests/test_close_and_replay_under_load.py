"""Commands that race, in separate processes, on both stores.

- A round closed while clerks cast votes: every vote is either recorded before
  the close, and told as a success, or refused as cast in a closed round (exit
  1); none is stored after the close.
- ``registre replay`` and ``registre follow`` on SQLite while clerks record:
  they wait for the writers instead of failing with "database is locked".
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

import pytest
from click.testing import CliRunner
from service_support import contribute, ctx, open_programme, register, synthesise

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.stores.config import parse_url
from registre.cli.main import main
from registre.domain import Method
from registre.domain.errors import RegistreError

LAYER = "integration"

VOTERS = 3  # processes casting votes
PER_VOTER = 12  # participants each process votes for, one vote each
PROPOSALS = ["P-1", "P-2"]


def _prepare(url: str) -> None:
    with Registre.open(parse_url(url)) as service:
        open_programme(service, "prog")
        for w in range(VOTERS):
            for n in range(PER_VOTER):
                register(service, "prog", f"v{w}-{n}")
        for n, key in enumerate(PROPOSALS):
            contribute(service, "prog", f"C-{n}", author="v0-0")
            synthesise(service, "prog", key, f"C-{n}")
        service.handle(
            c.OpenRound(
                programme="prog",
                key="R1",
                session="W1",
                method=Method.DOTS,
                limit=3,
                proposals=PROPOSALS,
            ),
            ctx(),
        )


def _vote(url: str, worker: int, barrier: Any, results: Any) -> None:
    """Casts one vote per participant of this worker; reports each outcome."""
    outcomes: list[tuple[str, str, int]] = []
    try:
        with Registre.open(parse_url(url)) as service:
            barrier.wait(timeout=60)
            for n in range(PER_VOTER):
                command = c.CastVote(
                    programme="prog", round="R1", participant=f"v{worker}-{n}", proposal="P-1"
                )
                try:
                    result = service.handle(command, ctx())
                except RegistreError as error:
                    outcomes.append(("refused", str(error), error.exit_code))
                else:
                    last = max(r.position for r in result.recorded)
                    outcomes.append(("accepted", result.summary, last))
    except Exception as error:  # reported to the test, which fails on it
        outcomes.append(("error", f"{type(error).__name__}: {error}", 0))
    finally:
        results.put(("vote", worker, outcomes))


def _close(url: str, barrier: Any, results: Any) -> None:
    outcome: list[tuple[str, str, int]] = []
    try:
        with Registre.open(parse_url(url)) as service:
            barrier.wait(timeout=60)
            time.sleep(0.05)  # some votes first, the others racing the close
            result = service.handle(c.CloseRound(programme="prog", key="R1"), ctx())
            outcome.append(("closed", result.summary, result.recorded[0].position))
    except Exception as error:
        outcome.append(("error", f"{type(error).__name__}: {error}", 0))
    finally:
        results.put(("close", 0, outcome))


@pytest.mark.slow
def test_a_vote_racing_the_close_is_recorded_before_it_or_refused(store_url: str) -> None:
    _prepare(store_url)
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(VOTERS + 1)
    results = spawn.Queue()
    processes = [
        spawn.Process(target=_vote, args=(store_url, w, barrier, results)) for w in range(VOTERS)
    ]
    processes.append(spawn.Process(target=_close, args=(store_url, barrier, results)))
    for p in processes:
        p.start()
    reports = [results.get(timeout=120) for _ in processes]
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0

    outcomes = [o for kind, _, found in reports if kind == "vote" for o in found]
    closing = [o for kind, _, found in reports if kind == "close" for o in found]
    assert [o for o in outcomes + closing if o[0] == "error"] == []
    assert len(closing) == 1
    closed_at = closing[0][2]
    accepted = [o for o in outcomes if o[0] == "accepted"]
    refused = [o for o in outcomes if o[0] == "refused"]
    assert len(accepted) + len(refused) == VOTERS * PER_VOTER
    # A vote told as recorded was recorded before the close; a later one was refused.
    assert all(position < closed_at for _, _, position in accepted)
    assert all("round R1 is closed" in said and code == 1 for _, said, code in refused)
    with Registre.open(parse_url(store_url)) as service:
        votes = [
            position
            for position, event in service.notifications()
            if type(event).__qualname__ == "Ballot.VoteCast"
        ]
    assert len(votes) == len(accepted)
    assert all(position < closed_at for position in votes)


def _clerk(url: str, worker: int, seconds: float, barrier: Any, results: Any) -> None:
    """Records contributions as fast as it can for a while."""
    done, errors = 0, []
    try:
        with Registre.open(parse_url(url)) as service:
            barrier.wait(timeout=60)
            stop = time.monotonic() + seconds
            while time.monotonic() < stop:
                try:
                    contribute(service, "prog", f"L-{worker}-{done}", author="v0-0")
                    done += 1
                except Exception as error:
                    errors.append(f"{type(error).__name__}: {error}")
    except Exception as error:
        errors.append(f"{type(error).__name__}: {error}")
    finally:
        results.put((worker, done, errors))


@pytest.mark.slow
def test_replay_and_follow_wait_for_clerks_recording_on_sqlite(sqlite_url: str) -> None:
    _prepare(sqlite_url)
    spawn = multiprocessing.get_context("spawn")
    clerks = 2
    barrier = spawn.Barrier(clerks + 1)
    results = spawn.Queue()
    processes = [
        spawn.Process(target=_clerk, args=(sqlite_url, w, 8.0, barrier, results))
        for w in range(clerks)
    ]
    for p in processes:
        p.start()
    barrier.wait(timeout=60)
    runner = CliRunner()
    runs = []
    stop = time.monotonic() + 7.0
    while time.monotonic() < stop:
        for line in (["replay"], ["replay", "tallies"], ["follow", "--once"], ["status"]):
            result = runner.invoke(main, ["--database", sqlite_url, *line])
            runs.append((line, result.exit_code, result.stderr))
    reports = [results.get(timeout=60) for _ in processes]
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0
    failed = [(line, code, said) for line, code, said in runs if code != 0]
    assert failed == [], failed[:3]
    assert len(runs) >= 8
    assert all(errors == [] for _, _, errors in reports), reports
    assert all(done > 0 for _, done, _ in reports)
