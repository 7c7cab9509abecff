"""Event recorders that cover every event by the audit ledger as it is stored.

They are the ``eventsourcing`` library's own SQLite and PostgreSQL
application recorders, with one addition: in the same transaction that
inserts a command's events, they insert each event's ledger leaf hash under
the event's position. An event is therefore never stored uncovered, not even
for a moment, and a failed insert leaves neither. The application selects
them through ``APPLICATION_RECORDER_TOPIC`` (see ``store``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from registre.adapters.ledger import LEDGER_TABLE, event_leaf_hash


def _leaves(
    stored_events: Sequence[StoredEvent], positions: Sequence[int]
) -> list[tuple[int, bytes]]:
    return [
        (
            position,
            event_leaf_hash(position, e.originator_id, e.originator_version, e.topic, e.state),
        )
        for e, position in zip(stored_events, positions, strict=True)
    ]


class LedgeredSQLiteRecorder(SQLiteApplicationRecorder):
    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {LEDGER_TABLE} ("
            "position INTEGER PRIMARY KEY, leaf_hash BLOB NOT NULL)",
        ]

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        if positions:
            c.executemany(
                f"INSERT INTO {LEDGER_TABLE} (position, leaf_hash) VALUES (?, ?)",
                _leaves(stored_events, positions),
            )
        return positions


class LedgeredPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ledger_table = SQL("{}.{}").format(
            Identifier(self.datastore.schema), Identifier(LEDGER_TABLE)
        )
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} "
                "(position BIGINT PRIMARY KEY, leaf_hash BYTEA NOT NULL)"
            ).format(self.ledger_table)
        )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if positions:
            # Same cursor, same transaction (and same table lock) as the events.
            curs.executemany(
                SQL("INSERT INTO {} (position, leaf_hash) VALUES (%s, %s)").format(
                    self.ledger_table
                ),
                _leaves(stored_events, positions),
            )
        return positions
