"""A command is recorded whole or not at all.

One transaction holds everything a command records: its events, its receipt,
their ledger leaves and the personal data it changes. A failure injected in
the database at each of those writes leaves nothing of the command, and the
same command, run again under the same command id, is then recorded whole.
The failures are real ones: a trigger that makes the database refuse the
insert, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from service_support import ctx, open_programme

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.ledger.leaves import LEDGER_TABLE
from registre.adapters.ledger.verify import verify
from registre.adapters.stores.personal_data import TABLE as PERSONAL_TABLE
from registre.domain import OrganisationType, Participant

LAYER = "integration"

P = "prog"
RECEIPT = "%CommandReceipt.Received"

# Each write of a command's transaction: (table, condition on the new row).
WRITES = {
    "events": ("events", None),
    "receipt": ("events", RECEIPT),
    "ledger leaves": (LEDGER_TABLE, None),
    "personal data": (PERSONAL_TABLE, None),
}


@contextmanager
def failing(service: Registre, write: str) -> Iterator[None]:
    """The database refuses every insert of that write while the block runs."""
    table, topic = WRITES[write]
    store = service.store
    d = store.dialect
    name = d.table(store.events_table if table == "events" else table)
    when = "" if topic is None else f"WHEN (NEW.topic LIKE '{topic}') "
    with store.transaction(commit=True) as cursor:
        if d.kind == "sqlite":
            cursor.execute(
                f"CREATE TRIGGER injected BEFORE INSERT ON {name} {when}"
                "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
            )
        else:
            cursor.execute(
                f"CREATE FUNCTION {d.table('injected')}() RETURNS trigger LANGUAGE plpgsql "
                "AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER injected BEFORE INSERT ON {name} FOR EACH ROW {when}"
                f"EXECUTE FUNCTION {d.table('injected')}()"
            )
    try:
        yield
    finally:
        with store.transaction(commit=True) as cursor:
            if d.kind == "sqlite":
                cursor.execute("DROP TRIGGER injected")
            else:
                cursor.execute(f"DROP TRIGGER injected ON {name}")
                cursor.execute(f"DROP FUNCTION {d.table('injected')}()")


def register(key: str) -> c.RegisterParticipant:
    return c.RegisterParticipant(
        programme=P,
        key=key,
        name=f"Nom de {key}",
        organisation="Association des riverains",
        organisation_type=OrganisationType.ASSOCIATION,
        contact=f"{key}@example.org",
    )


def count(service: Registre, table: str) -> int:
    store = service.store
    with store.transaction() as cursor:
        rows = store.dialect.rows(cursor, f"SELECT COUNT(*) AS n FROM {store.dialect.table(table)}")
    return int(rows[0]["n"])


def sizes(service: Registre) -> tuple[int, int]:
    """How many events are stored, and how many ledger leaves."""
    return count(service, service.store.events_table), count(service, LEDGER_TABLE)


@pytest.mark.parametrize("write", list(WRITES))
def test_a_failure_in_any_write_leaves_nothing_and_the_retry_records_it_whole(
    service: Registre, write: str
) -> None:
    open_programme(service, P)
    before = sizes(service)

    with failing(service, write), pytest.raises(Exception, match="injected failure"):
        service.handle(register("p1"), ctx("reg-p1"))

    assert sizes(service) == before
    assert service.receipt("reg-p1") is None
    assert service.load(Participant, P, "p1") is None
    assert service.personal_names(P) == {}

    result = service.handle(register("p1"), ctx("reg-p1"))
    assert not result.already_recorded
    assert [r.kind for r in result.recorded] == [
        "Participant.Registered",
        "CommandReceipt.Received",
    ]
    assert service.personal_names(P) == {"p1": "Nom de p1"}
    # (On PostgreSQL the failed insert used up positions: the log has a gap there.)
    assert sizes(service) == (before[0] + 2, before[1] + 2)
    assert verify(service.store).ok


@pytest.mark.parametrize("write", list(WRITES))
def test_a_failure_in_a_batch_leaves_nothing_of_its_chunk_and_the_rerun_completes(
    service: Registre, write: str
) -> None:
    open_programme(service, P)
    keys = [f"p{n}" for n in range(5)]
    with service.batch(2) as batch:
        for key in keys[:2]:  # the first chunk, committed before the failure
            batch.handle(register(key), ctx(f"reg-{key}"))
    committed = sizes(service)

    refused = pytest.raises(Exception, match="injected failure")
    with failing(service, write), refused, service.batch(2) as batch:
        for key in keys[2:]:
            batch.handle(register(key), ctx(f"reg-{key}"))

    assert sizes(service) == committed
    assert set(service.personal_names(P)) == set(keys[:2])

    with service.batch(2) as batch:
        for key in keys[2:]:
            batch.handle(register(key), ctx(f"reg-{key}"))
    assert set(service.personal_names(P)) == set(keys)
    # Three registrations and two chunk receipts.
    assert sizes(service) == (committed[0] + 5, committed[1] + 5)
    assert verify(service.store).ok
