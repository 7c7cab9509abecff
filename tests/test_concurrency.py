"""Several processes record on one programme at once, against PostgreSQL:
no command is lost or recorded twice, and no ballot exceeds its limit."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from typing import Any

import pytest
from service_support import contribute, ctx, open_programme, register, synthesise

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.stores.config import parse_url
from registre.domain import Ballot, Method
from registre.domain.errors import RegistreError

LAYER = "integration"

WORKERS = 4
DOTS = 3
CONTESTED = ["p0", "p1"]  # every process spends dots for these participants
PROPOSALS = ["P-1", "P-2", "P-3"]
SHARED_CONTRIBUTIONS = 4  # the same command ids sent by every process


def _commands(worker: int) -> list[tuple[str, c.Command]]:
    """(command id, command) for one process, in order."""
    out: list[tuple[str, c.Command]] = []
    for n in range(SHARED_CONTRIBUTIONS):
        out.append(
            (
                f"shared-c{n}",
                c.SubmitContribution(programme="prog", session="W1", authors=["p0"], text=f"s{n}"),
            )
        )
    for n in range(6):
        out.append(
            (
                f"w{worker}-c{n}",
                c.SubmitContribution(
                    programme="prog", session="W1", authors=[f"q{worker}"], text=f"{worker}/{n}"
                ),
            )
        )
    for n in range(DOTS):
        for participant in CONTESTED:
            out.append(
                (
                    f"w{worker}-{participant}-v{n}",
                    c.CastVote(
                        programme="prog",
                        round="R1",
                        participant=participant,
                        proposal=PROPOSALS[(worker + n) % len(PROPOSALS)],
                    ),
                )
            )
        # A participant of this process alone: each of these votes fits the limit.
        out.append(
            (
                f"w{worker}-own-v{n}",
                c.CastVote(programme="prog", round="R1", participant=f"q{worker}", proposal="P-1"),
            )
        )
    out.append(
        (
            "shared-vote",
            c.CastVote(programme="prog", round="R1", participant="p2", proposal="P-2"),
        )
    )
    return out


def _record(url: str, worker: int, barrier: Any, results: Any) -> None:
    """Runs in a spawned process: records its commands, reports each outcome."""
    outcomes: list[tuple[str, str]] = []
    try:
        with Registre.open(parse_url(url)) as service:
            barrier.wait(timeout=30)
            for command_id, command in _commands(worker):
                try:
                    result = service.handle(command, ctx(command_id))
                except RegistreError:
                    outcomes.append((command_id, "refused"))
                else:
                    done = "repeat" if result.already_recorded else "accepted"
                    outcomes.append((command_id, done))
    except Exception as error:  # reported to the test, which fails on it
        outcomes.append((f"w{worker}", f"error: {type(error).__name__}: {error}"))
    finally:
        results.put((worker, outcomes))


def _prepare(url: str) -> None:
    with Registre.open(parse_url(url)) as service:
        open_programme(service, "prog")
        for key in [*CONTESTED, "p2", *(f"q{w}" for w in range(WORKERS))]:
            register(service, "prog", key)
        for n, key in enumerate(PROPOSALS):
            contribute(service, "prog", f"C-{n}")
            synthesise(service, "prog", key, f"C-{n}")
        service.handle(
            c.OpenRound(
                programme="prog",
                key="R1",
                session="W1",
                method=Method.DOTS,
                limit=DOTS,
                proposals=PROPOSALS,
            ),
            ctx(),
        )


@pytest.mark.postgres
@pytest.mark.slow
def test_concurrent_clerks_lose_nothing_and_double_count_nothing(postgres_url: str) -> None:
    _prepare(postgres_url)
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(WORKERS)
    results = spawn.Queue()
    processes = [
        spawn.Process(target=_record, args=(postgres_url, w, barrier, results))
        for w in range(WORKERS)
    ]
    for p in processes:
        p.start()
    reports = dict(results.get(timeout=90) for _ in processes)
    for p in processes:
        p.join(timeout=30)
        assert p.exitcode == 0

    outcomes = [o for w in range(WORKERS) for o in reports[w]]
    assert [o for o in outcomes if o[1].startswith("error")] == []
    accepted = Counter(cid for cid, outcome in outcomes if outcome == "accepted")
    refused = {cid for cid, outcome in outcomes if outcome == "refused"}

    with Registre.open(parse_url(postgres_url)) as service:
        stored = [e for _, e in service.notifications()]
        receipts = Counter(e.audit.command_id for e in stored if type(e).__name__ == "Received")
        with_events = Counter(e.audit.command_id for e in stored)
        ballots = {
            p: service.load(Ballot, "prog", Ballot.key_for("R1", p))
            for p in [*CONTESTED, "p2", *(f"q{w}" for w in range(WORKERS))]
        }

    # A command id is accepted by one process at most, and stored exactly once.
    assert all(n == 1 for n in accepted.values()), accepted
    assert all(receipts[cid] == 1 for cid in accepted)
    assert all(n == 1 for n in receipts.values())
    assert all(with_events[cid] >= 2 for cid in accepted)  # its events and its receipt
    assert refused.isdisjoint(with_events), refused & set(with_events)
    # Shared command ids: one process recorded each, the others found it recorded.
    for cid in [*(f"shared-c{n}" for n in range(SHARED_CONTRIBUTIONS)), "shared-vote"]:
        assert accepted[cid] == 1
        assert [o for i, o in outcomes if i == cid].count("repeat") == WORKERS - 1
    # Every process's own contributions and votes went through.
    for w in range(WORKERS):
        assert all(accepted[f"w{w}-c{n}"] == 1 for n in range(6))
        assert all(accepted[f"w{w}-own-v{n}"] == 1 for n in range(DOTS))
    # The contested participants spent exactly their dots, no more.
    for key, ballot in ballots.items():
        assert ballot is not None
        dots = sum(v.value for v in ballot.live_votes())
        assert dots <= DOTS, key
        casts = sum(1 for cid in accepted if cid.startswith(("w", "shared")) and f"-{key}-" in cid)
        if key in CONTESTED:
            assert dots == DOTS and casts == DOTS
