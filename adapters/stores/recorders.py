"""The event recorders: one transaction for everything a command records.

They are the ``eventsourcing`` library's SQLite and PostgreSQL application
recorders with their public ``insert_events`` written here, so that the one
transaction that inserts a command's events (its receipt is one of them) also
inserts each event's ledger leaf under the event's position and writes the
personal data the command changes. The application hands the personal data
over through the library's own channel for such things: the keyword
arguments of ``Application.save``, passed on to ``insert_events`` (the
library's process recorders carry their tracking records the same way). An
event is therefore never stored uncovered by the ledger, nor a registration
without its name, not even for a moment, and a failure anywhere leaves none
of them.

Only public parts of the library are used: ``insert_events``, the datastore's
``transaction``, the recorder's statements and ``construct_pg_stored_event``.
The application selects these classes through ``APPLICATION_RECORDER_TOPIC``
(see ``config``); the tables, triggers and functions are made by ``schema``.
The PostgreSQL recorder is in ``postgres_recorder``, so that a SQLite store
never imports the PostgreSQL driver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from registre.adapters.ledger import heads
from registre.adapters.ledger.leaves import LEDGER_TABLE, event_leaf_hash
from registre.adapters.stores import personal_data
from registre.adapters.stores.dialect import Dialect
from registre.adapters.stores.personal_data import Change

# Signed checkpoints are append-only too.
CHECKPOINTS_TABLE = "registre_checkpoints"
# The PostgreSQL function through which writers take the events table lock.
LOCK_FUNCTION = "registre_lock_events"
# The keyword argument of ``Application.save`` that carries personal data.
PERSONAL = "personal_data"
# The keyword argument of ``Application.save`` that carries the aggregates a
# command read and relied on without changing them, each with the version it read.
UNCHANGED = "unchanged_since_read"


class ChangedSinceRead(IntegrityError):
    """An aggregate a command relied on (a vote's round) was changed by another
    writer after the command read it: nothing of the command is written."""


def versions_statement(dialect: Dialect, events_table: str, count: int) -> str:
    """The last version of each of ``count`` aggregates, in one statement."""
    marks = ", ".join("?" * count)
    return dialect.sql(
        "SELECT originator_id, MAX(originator_version) AS version "
        f"FROM {dialect.table(events_table)} WHERE originator_id IN ({marks}) "
        "GROUP BY originator_id"
    )


def compare_versions(
    dialect: Dialect, rows: Sequence[dict[str, Any]], expected: Sequence[tuple[UUID, int]]
) -> None:
    """Refuses the transaction if an aggregate is no longer at the version read
    (``rows``: what ``versions_statement`` found)."""
    found = {row["originator_id"]: row["version"] for row in rows}
    for originator_id, version in expected:
        now = found.get(dialect.originator(originator_id))
        if now != version:
            raise ChangedSinceRead(
                f"aggregate {originator_id} changed since it was read "
                f"(version {version}, now {now})"
            )


def check_unchanged(
    cursor: Any, dialect: Dialect, events_table: str, expected: Sequence[tuple[UUID, int]]
) -> None:
    """Refuses the transaction if any aggregate is no longer at the version read.

    Run after the transaction holds the writers' lock (the events table's
    on PostgreSQL, the database's on SQLite, taken by the first insert), so the
    versions it reads cannot change before the commit: a vote and the close of
    its round are recorded one after the other, never across each other."""
    if not expected:
        return
    statement = versions_statement(dialect, events_table, len(expected))
    cursor.execute(statement, [dialect.originator(i) for i, _ in expected])
    compare_versions(dialect, [dict(r) for r in cursor.fetchall()], expected)


def leaves(
    stored_events: Sequence[StoredEvent], positions: Sequence[int]
) -> list[tuple[int, bytes]]:
    """(position, leaf hash) of each event, in the order given."""
    return [
        (
            position,
            event_leaf_hash(position, e.originator_id, e.originator_version, e.topic, e.state),
        )
        for e, position in zip(stored_events, positions, strict=True)
    ]


def write_leaves(cursor: Any, dialect: Dialect, rows: Sequence[tuple[int, bytes]]) -> None:
    cursor.executemany(
        dialect.sql(
            f"INSERT INTO {dialect.table(LEDGER_TABLE)} (position, leaf_hash) VALUES (?, ?)"
        ),
        rows,
    )


def write_tree_head(
    cursor: Any,
    dialect: Dialect,
    rows: Sequence[tuple[int, bytes]],
    kwargs: dict[str, Any],
    last: list[dict[str, Any]] | None = None,
) -> None:
    """The commit's tree head, last: everything that could refuse the
    transaction has run, and the writers' lock is held (``last``: the
    previous head, if already read under that lock)."""
    signing: heads.Signing | None = kwargs.get(heads.TREE_HEAD)
    heads.append(cursor, dialect, rows, signing, last)


def personal_changes(kwargs: dict[str, Any]) -> Sequence[Change]:
    changes: Sequence[Change] = kwargs.get(PERSONAL) or ()
    return changes


def relied_versions(kwargs: dict[str, Any]) -> Sequence[tuple[UUID, int]]:
    expected: Sequence[tuple[UUID, int]] = kwargs.get(UNCHANGED) or ()
    return expected


class LedgeredSQLiteRecorder(SQLiteApplicationRecorder):
    dialect = Dialect("sqlite")

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {LEDGER_TABLE} ("
            "position INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL)",
            heads.create_statement(self.dialect),
            *self.dialect.append_only(self.events_table_name),
            *self.dialect.append_only(LEDGER_TABLE),
            *self.dialect.append_only(heads.TREE_HEADS_TABLE),
        ]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        with self.datastore.transaction(commit=True) as cursor:
            positions: list[int] = []
            if stored_events:
                cursor.executemany(
                    f"INSERT INTO {self.events_table_name} "
                    "(originator_id, originator_version, topic, state) VALUES (?, ?, ?, ?)",
                    [
                        (
                            e.originator_id.hex
                            if isinstance(e.originator_id, UUID)
                            else e.originator_id,
                            e.originator_version,
                            e.topic,
                            e.state,
                        )
                        for e in stored_events
                    ],
                )
                # The transaction holds the database's write lock from its first
                # insert, and events are never deleted: each new row's position
                # (its rowid) is the one after the last, so the rows just
                # inserted end at the last one and follow each other.
                cursor.execute("SELECT last_insert_rowid()")
                last = int(cursor.fetchone()[0])
                positions = list(range(last - len(stored_events) + 1, last + 1))
            rows = leaves(stored_events, positions)
            write_leaves(cursor, self.dialect, rows)
            personal_data.write(cursor, self.dialect, personal_changes(kwargs))
            check_unchanged(cursor, self.dialect, self.events_table_name, relied_versions(kwargs))
            write_tree_head(cursor, self.dialect, rows, kwargs)
        return positions
