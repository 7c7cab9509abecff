"""The store's tables, created on first use and upgraded by ``registre init``.

A store records the version of its schema in ``registre_schema``. Opening a
store reads that version (one small query); only a new store, or one written
by an earlier version of Registre, gets any DDL: the library's events table
and its functions, the ledger, the checkpoints, the personal data, the
projections' pointers, and the triggers that make the record append-only.
Every statement is idempotent, so an upgrade interrupted half-way is simply
run again. On PostgreSQL the upgrade holds an advisory lock, so processes
opening a new store at once do not race on its objects, and a role that does
not own the tables (``init --create-role``) never runs DDL: it is told to ask
the owner for ``registre init``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registre.adapters.ledger.leaves import LEDGER_TABLE
from registre.adapters.stores import personal_data
from registre.adapters.stores.config import StoreConfig, StoreUnavailable
from registre.adapters.stores.recorders import CHECKPOINTS_TABLE, LOCK_FUNCTION
from registre.projections.runner import POINTERS, POINTERS_COLUMNS

if TYPE_CHECKING:
    from registre.adapters.stores.store import Store

VERSION_TABLE = "registre_schema"
# 1: the version table itself; checkpoints, personal data and projection
#    pointers created with the schema rather than on first use.
# 2: personal data sealed with per-person keys (``personal_data``); the plain
#    table of earlier stores sealed and dropped.
VERSION = 2


def prepare(config: StoreConfig) -> None:
    """Creates the PostgreSQL schema of the deployment if it is missing, before
    the library connects to it; fails with one clear line if the server cannot
    be reached."""
    if config.kind != "postgres":
        return
    import psycopg
    from psycopg import sql

    env = config.env
    try:
        with psycopg.connect(
            dbname=env["POSTGRES_DBNAME"],
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            connect_timeout=int(env["POSTGRES_CONNECT_TIMEOUT"]),
            autocommit=True,
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_namespace WHERE nspname = %s", (env["POSTGRES_SCHEMA"],)
            ).fetchone()
            if not exists:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                        sql.Identifier(env["POSTGRES_SCHEMA"])
                    )
                )
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StoreUnavailable(
            f"cannot open the PostgreSQL store {config.display}: {reason}"
        ) from None


def version(store: Store) -> int:
    """The schema version the store is at (0: a new store, or one from before versions)."""
    with store.transaction() as cursor:
        if not store.dialect.table_exists(cursor, VERSION_TABLE):
            return 0
        rows = store.dialect.rows(
            cursor, f"SELECT version FROM {store.dialect.table(VERSION_TABLE)}"
        )
    return int(rows[0]["version"]) if rows else 0


def ensure(store: Store) -> None:
    """Brings the store's schema to this version, unless it is there already."""
    found = version(store)
    if found == VERSION:
        return
    if found > VERSION:
        raise StoreUnavailable(
            f"the store {store.config.display} was written by a newer version of Registre "
            f"(schema {found}, this one knows {VERSION}): upgrade Registre"
        )
    upgrade(store)


def upgrade(store: Store) -> None:
    """Creates or upgrades every table, trigger and function (idempotent)."""
    if store.dialect.kind == "postgres":
        if _owned_by_another_role(store):
            if version(store) == VERSION:
                return  # nothing to do, and nothing this role may do
            raise StoreUnavailable(
                f"the store {store.config.display} is at schema version {version(store)} and "
                f"this Registre needs {VERSION}: run `registre init` as the tables' owner"
            )
        with store.recorder.datastore.get_connection() as lock:
            # Held on a connection of its own while the library creates its
            # objects on another: one process creates, the others wait, then
            # find it done.
            lock.execute("SELECT pg_advisory_lock(hashtextextended(%s, 0))", (_lock_name(store),))
            try:
                if version(store) != VERSION:
                    _create(store)
            finally:
                lock.execute(
                    "SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (_lock_name(store),)
                )
    else:
        _create(store)


def _lock_name(store: Store) -> str:
    return f"registre create {store.dialect.schema}"


