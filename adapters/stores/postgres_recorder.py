"""The PostgreSQL event recorder (see ``recorders``), in a module of its own
so that only a PostgreSQL store imports the driver and the library's
PostgreSQL module."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from psycopg.sql import SQL, Identifier

from registre.adapters.ledger import heads
from registre.adapters.ledger.leaves import LEDGER_TABLE
from registre.adapters.stores import personal_data
from registre.adapters.stores.dialect import Dialect
from registre.adapters.stores.recorders import (
    LOCK_FUNCTION,
    compare_versions,
    leaves,
    personal_changes,
    relied_versions,
    versions_statement,
    write_leaves,
    write_tree_head,
)


class LedgeredPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = self.datastore.schema
        self.dialect = Dialect("postgres", schema)
        events = SQL("{}.{}").format(Identifier(schema), Identifier(self.events_table_name))
        lock = SQL("{}.{}").format(Identifier(schema), Identifier(LOCK_FUNCTION))
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {}.{} "
                "(position BIGINT PRIMARY KEY, leaf_hash BYTEA NOT NULL)"
            ).format(Identifier(schema), Identifier(LEDGER_TABLE)),
            SQL(
                "CREATE TABLE IF NOT EXISTS {}.{} (tree_size BIGINT PRIMARY KEY, "
                "root_hash BYTEA NOT NULL, compact_range BYTEA NOT NULL, created_at TEXT NOT NULL, "
                "label TEXT NOT NULL, key_id TEXT NOT NULL, note TEXT)"
            ).format(Identifier(schema), Identifier(heads.TREE_HEADS_TABLE)),
            *self.dialect.append_only(self.events_table_name),
            *self.dialect.append_only(LEDGER_TABLE),
            *self.dialect.append_only(heads.TREE_HEADS_TABLE),
            # LOCK TABLE ... IN EXCLUSIVE MODE needs UPDATE, DELETE or TRUNCATE
            # privilege (PostgreSQL 15 and earlier), which the application role
            # must not have. This function, owned by the tables' owner, takes
            # the same lock for it: it runs with the owner's rights and does
            # nothing else. Its search_path is fixed so a role with CREATE on the
            # schema cannot substitute objects.
            SQL(
                "CREATE OR REPLACE FUNCTION {}() RETURNS void LANGUAGE plpgsql "
                "SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$ "
                "BEGIN LOCK TABLE {} IN EXCLUSIVE MODE; END $$"
            ).format(lock, events),
            SQL("REVOKE ALL ON FUNCTION {}() FROM PUBLIC").format(lock),
        ]
        # The library's statements are [SET LOCAL lock_timeout, LOCK TABLE]:
        # the timeout still applies to the lock taken inside the function.
        self.lock_table_statements = [
            *self.lock_table_statements[:-1],
            SQL("SELECT {}()").format(lock),
        ]
        self.notify_statement = SQL("NOTIFY {}").format(Identifier(self.channel_name))

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        """As the library does it (the table lock orders the log; NOTIFY wakes
        its followers), with the ledger's leaves and the personal data.

        Two exchanges with the server: the lock, the NOTIFY, the events'
        insert and the reads the rest needs under the lock (the versions of
        the aggregates the command relied on, the last tree head) are sent
        together and answered together; then the leaves, the personal data,
        the new tree head and the commit. The leaves are hashed here, as
        they always were."""
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in stored_events
        ]
        expected = relied_versions(kwargs)
        dialect = self.dialect
        with self.datastore.transaction(commit=True) as cursor:
            connection = cursor.connection
            # A cursor per statement whose rows are read: in pipeline mode a cursor
            # that ran several may hand back an earlier one's result.
            with (
                connection.pipeline(),
                connection.cursor() as inserted,
                connection.cursor() as versions,
                connection.cursor() as last,
            ):
                for statement in self.lock_table_statements:
                    cursor.execute(statement, prepare=True)
                cursor.execute(self.notify_statement)
                inserted.execute(self.insert_events_statement, (rows,))
                if expected:
                    versions.execute(
                        versions_statement(dialect, self.events_table_name, len(expected)),
                        [i for i, _ in expected],
                    )
                last.execute(heads.last_statement(dialect))
                positions = [row["notification_id"] for row in inserted.fetchall()]
                if expected:
                    compare_versions(dialect, [dict(r) for r in versions.fetchall()], expected)
                previous = [dict(r) for r in last.fetchall()]
                new_leaves = leaves(stored_events, positions)
                write_leaves(cursor, dialect, new_leaves)
                personal_data.write(cursor, dialect, personal_changes(kwargs))
                write_tree_head(cursor, dialect, new_leaves, kwargs, previous)
        return positions
