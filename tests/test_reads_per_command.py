"""What a command reads from the store, and what it may know without reading.

The clerk's path keeps the aggregates it read and saved, brought forward by
one read of the log's tail per command, and takes a new key it has not seen
for free (the store's unique key refuses a duplicate, and the command then
runs again with the store read). A batch knows that nothing of a programme it
opened is stored but what it wrote. These tests check that every refusal
stays what it was: the same message, nothing written, an erased person's
key never made again; and on SQLite and PostgreSQL, that another writer's
records are seen."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from service_support import (
    contribute,
    ctx,
    max_position,
    open_programme,
    register,
)

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.stores.config import parse_url
from registre.adapters.stores.store import HeldReader
from registre.domain import Contribution, DecisionRule, OrganisationType, Participant
from registre.domain.errors import AlreadyExists, Conflict, RuleViolation
from registre.domain.ids import entity_id, programme_id

LAYER = "unit"


@pytest.fixture
def other(service: Registre, store_url: str) -> Iterator[Registre]:
    """A second writer on the same store, as another process would be."""
    second = Registre.open(parse_url(store_url))
    try:
        yield second
    finally:
        second.close()


class StoreReads:
    """Counts the aggregates read from the store (found or not), by the
    library's repository or a batch's reader."""

    def __init__(self, service: Registre, monkeypatch: pytest.MonkeyPatch) -> None:
        self.ids: list[Any] = []
        repository = service.store.app.repository
        real = repository.get

        def get(aggregate_id: Any, **kwargs: Any) -> Any:
            self.ids.append(aggregate_id)
            return real(aggregate_id, **kwargs)

        monkeypatch.setattr(repository, "get", get)
        held = HeldReader.get

        def get_held(reader: HeldReader, aggregate_id: Any) -> Any:
            self.ids.append(aggregate_id)
            return held(reader, aggregate_id)

        monkeypatch.setattr(HeldReader, "get", get_held)


def contributions(service: Registre) -> list[str]:
    keys = []
    for _, event in service.notifications():
        if type(event).__qualname__ == "Contribution.Submitted":
            keys.append(event.key)
    return keys


@pytest.mark.stores("sqlite", "postgres")
def test_a_key_another_writer_took_is_refused_as_before(service: Registre, other: Registre) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    contribute(other, "prog", "C-1")
    before = max_position(service)
    # This service never saw C-1: it takes it for absent, the store refuses the
    # commit, and the command runs again with C-1 read.
    with pytest.raises(AlreadyExists, match="programme prog already has a contribution 'C-1'"):
        contribute(service, "prog", "C-1")
    assert max_position(service) == before
    assert contributions(service) == ["C-1"]


@pytest.mark.stores("sqlite", "postgres")
def test_what_another_writer_records_reaches_the_kept_aggregates(
    service: Registre, other: Registre
) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    contribute(service, "prog", "C-1")
    amend = c.AmendContribution(programme="prog", key="C-1", text="by this clerk")
    service.handle(amend, ctx())
    other.handle(c.AmendContribution(programme="prog", key="C-1", text="by another"), ctx())
    result = service.handle(
        c.AmendContribution(programme="prog", key="C-1", text="again here"), ctx()
    )
    assert result.summary == "amended contribution C-1: version 4"
    kept = service.cache.get(entity_id("prog", Contribution.KIND, "C-1"))
    assert isinstance(kept, Contribution)
    assert kept.texts == ["C-1", "by this clerk", "by another", "again here"]
    other.handle(c.WithdrawContribution(programme="prog", key="C-1", reason="gone"), ctx())
    with pytest.raises(RuleViolation, match="withdrawn"):
        service.handle(c.AmendContribution(programme="prog", key="C-1", text="late"), ctx())


def test_a_command_reads_what_it_kept_no_more(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    contribute(service, "prog", "C-1")
    reads = StoreReads(service, monkeypatch)
    contribute(service, "prog", "C-2")
    service.handle(c.AmendContribution(programme="prog", key="C-1", text="v2"), ctx())
    assert reads.ids == []


def test_an_erased_person_registered_again_gets_no_key_back(
    service: Registre, other: Registre
) -> None:
    open_programme(service, "prog")
    register(other, "prog", "p1")
    other.handle(c.EraseParticipant(programme="prog", key="p1", reason="asked"), ctx())
    assert service.store.keys.get("prog", "p1") is None
    before = max_position(service)
    with pytest.raises(AlreadyExists, match="already has a participant 'p1'"):
        register(service, "prog", "p1", name="Someone Else")
    assert service.store.keys.get("prog", "p1") is None
    assert max_position(service) == before


def test_a_repeated_command_is_found_by_its_receipt_when_its_commit_is_refused(
    service: Registre, other: Registre
) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    command = c.AmendContribution(programme="prog", key="C-1", text="v2")
    contribute(service, "prog", "C-1")
    first = other.handle(command, ctx("amend-1"))
    before = max_position(service)
    again = service.handle(command, ctx("amend-1"))
    assert again.already_recorded and not first.already_recorded
    assert max_position(service) == before


# -- the import path ------------------------------------------------------------------------


def people(slug: str, keys: list[str]) -> list[c.Command]:
    return [
        c.RegisterParticipant(
            programme=slug,
            key=key,
            name=f"Person {key}",
            organisation="Ville",
            organisation_type=OrganisationType.UNIVERSITY,
        )
        for key in keys
    ]


def opening(slug: str) -> c.Command:
    return c.OpenProgramme(
        programme=slug,
        title="Budget",
        organiser="Ville",
        founders={"v": "Ville"},
        rule=DecisionRule("unanimity"),
    )


@pytest.mark.parametrize("hold", [False, True])
def test_a_batch_reads_nothing_of_a_programme_it_opened_but_what_it_wrote(
    service: Registre, monkeypatch: pytest.MonkeyPatch, hold: bool
) -> None:
    reads = StoreReads(service, monkeypatch)
    with service.batch(2, hold=hold) as batch:
        for command in [opening("new"), *people("new", ["a", "b", "c", "d"])]:
            batch.handle(command, ctx())
        # Saved (or held) two chunks ago, and still known.
        with pytest.raises(AlreadyExists, match="programme new already has a participant 'a'"):
            batch.handle(people("new", ["a"])[0], ctx())
    # The programme, looked for before it was opened; then, written by the batch
    # and no longer in its memory, the participant registered again (a held
    # batch has it on disk).
    expected = [programme_id("new")] + ([] if hold else [entity_id("new", "participant", "a")])
    assert reads.ids == expected
    # Without ``hold``, the refusal forgot the chunk it was in (d).
    for key in "abcd" if hold else "abc":
        assert service.load(Participant, "new", key) is not None


def test_another_writer_in_a_programme_a_batch_opened_meets_a_conflict(
    service: Registre, other: Registre
) -> None:
    with (
        pytest.raises(Conflict, match="nothing of the current chunk"),
        service.batch(10) as batch,
    ):
        batch.handle(opening("new"), ctx())
        batch.handle(people("new", ["a"])[0], ctx())
        batch.flush()
        other.handle(people("new", ["b"])[0], ctx())
        batch.handle(people("new", ["b"])[0], ctx())
        batch.flush()
    registrations = [
        event.key
        for _, event in service.notifications()
        if type(event).__qualname__.startswith("Participant.Registered")
    ]
    assert registrations == ["a", "b"]


def test_the_first_command_of_a_process_reads_no_tail(
    service: Registre, other: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    followed: list[str] = []
    for name in ("head", "tail"):
        real = getattr(other.store, name)

        def counted(*args: Any, _real: Any = real, _name: str = name) -> Any:
            followed.append(_name)
            return _real(*args)

        monkeypatch.setattr(other.store, name, counted)
    # As the command line does: one command, then the process ends.
    contribute(other, "prog", "C-1")
    assert followed == []
    contribute(other, "prog", "C-2")
    contribute(other, "prog", "C-3")
    assert followed == ["head", "tail"]
