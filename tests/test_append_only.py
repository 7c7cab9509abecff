"""The record is append-only in the database itself: the event, ledger and
checkpoint tables refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) by
triggers, whoever connects, while recording, erasing personal data and
rebuilding projections go on as before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from tamper_support import StoreTables, attacker, store_tables

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.stores.config import parse_url
from registre.domain import DecisionRule, OrganisationType
from registre.projections import projector_for

LAYER = "integration"

CTX = c.Context(actor="greffe")


def _open(service: Registre, slug: str = "alpha") -> None:
    service.handle(
        c.OpenProgramme(
            programme=slug,
            title="T",
            organiser="O",
            founders={"m": "Métropole"},
            rule=DecisionRule.ANY,
        ),
        CTX,
    )


@contextmanager
def _cursor(service: Registre) -> Iterator[Any]:
    """A cursor of the application's own connection, as the store's owner."""
    datastore: Any = service.store.app.recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=True) as cursor:
        yield cursor


def _count(service: Registre, table: str) -> int:
    with _cursor(service) as cursor:
        cursor.execute(f"SELECT count(*) AS n FROM {table}")
        return int(cursor.fetchone()["n"])


def _refusals(t: StoreTables) -> list[tuple[str, str]]:
    mark = "?" if t.kind == "sqlite" else "%s"
    statements = [
        (t.events, f"UPDATE {t.events} SET topic = 'x' WHERE {t.key} = 1"),
        (t.events, f"DELETE FROM {t.events} WHERE {t.key} = 1"),
        (t.events, f"DELETE FROM {t.events}"),
        (t.ledger, f"UPDATE {t.ledger} SET leaf_hash = {mark} WHERE position = 1"),
        (t.ledger, f"DELETE FROM {t.ledger} WHERE position = 1"),
    ]
    if t.kind == "postgres":
        statements += [(t.events, f"TRUNCATE {t.events}"), (t.ledger, f"TRUNCATE {t.ledger}")]
    return statements


def test_events_and_ledger_refuse_update_delete_and_truncate(service: Registre) -> None:
    _open(service)
    t = store_tables(service)
    events, leaves = _count(service, t.events), _count(service, t.ledger)
    for table, statement in _refusals(t):
        verb = statement.split()[0]
        name = table.rsplit(".", 1)[-1]
        params = (b"\x00" * 32,) if "leaf_hash =" in statement else ()
        refused = pytest.raises(Exception, match=f"append-only: {name} refuses {verb}")
        with refused, _cursor(service) as cursor:
            cursor.execute(statement, params)
    assert (_count(service, t.events), _count(service, t.ledger)) == (events, leaves)
    # Recording goes on after the refusals.
    service.handle(c.AddAxis(programme="alpha", key="a1", title="Axe"), CTX)
    assert _count(service, t.events) == events + 2
    assert _count(service, t.ledger) == leaves + 2


def test_the_triggers_survive_restarts(store_url: str) -> None:
    for _ in range(3):
        with Registre.open(parse_url(store_url)) as service:
            if service.store.app.recorder.max_notification_id() is None:
                _open(service)
    with Registre.open(parse_url(store_url)) as service:
        t = store_tables(service)
        with pytest.raises(Exception, match="append-only"), _cursor(service) as cursor:
            cursor.execute(f"DELETE FROM {t.events}")
        assert _count(service, t.events) == 2


def test_the_checkpoints_table_is_append_only_from_the_start(store_url: str) -> None:
    columns = "tree_size, root_hash, created_at, label, deployment, key_id, public_key, signature"
    row = "(0, {b}, 'now', '', 'd', 'k', {b}, {b})"
    with Registre.open(parse_url(store_url)) as service:
        t = store_tables(service)
        blob = "X'00'" if t.kind == "sqlite" else "'\\x00'::bytea"
        with _cursor(service) as cursor:
            cursor.execute(f"INSERT INTO {t.checkpoints} ({columns}) VALUES {row.format(b=blob)}")
        for statement in (
            f"UPDATE {t.checkpoints} SET tree_size = 9",
            f"DELETE FROM {t.checkpoints}",
            *([f"TRUNCATE {t.checkpoints}"] if t.kind == "postgres" else []),
        ):
            refused = pytest.raises(Exception, match="registre_checkpoints refuses")
            with refused, _cursor(service) as cursor:
                cursor.execute(statement)
        with _cursor(service) as cursor:
            cursor.execute(f"INSERT INTO {t.checkpoints} ({columns}) VALUES {row.format(b=blob)}")
        assert _count(service, t.checkpoints) == 2


def test_personal_data_stays_erasable(service: Registre) -> None:
    _open(service)
    for key, name in (("p1", "Anne Martin"), ("p2", "Paul Durand")):
        service.handle(
            c.RegisterParticipant(
                programme="alpha",
                key=key,
                name=name,
                organisation="Asso",
                organisation_type=OrganisationType.ASSOCIATION,
            ),
            CTX,
        )
    service.handle(c.EraseParticipant(programme="alpha", key="p1", reason="RGPD"), CTX)
    assert service.personal_names("alpha") == {"p2": "Paul Durand"}


def test_projections_are_still_rebuilt(service: Registre) -> None:
    _open(service)
    service.handle(c.AddAxis(programme="alpha", key="a1", title="Axe"), CTX)
    projector = projector_for(service.store)
    for name in projector.projections:
        projector.replay(name)
        projector.replay(name)
    projector.catch_up()
    assert all(s.rebuilding is None for s in projector.status())


def test_the_attacker_gets_past_the_triggers_and_leaves_them_in_place(service: Registre) -> None:
    _open(service)
    t = store_tables(service)
    with attacker(service) as a:
        a.execute("UPDATE {events} SET topic = ? WHERE {key} = ?", ("forged", 1))
        a.execute("DELETE FROM {ledger} WHERE position = ?", (2,))
    with _cursor(service) as cursor:
        cursor.execute(f"SELECT topic FROM {t.events} WHERE {t.key} = 1")
        assert cursor.fetchone()["topic"] == "forged"
    assert _count(service, t.ledger) == 1
    with pytest.raises(Exception, match="append-only"), _cursor(service) as cursor:
        cursor.execute(f"DELETE FROM {t.events}")