def _create(store: Store) -> None:
    d = store.dialect
    # The library's events table (and, on PostgreSQL, its types and functions),
    # with the ledger, its triggers and the lock function the recorders add.
    store.recorder.create_table()
    with store.transaction(commit=True) as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {d.table(CHECKPOINTS_TABLE)} ("
            f"id {d.serial_key}, tree_size BIGINT NOT NULL, root_hash {d.blob} NOT NULL, "
            "created_at TEXT NOT NULL, label TEXT NOT NULL, deployment TEXT NOT NULL, "
            f"key_id TEXT NOT NULL, public_key {d.blob} NOT NULL, signature {d.blob} NOT NULL)"
        )
        for statement in d.append_only(CHECKPOINTS_TABLE):
            cursor.execute(statement)
        cursor.execute(personal_data.create_statement(d))
        personal_data.migrate_plain(cursor, d, store.keys)
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {d.table(POINTERS)} ({POINTERS_COLUMNS})")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {d.table(VERSION_TABLE)} "
            "(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
        )
        cursor.execute(d.upsert(VERSION_TABLE, ("id", "version"), ("id",)), (1, VERSION))
    if d.kind == "sqlite":
        # Nothing of a dropped plain table stays in the write-ahead log.
        with store.transaction() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _owned_by_another_role(store: Store) -> bool:
    with store.transaction() as cursor:
        rows = store.dialect.rows(
            cursor,
            "SELECT pg_has_role(c.relowner, 'USAGE') AS mine FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = ? AND c.relname = ?",
            (store.dialect.schema, store.events_table),
        )
    return bool(rows) and not rows[0]["mine"]


# -- the application role (PostgreSQL) -------------------------------------------------------


def grant_application_role(store: Store, role: str) -> list[str]:
    """Creates (if need be) the PostgreSQL role the application runs as, and
    gives it what it needs and no more; run as the tables' owner. Returns the
    names of the tables it may only read and add to.

    - the append-only tables (events, ledger, checkpoints): SELECT and INSERT,
      their sequences, and the function that takes the events table lock;
      never UPDATE, DELETE or TRUNCATE, and not ownership (an owner could
      disable the triggers); the schema version: SELECT only;
    - the schema: USAGE, and CREATE for the read models it builds and drops;
    - every other table, view and sequence of the schema (projections,
      personal data): ownership, since replays drop and recreate them and
      erasure deletes rows.
    """
    from psycopg.sql import SQL, Identifier

    schema = store.dialect.schema
    assert schema is not None
    append_only = [store.events_table, LEDGER_TABLE, CHECKPOINTS_TABLE]
    r, s = Identifier(role), Identifier(schema)
    with store.transaction(commit=True) as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if cursor.fetchone() is None:
            cursor.execute(SQL("CREATE ROLE {} LOGIN").format(r))
        cursor.execute(SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(s, r))
        cursor.execute(
            SQL("GRANT EXECUTE ON FUNCTION {}.{}() TO {}").format(s, Identifier(LOCK_FUNCTION), r)
        )
        cursor.execute(SQL("GRANT SELECT ON {}.{} TO {}").format(s, Identifier(VERSION_TABLE), r))
        cursor.execute(
            "SELECT c.relname, c.relkind, pg_get_serial_sequence(quote_ident(n.nspname) || '.' "
            "|| quote_ident(c.relname), a.attname) AS seq FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 "
            "AND pg_get_serial_sequence(quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
            "a.attname) IS NOT NULL "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'v', 'S')",
            (schema,),
        )
        rows: list[Any] = cursor.fetchall()
        kept = {row["seq"] for row in rows if row["relname"] in append_only and row["seq"]}
        protected = []
        for row in rows:
            name = SQL("{}.{}").format(s, Identifier(row["relname"]))
            if row["relname"] in append_only:
                protected.append(row["relname"])
                cursor.execute(SQL("GRANT SELECT, INSERT ON {} TO {}").format(name, r))
                if row["seq"]:
                    cursor.execute(
                        SQL("GRANT USAGE ON SEQUENCE {} TO {}").format(SQL(row["seq"]), r)
                    )
            elif (
                row["relname"] != VERSION_TABLE
                and f"{schema}.{row['relname']}" not in kept
                and row["relkind"] != "S"
            ):
                kind = SQL("VIEW" if row["relkind"] == "v" else "TABLE")
                cursor.execute(SQL("ALTER {} {} OWNER TO {}").format(kind, name, r))
        # Tables the owner creates later (a projection it rebuilds) open the same way.
        cursor.execute(
            SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT, INSERT ON TABLES TO {}"
            ).format(s, r)
        )
        cursor.execute(
            SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE ON SEQUENCES TO {}").format(s, r)
        )
    return sorted(protected)
