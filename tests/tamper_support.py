"""Tampering with a store as someone with direct database access would.

The event, ledger and checkpoint tables refuse UPDATE, DELETE (and TRUNCATE)
by triggers. Someone who controls the database can still get past them: a
PostgreSQL superuser sets ``session_replication_role = replica`` (ordinary
triggers then do not fire), and whoever can write a SQLite file can drop its
triggers. ``attacker`` does exactly that, so tamper tests can show that the
audit finds what the triggers could not prevent::

    with attacker(service) as a:
        a.execute("UPDATE {events} SET state = ? WHERE {key} = ?", (b"x", 3))
        a.execute("DELETE FROM {ledger} WHERE position = ?", (5,))

``execute`` fills in ``{events}``, ``{key}``, ``{ledger}`` and ``{checkpoints}``
and takes ``?`` placeholders on both stores; ``a.cursor`` is the raw DB-API
cursor for anything else. The changes are committed when the block ends
(rolled back if it raises); on SQLite the triggers are then recreated as they
were.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from registre.adapters.application import Registre
from registre.adapters.ledger.leaves import LEDGER_TABLE

CHECKPOINTS_TABLE = "registre_checkpoints"


@dataclass(frozen=True)
class StoreTables:
    """The physical names of the append-only tables of one store."""

    kind: str  # "sqlite" or "postgres"
    events: str  # qualified by the schema on PostgreSQL
    key: str  # the events' position column: "rowid" or "notification_id"
    ledger: str
    checkpoints: str


def store_tables(service: Registre) -> StoreTables:
    config = service.config
    if config.kind == "sqlite":
        return StoreTables("sqlite", "stored_events", "rowid", LEDGER_TABLE, CHECKPOINTS_TABLE)
    schema = config.env["POSTGRES_SCHEMA"]
    events = f"{service.store.app.name.lower()}_events"
    return StoreTables(
        "postgres",
        f"{schema}.{events}",
        "notification_id",
        f"{schema}.{LEDGER_TABLE}",
        f"{schema}.{CHECKPOINTS_TABLE}",
    )


@dataclass
class Attacker:
    tables: StoreTables
    cursor: Any  # sqlite3.Cursor or psycopg.Cursor

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        """Runs one statement with the table names filled in; returns the cursor."""
        t = self.tables
        sql = statement.format(
            events=t.events, key=t.key, ledger=t.ledger, checkpoints=t.checkpoints
        )
        if t.kind == "postgres":
            sql = sql.replace("?", "%s")
        self.cursor.execute(sql, tuple(params))
        return self.cursor


@contextmanager
def attacker(service: Registre) -> Iterator[Attacker]:
    tables = store_tables(service)
    if tables.kind == "sqlite":
        with _sqlite(service, tables) as a:
            yield a
    else:
        with _postgres(service, tables) as a:
            yield a


@contextmanager
def _sqlite(service: Registre, tables: StoreTables) -> Iterator[Attacker]:
    from registre.adapters.stores.dialect import TRIGGER_PREFIX

    path = service.config.env["SQLITE_DBNAME"]
    if ":memory:" in path:
        raise ValueError("an in-memory SQLite store cannot be reached from outside")
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    try:
        conn.execute("BEGIN IMMEDIATE")
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE ?",
            (TRIGGER_PREFIX + "%",),
        ).fetchall()
        for name, _ in triggers:
            conn.execute(f"DROP TRIGGER {name}")
        try:
            yield Attacker(tables, conn.cursor())
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        # Put the triggers back in the same transaction: the store looks untouched.
        for _, sql in triggers:
            conn.execute(sql)
        conn.execute("COMMIT")
    finally:
        conn.close()


@contextmanager
def _postgres(service: Registre, tables: StoreTables) -> Iterator[Attacker]:
    import psycopg

    env = service.config.env
    with psycopg.connect(
        dbname=env["POSTGRES_DBNAME"],
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"] or None,
    ) as conn:
        # Superuser only; ordinary (ENABLE ORIGIN) triggers do not fire in replica mode.
        conn.execute("SET session_replication_role = replica")
        with conn.cursor() as cursor:
            yield Attacker(tables, cursor)
        # psycopg commits on leaving the connection block, rolls back on an error.
