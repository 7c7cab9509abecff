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
from psycopg.sql import SQL, Composed, Identifier

from registre.adapters.ledger import LEDGER_TABLE, event_leaf_hash

# The refusal every append-only table gives to UPDATE, DELETE and TRUNCATE.
REFUSAL = "the record is append-only: {table} refuses {op}; correct it by recording a new event"
# SQLite trigger names start with this, so tools can find (and list) them all.
TRIGGER_PREFIX = "registre_append_only_"
# The PostgreSQL trigger function shared by every append-only table of a schema.
REFUSE_FUNCTION = "registre_refuse_change"
# Signed checkpoints are append-only too; their table is created on first use
# (``audit_tables``), so it is protected by ``make_append_only`` there and again
# by the recorders at every start once it exists.
CHECKPOINTS_TABLE = "registre_checkpoints"
# The PostgreSQL function through which writers take the events table lock.
LOCK_FUNCTION = "registre_lock_events"


def sqlite_append_only(table: str) -> list[str]:
    """Statements making a SQLite table refuse UPDATE and DELETE (SQLite has no
    TRUNCATE). ``IF NOT EXISTS`` makes them safe to run at every start."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {TRIGGER_PREFIX}{table}_{op.lower()} "
        f"BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL.format(table=table, op=op)}'); END"
        for op in ("UPDATE", "DELETE")
    ]


def postgres_append_only(schema: str, table: str) -> list[Composed]:
    """Statements making a PostgreSQL table refuse UPDATE, DELETE and TRUNCATE.

    Run in one transaction at every start: ``CREATE OR REPLACE`` keeps them
    idempotent, and a start racing another on the same objects fails with
    "tuple concurrently updated", which the application's opening retries."""
    function = SQL("{}.{}").format(Identifier(schema), Identifier(REFUSE_FUNCTION))
    target = SQL("{}.{}").format(Identifier(schema), Identifier(table))
    return [
        SQL(
            "CREATE OR REPLACE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the record is append-only: % refuses %; "
            "correct it by recording a new event', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'insufficient_privilege'; END $$"
        ).format(function),
        SQL(
            "CREATE OR REPLACE TRIGGER {} BEFORE UPDATE OR DELETE ON {} "
            "FOR EACH ROW EXECUTE FUNCTION {}()"
        ).format(Identifier(f"{table}_append_only"), target, function),
        SQL(
            "CREATE OR REPLACE TRIGGER {} BEFORE TRUNCATE ON {} "
            "FOR EACH STATEMENT EXECUTE FUNCTION {}()"
        ).format(Identifier(f"{table}_no_truncate"), target, function),
    ]


def make_append_only(cursor: Any, kind: str, table: str, schema: str | None = None) -> None:
    """Makes an existing table refuse UPDATE and DELETE (and TRUNCATE on
    PostgreSQL), within the caller's transaction; safe to call at every start."""
    if kind == "sqlite":
        for statement in sqlite_append_only(table):
            cursor.execute(statement)
    else:
        assert schema is not None
        for composed in postgres_append_only(schema, table):
            cursor.execute(composed)


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
            *sqlite_append_only(self.events_table_name),
            *sqlite_append_only(LEDGER_TABLE),
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

    def create_table(self) -> None:
        super().create_table()
        with self.datastore.transaction(commit=True) as c:
            c.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                (CHECKPOINTS_TABLE,),
            )
            if c.fetchone():
                make_append_only(c, "sqlite", CHECKPOINTS_TABLE)


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
        schema = self.datastore.schema
        events = SQL("{}.{}").format(Identifier(schema), Identifier(self.events_table_name))
        lock = SQL("{}.{}").format(Identifier(schema), Identifier(LOCK_FUNCTION))
        self.sql_create_statements += [
            *postgres_append_only(schema, self.events_table_name),
            *postgres_append_only(schema, LEDGER_TABLE),
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

    def create_table(self) -> None:
        if self._tables_owned_by_another_role():
            # The store's owner created the tables, triggers and functions (and
            # upgrades them with ``registre init``); this role may only use them.
            self.datastore.register_type_adapters()
            return
        super().create_table()

    def _create_table(self, curs: Cursor[DictRow]) -> None:
        # Processes starting at once would otherwise deadlock replacing the same
        # triggers and functions (each locks the table, then the function, in
        # its own order): one creates, the others wait, then find it all done.
        curs.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
            (f"registre create {self.datastore.schema}",),
        )
        super()._create_table(curs)
        schema = self.datastore.schema
        curs.execute(
            "SELECT to_regclass(%s) IS NOT NULL AS found", (f"{schema}.{CHECKPOINTS_TABLE}",)
        )
        row = curs.fetchone()
        if row and row["found"]:
            make_append_only(curs, "postgres", CHECKPOINTS_TABLE, schema)

    def _tables_owned_by_another_role(self) -> bool:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                "SELECT pg_has_role(c.relowner, 'USAGE') AS mine FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relname = %s",
                (self.datastore.schema, self.events_table_name),
            )
            row = curs.fetchone()
        return row is not None and not row["mine"]

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


def grant_application_role(cursor: Cursor[Any], schema: str, events: str, role: str) -> list[str]:
    """Creates (if need be) the PostgreSQL role the application runs as, and
    gives it what it needs and no more; run as the tables' owner after the
    tables exist. Returns the names of the append-only tables it may only read
    and add to.

    - the append-only tables (events, ledger, checkpoints): SELECT and INSERT,
      their sequences, and the function that takes the events table lock;
      never UPDATE, DELETE or TRUNCATE, and not ownership (an owner could
      disable the triggers);
    - the schema: USAGE, and CREATE for the read models it builds and drops;
    - every other table, view and sequence of the schema (projections,
      personal data): ownership, since replays drop and recreate them and
      erasure deletes rows.
    """
    append_only = [events, LEDGER_TABLE, CHECKPOINTS_TABLE]
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
    if cursor.fetchone() is None:
        cursor.execute(SQL("CREATE ROLE {} LOGIN").format(Identifier(role)))
    r, s = Identifier(role), Identifier(schema)
    cursor.execute(SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(s, r))
    cursor.execute(
        SQL("GRANT EXECUTE ON FUNCTION {}.{}() TO {}").format(s, Identifier(LOCK_FUNCTION), r)
    )
    cursor.execute(
        "SELECT c.relname, c.relkind, pg_get_serial_sequence(quote_ident(n.nspname) || '.' || "
        "quote_ident(c.relname), a.attname) AS seq FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
        "AND pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
        "a.attname) IS NOT NULL "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'S')",
        (schema,),
    )
    rows = cursor.fetchall()
    kept = {row["seq"] for row in rows if row["relname"] in append_only and row["seq"]}
    protected = []
    for row in rows:
        name = SQL("{}.{}").format(s, Identifier(row["relname"]))
        if row["relname"] in append_only:
            protected.append(row["relname"])
            cursor.execute(SQL("GRANT SELECT, INSERT ON {} TO {}").format(name, r))
            if row["seq"]:
                cursor.execute(SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(SQL(row["seq"]), r))
        elif f"{schema}.{row['relname']}" not in kept and row["relkind"] != "S":
            kind = SQL("VIEW" if row["relkind"] == "v" else "TABLE")
            cursor.execute(SQL("ALTER {} {} OWNER TO {}").format(kind, name, r))
    # Tables the owner creates later (the checkpoints, on first use) open the same way.
    cursor.execute(
        SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT, INSERT ON TABLES TO {}").format(
            s, r
        )
    )
    cursor.execute(
        SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE ON SEQUENCES TO {}").format(s, r)
    )
    return sorted(protected)
