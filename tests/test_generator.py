"""The generated consultation: deterministic, accepted step by step by the
rules through the clerk's path and the batched path alike, and shaped like a
real consultation. Unit tests; another writer between two chunks of a batch
is a matter for the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from generator import (
    Scale,
    Step,
    consultation,
    generate,
    record,
    steps,
)
from service_support import ctx, max_position

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.stores.config import parse_url
from registre.domain import OrganisationType, Participant, Programme
from registre.domain.errors import Conflict, InvalidInput, NotFound
from registre.projections import projector_for
from registre.projections.plan import read_plan
from registre.projections.tallies import read_tallies

LAYER = "unit"

EVENTS = 3000


def dump(cycles: list[list[Step]]) -> list[Any]:
    return [
        [(type(cmd).__name__, cmd.model_dump(), context.model_dump()) for cmd, context in cycle]
        for cycle in cycles
    ]


def dates(cycles: list[list[Step]]) -> list[datetime]:
    found = [context.occurred_at for cycle in cycles for _, context in cycle]
    assert all(d is not None for d in found)
    return [d for d in found if d is not None]


def first(n: int, slug: str = "gen", events: int = EVENTS, seed: int = 0) -> list[list[Step]]:
    return list(itertools.islice(consultation(slug, events, seed), n))


# -- the steps --------------------------------------------------------------------------------


def test_the_same_slug_size_and_seed_give_the_same_steps() -> None:
    assert dump(first(4)) == dump(first(4))
    assert dump(first(4, seed=1)) != dump(first(4))
    assert dump(first(2, slug="other")) != dump(first(2))


def test_command_ids_are_unique_and_dates_advance_in_the_past() -> None:
    cycles = first(12)
    ids = [context.command_id for cycle in cycles for _, context in cycle]
    assert len(set(ids)) == len(ids)
    when = dates(cycles)
    assert when == sorted(when)
    assert when[0] == datetime(2019, 1, 7, 9, 0, tzinfo=UTC)
    assert when[-1] < datetime(2026, 1, 1, tzinfo=UTC)


def test_dates_stay_before_2026_however_many_cycles_run() -> None:
    when = dates(list(itertools.islice(consultation("gen", 100), 120)))
    assert when == sorted(when)
    assert when[-1] < datetime(2026, 1, 1, tzinfo=UTC)


def test_sizes_follow_the_events_asked_for() -> None:
    small, large, national = Scale.of(100), Scale.of(100_000), Scale.of(1_000_000)
    assert small.participants == 60 and large.participants == 4_000
    assert (national.participants, national.organisations) == (20_000, 6_666)
    assert large.organisations == large.participants // 3
    assert small.contributions < large.contributions


def test_mistakes_are_refused_with_a_message() -> None:
    with pytest.raises(InvalidInput, match="slug"):
        consultation("not a slug", EVENTS)
    with pytest.raises(InvalidInput, match="at least 1"):
        consultation("gen", 0)


# -- every step accepted, on both paths ------------------------------------------


@pytest.mark.parametrize("per_transaction", [pytest.param(1, marks=pytest.mark.slow), 200])
def test_every_step_is_accepted(service: Registre, per_transaction: int) -> None:
    seen: list[tuple[int, int]] = []
    recorded = generate(
        service,
        "gen",
        EVENTS,
        per_transaction=per_transaction,
        progress=lambda done, target: seen.append((done, target)),
    )
    assert recorded.events >= EVENTS
    assert max_position(service) == recorded.events
    assert seen[-1] == (recorded.events, EVENTS)
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    # Names and contacts are beside the log, one row per participant.
    assert len(service.personal_names("gen")) == Scale.of(EVENTS).participants
    if per_transaction == 1:  # every command: its events and its receipt
        assert recorded.events >= 2 * recorded.commands
    else:  # a receipt for each chunk only
        assert recorded.commands < recorded.events < 2 * recorded.commands


def test_any_prefix_of_the_steps_can_be_recorded(ram_folder: Path) -> None:
    with Registre.open(parse_url(str(ram_folder / "prefix.db"))) as service:
        prefix = list(itertools.islice(steps("gen", EVENTS), 777))
        recorded = record(service, [prefix], 10**9, per_transaction=50)
        assert recorded.commands == 777
        assert max_position(service) == recorded.events


def test_both_paths_give_the_same_plan_and_tallies(ram_folder: Path) -> None:
    cycles = first(3, seed=7)
    seen = []
    for per_transaction in (1, 200):
        with Registre.open(parse_url(str(ram_folder / f"per-{per_transaction}.db"))) as service:
            record(service, cycles, 10**9, per_transaction=per_transaction)
            projector = projector_for(service.store)
            projector.catch_up()
            with projector.reading("plan") as db:
                plan = read_plan(db, "gen")
            with projector.reading("tallies") as db:
                tallies = read_tallies(db, "gen")
        assert plan is not None
        priorities = [dataclasses.asdict(p) | {"adopted_at": None} for p in plan.priorities]
        rounds = [t.as_dict() | {"closed_at": None} for t in tallies]
        assert not any(t.late for t in tallies)
        seen.append((plan.founders, plan.axes, plan.rule, priorities, rounds))
    assert seen[0] == seen[1]
    priorities, rounds = seen[0][3], seen[0][4]
    assert priorities and any(p["actions"] for p in priorities)
    assert rounds and all(r["closed"] for r in rounds)


# -- the batched path when a command is refused ------------------------------------------------


def test_a_refused_command_leaves_earlier_chunks_and_nothing_of_its_own(service: Registre) -> None:
    flat = list(itertools.islice(steps("gen", EVENTS), 23))
    registered = [cmd.key for cmd, _ in flat if isinstance(cmd, c.RegisterParticipant)]
    assert [type(cmd) for cmd, _ in flat[-3:]] == [c.RegisterParticipant] * 3
    with pytest.raises(NotFound, match="no session 'nowhere'"), service.batch(10) as batch:
        for cmd, context in flat:
            batch.handle(cmd, context)
        saved = max_position(service)
        batch.handle(
            c.SubmitContribution(
                programme="gen", session="nowhere", authors=[registered[0]], text="Idée"
            ),
            ctx(),
        )
    # Two chunks of ten commands, each command one event, each chunk one receipt.
    assert saved == max_position(service) == 22
    names = service.personal_names("gen")
    for key in registered[:-3]:
        assert service.load(Participant, "gen", key) is not None and key in names
    for key in registered[-3:]:
        assert service.load(Participant, "gen", key) is None and key not in names


def test_a_batch_saves_what_is_pending_at_its_end(service: Registre) -> None:
    flat = list(itertools.islice(steps("gen", EVENTS), 15))
    with service.batch(100) as batch:
        for cmd, context in flat:
            result = batch.handle(cmd, context)
            assert result.recorded == [] and not result.already_recorded
        assert max_position(service) == 0
    assert max_position(service) == 16 and batch.chunks == 1
    with pytest.raises(InvalidInput, match="at least 1"):
        service.batch(0).__enter__()


@pytest.mark.integration
def test_another_writer_between_two_chunks_makes_the_next_one_fail(service: Registre) -> None:
    flat = list(itertools.islice(steps("gen", EVENTS), 3))  # the programme and two axes
    with pytest.raises(Conflict, match="another writer"), service.batch(10) as batch:
        for cmd, context in flat:
            batch.handle(cmd, context)
        batch.flush()
        service.handle(c.AddAxis(programme="gen", key="extra", title="Extra"), ctx())
        batch.handle(c.AddAxis(programme="gen", key="autre", title="Autre"), ctx())
    programme = service.load(Programme, "gen", "gen")
    assert programme is not None and "extra" in programme.axes
    assert "autre" not in programme.axes


# -- realism -----------------------------------------------------------------------------------


def test_the_consultation_looks_like_one(ram_folder: Path) -> None:
    with Registre.open(parse_url(str(ram_folder / "real.db"))) as service:
        generate(service, "gen", 6000, per_transaction=500)
        kinds: Counter[str] = Counter()
        types: set[OrganisationType] = set()
        for _, event in service.notifications():
            name = type(event).__qualname__
            kinds[name] += 1
            if name == "Participant.Registered":
                types.add(OrganisationType(event.organisation_type))
        projector = projector_for(service.store)
        projector.catch_up(["plan"])
        with projector.reading("plan") as db:
            plan = read_plan(db, "gen")
    by_aggregate: Counter[str] = Counter()
    for name, n in kinds.items():
        by_aggregate[name.split(".")[0]] += n
    del by_aggregate["CommandReceipt"]
    (largest, votes), _ = by_aggregate.most_common(2)
    assert largest == "Ballot"
    assert 0.4 < votes / by_aggregate.total() < 0.6
    assert kinds["Ballot.VoteRetracted"] > 0.04 * kinds["Ballot.VoteCast"]
    # Every kind of organisation; anonymous voters belong to budgets, not to this consultation.
    assert types == set(OrganisationType) - {OrganisationType.ANONYMOUS}
    assert 0.2 < kinds["Contribution.Amended"] / kinds["Contribution.Submitted"] < 0.4
    assert 0 < kinds["Contribution.Withdrawn"] < 0.1 * kinds["Contribution.Submitted"]
    assert kinds["Proposal.MergedInto"] > 0 and kinds["Proposal.SplitInto"] > 0
    assert kinds["Proposal.Reworded"] > 0 and kinds["Proposal.Absorbed"] > 0
    assert kinds["Proposal.Adopted"] > 0
    assert plan is not None and plan.rule in ("unanimity", "majority")
    assert set(plan.founders.values()) == {"Métropole", "État", "Région"}
    assert 6 <= len(plan.axes) <= 10
    with_actions = [p for p in plan.priorities if p.actions]
    assert len(with_actions) > len(plan.priorities) // 2
