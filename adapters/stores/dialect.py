"""The one place that knows how SQLite and PostgreSQL differ.

Every statement Registre writes itself is written once, with ``?``
placeholders and unqualified table names; the dialect of the store qualifies
the names (PostgreSQL keeps each deployment in a schema of its own), turns the
placeholders into the driver's, and supplies the few types and statements
that differ. Nothing else in the project branches on the kind of store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["sqlite", "postgres"]

# The refusal every append-only table gives to UPDATE, DELETE and TRUNCATE.
REFUSAL = "the record is append-only: {table} refuses {op}; correct it by recording a new event"
# SQLite trigger names start with this, so tools can find (and list) them all.
TRIGGER_PREFIX = "registre_append_only_"
# The PostgreSQL trigger function shared by every append-only table of a schema.
REFUSE_FUNCTION = "registre_refuse_change"


@dataclass(frozen=True)
class Dialect:
    kind: Kind
    schema: str | None = None  # PostgreSQL only
    _cache: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    # -- names and statements ------------------------------------------------------

    def table(self, name: str) -> str:
        """A table's name as statements write it (qualified by the schema)."""
        return f"{self.schema}.{name}" if self.schema else name

    @property
    def prefix(self) -> str:
        return f"{self.schema}." if self.schema else ""

    def sql(self, statement: str) -> str:
        """A statement written with ``?`` placeholders, in the driver's style."""
        if self.kind == "sqlite":
            return statement
        known = self._cache.get(statement)
        if known is None:
            known = self._cache[statement] = statement.replace("?", "%s")
        return known

    @property
    def position(self) -> str:
        """The column of the events table that holds an event's position in the log."""
        return "rowid" if self.kind == "sqlite" else "notification_id"

    @property
    def begin_writing(self) -> str | None:
        """How a transaction that will write begins, if the store needs it said.

        SQLite's plain BEGIN takes the write lock at the first write; a
        transaction that has read before must then fail at once ("database is
        locked") if another writer committed meanwhile, however long the busy
        timeout. BEGIN IMMEDIATE takes the write lock first, waiting for it as
        long as the busy timeout allows. PostgreSQL waits on the row it updates."""
        return "BEGIN IMMEDIATE" if self.kind == "sqlite" else None

    def originator(self, originator_id: Any) -> Any:
        """An aggregate's id as the events table keeps it (SQLite: its hex text)."""
        return originator_id.hex if self.kind == "sqlite" else originator_id

    @property
    def blob(self) -> str:
        return "BLOB" if self.kind == "sqlite" else "BYTEA"

    @property
    def serial_key(self) -> str:
        """An integer primary key numbered by the store."""
        return "INTEGER PRIMARY KEY" if self.kind == "sqlite" else "BIGSERIAL PRIMARY KEY"

    # -- running statements ------------------------------------------------------------

    def rows(self, cursor: Any, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of a query, as dicts. On PostgreSQL, with a cursor of its own:
        in pipeline mode a cursor that holds the result of an earlier statement
        may hand that one back instead of waiting for this one's."""
        if self.kind == "postgres":
            with cursor.connection.cursor() as own:
                own.execute(self.sql(statement), params)
                rows = own.fetchall()
            # The store's connections make dicts already (psycopg's dict_row).
            return rows if not rows or type(rows[0]) is dict else [dict(r) for r in rows]
        cursor.execute(statement, params)
        return [dict(r) for r in cursor.fetchall()]

    def values(
        self, cursor: Any, statement: str, params: Sequence[Any] = ()
    ) -> list[Sequence[Any]]:
        """The rows of a query as sequences of values in the order of its columns,
        not dicts: for a reader of many rows (the plan of a national programme),
        where making a dict of each row costs more than the query."""
        if self.kind == "postgres":
            from psycopg.rows import tuple_row

            with cursor.connection.cursor(row_factory=tuple_row) as own:
                own.execute(self.sql(statement), params)
                found: list[Sequence[Any]] = own.fetchall()
            return found
        cursor.execute(statement, params)
        return list(cursor.fetchall())  # sqlite3.Row: its values by position too

    @contextmanager
    def pipeline(self, cursor: Any) -> Iterator[None]:
        """On PostgreSQL, sends statements without waiting for each one's answer
        (psycopg's pipeline mode); a read waits for what was sent before it, so
        the order of statements is kept. SQLite is in-process: nothing to do."""
        if self.kind == "postgres":
            with cursor.connection.pipeline():
                yield
        else:
            yield

    def insert_rows(
        self, cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Inserts many rows at once: one executemany on SQLite, COPY on PostgreSQL
        (one stream, no statement per row)."""
        if not rows:
            return
        names = ", ".join(columns)
        if self.kind == "sqlite":
            marks = ", ".join("?" * len(columns))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            return
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def table_exists(self, cursor: Any, name: str) -> bool:
        if self.kind == "sqlite":
            found = self.rows(
                cursor,
                "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?",
                (name,),
            )
            return bool(found)
        found = self.rows(cursor, "SELECT to_regclass(?) IS NOT NULL AS found", (self.table(name),))
        return bool(found and found[0]["found"])

    def columns(self, cursor: Any, table: str) -> set[str]:
        """The names of a table's columns."""
        if self.kind == "sqlite":
            return {str(r["name"]) for r in self.rows(cursor, f"PRAGMA table_info({table})")}
        found = self.rows(
            cursor,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ?",
            (self.schema, table),
        )
        return {str(r["column_name"]) for r in found}

    def upsert(self, table: str, columns: Sequence[str], key: Sequence[str]) -> str:
        """INSERT of a row that replaces the one with the same key (both stores
        speak ``ON CONFLICT ... DO UPDATE``)."""
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        changes = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
        return self.sql(
            f"INSERT INTO {self.table(table)} ({names}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {changes}"
        )

    # -- append-only tables ---------------------------------------------------------------

    def append_only(self, table: str) -> list[Any]:
        """Statements that make an existing table refuse UPDATE and DELETE (and
        TRUNCATE on PostgreSQL); safe to run again (``IF NOT EXISTS``,
        ``CREATE OR REPLACE``)."""
        if self.kind == "sqlite":
            return [
                f"CREATE TRIGGER IF NOT EXISTS {TRIGGER_PREFIX}{table}_{op.lower()} "
                f"BEFORE {op} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL.format(table=table, op=op)}'); END"
                for op in ("UPDATE", "DELETE")
            ]
        from psycopg.sql import SQL, Identifier

        assert self.schema is not None
        function = SQL("{}.{}").format(Identifier(self.schema), Identifier(REFUSE_FUNCTION))
        target = SQL("{}.{}").format(Identifier(self.schema), Identifier(table))
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
