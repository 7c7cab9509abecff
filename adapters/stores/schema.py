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

import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from registre.adapters.ledger import heads
from registre.adapters.ledger.leaves import LEDGER_TABLE
from registre.adapters.stores import personal_data
from registre.adapters.stores.config import StoreConfig, StoreUnavailable
from registre.adapters.stores.keys import legacy_deployment_id
from registre.adapters.stores.recorders import CHECKPOINTS_TABLE, LOCK_FUNCTION

if TYPE_CHECKING:
    from registre.adapters.stores.store import Store

VERSION_TABLE = "registre_schema"
# 1: the version table itself; checkpoints, personal data and projection
#    pointers created with the schema rather than on first use.
# 2: personal data sealed with per-person keys (``personal_data``); the plain
#    table of earlier stores sealed and dropped.
# 3: the deployment's identity and the keys that may sign for it (``registre_
#    deployment``, ``registre_keys``), checkpoints as signed notes.
# 4: a tree head per commit, with the log's compact range (``ledger.heads``),
#    and the founders' cosignatures of checkpoints (``ledger.witness``).
VERSION = 4
DEPLOYMENT_TABLE = "registre_deployment"
KEYS_TABLE = "registre_keys"
COSIGNATURES_TABLE = "registre_cosignatures"
# Tables the application only reads and adds to.
APPEND_ONLY = (CHECKPOINTS_TABLE, KEYS_TABLE, heads.TREE_HEADS_TABLE, COSIGNATURES_TABLE)


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
            lock.execute(
                "SELECT pg_catalog.pg_advisory_lock(pg_catalog.hashtextextended(%s, 0))",
                (_lock_name(store),),
            )
            try:
                if version(store) != VERSION:
                    _create(store)
            finally:
                lock.execute(
                    "SELECT pg_catalog.pg_advisory_unlock(pg_catalog.hashtextextended(%s, 0))",
                    (_lock_name(store),),
                )
    else:
        _create(store)


def _lock_name(store: Store) -> str:
    return f"registre create {store.dialect.schema}"


def _create(store: Store) -> None:
    # Only here: a store already at the current schema never reaches this.
    from registre.projections.runner import POINTERS, POINTERS_COLUMNS

    d = store.dialect
    found = version(store)
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
        _create_trust_tables(cursor, d)
        for table in (*APPEND_ONLY, DEPLOYMENT_TABLE):
            for statement in d.append_only(table):
                cursor.execute(statement)
        store.bind_deployment(_record_deployment(cursor, store))
        cursor.execute(personal_data.create_statement(d))
        if found < 2:
            # Only a store from before sealed personal data has the plain table;
            # later, a table of that name is none of Registre's, and not read.
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


def _create_trust_tables(cursor: Any, d: Any) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {d.table(DEPLOYMENT_TABLE)} "
        "(id INTEGER PRIMARY KEY CHECK (id = 1), name TEXT NOT NULL, origin TEXT NOT NULL, "
        "created_at TEXT NOT NULL)"
    )
    # Every key that may sign for the deployment: the first (the anchor), then
    # each one endorsed by a key before it (a rotation).
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {d.table(KEYS_TABLE)} ("
        f"id {d.serial_key}, role TEXT NOT NULL, name TEXT NOT NULL, key_id TEXT NOT NULL, "
        f"public_key {d.blob} NOT NULL, added_at TEXT NOT NULL, endorsed_by TEXT NOT NULL, "
        f"endorsement {d.blob} NOT NULL)"
    )
    # (The tree heads are created with the ledger, by the recorder.)
    # A founder's witness cosignature of a signed tree head (C2SP tlog-cosignature).
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {d.table(COSIGNATURES_TABLE)} ("
        f"id {d.serial_key}, programme TEXT NOT NULL, founder TEXT NOT NULL, "
        "key_id TEXT NOT NULL, tree_size BIGINT NOT NULL, checkpoint TEXT NOT NULL, "
        "cosignature TEXT NOT NULL, created_at TEXT NOT NULL)"
    )
    if "note" not in d.columns(cursor, CHECKPOINTS_TABLE):
        cursor.execute(f"ALTER TABLE {d.table(CHECKPOINTS_TABLE)} ADD COLUMN note TEXT")


def _record_deployment(cursor: Any, store: Store) -> str:
    """The deployment's name, recorded once: a new store draws one; a store of an
    earlier version keeps the one its key files (and checkpoints) are named after,
    and pins the key of its first checkpoint."""
    d = store.dialect
    found = d.rows(cursor, f"SELECT name FROM {d.table(DEPLOYMENT_TABLE)}")
    if found:
        return str(found[0]["name"])
    first = d.rows(
        cursor,
        f"SELECT deployment, key_id, public_key, created_at FROM {d.table(CHECKPOINTS_TABLE)} "
        "ORDER BY id LIMIT 1",
    )
    events = d.rows(cursor, f"SELECT 1 AS one FROM {d.table(store.events_table)} LIMIT 1")
    if first:
        name = str(first[0]["deployment"])
    elif events:
        name = legacy_deployment_id(store.config)
    else:
        name = "registre-" + secrets.token_hex(8)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    cursor.execute(
        d.sql(
            f"INSERT INTO {d.table(DEPLOYMENT_TABLE)} (id, name, origin, created_at) "
            "VALUES (1, ?, ?, ?)"
        ),
        (name, f"registre/{name}", now),
    )
    if first:
        cursor.execute(
            d.sql(
                f"INSERT INTO {d.table(KEYS_TABLE)} (role, name, key_id, public_key, added_at, "
                "endorsed_by, endorsement) VALUES ('operator', ?, ?, ?, ?, '', ?)"
            ),
            (
                f"registre/{name}",
                str(first[0]["key_id"]),
                bytes(first[0]["public_key"]),
                str(first[0]["created_at"]),
                b"",
            ),
        )
    return name


def deployment(store: Store) -> tuple[str, str]:
    """The deployment's name and origin, as the store records them."""
    d = store.dialect
    with store.transaction() as cursor:
        rows = d.rows(cursor, f"SELECT name, origin FROM {d.table(DEPLOYMENT_TABLE)}")
    if not rows:
        raise StoreUnavailable(
            f"the store {store.config.display} records no deployment: run `registre init`"
        )
    return str(rows[0]["name"]), str(rows[0]["origin"])


# -- the owner and the application role (PostgreSQL) -----------------------------------------


# The owners of the schema's relations, functions and types are gathered once
# (a hashed set), not looked for in the catalog again for each role: a command
# of the owner's pays this at every start.
_OTHER_ROLES = (
    "SELECT r.rolname FROM pg_roles r, pg_namespace n, pg_class e "
    "WHERE n.nspname = ? AND e.relnamespace = n.oid AND e.relname = ? "
    "AND r.oid <> e.relowner AND NOT r.rolsuper "
    "AND NOT pg_has_role(r.oid, e.relowner, 'USAGE') "
    # PostgreSQL 15's public schema belongs to pg_database_owner, that is to
    # the database's owner: no other role when that owner may act as the
    # tables' owner already.
    "AND NOT (r.rolname = 'pg_database_owner' AND pg_has_role("
    "(SELECT d.datdba FROM pg_database d WHERE d.datname = current_database()), "
    "e.relowner, 'USAGE')) AND ("
    "has_schema_privilege(r.oid, n.oid, 'CREATE') "
    "OR r.oid IN (SELECT o.relowner FROM pg_class o WHERE o.relnamespace = ?::regnamespace "
    "UNION SELECT o.proowner FROM pg_proc o WHERE o.pronamespace = ?::regnamespace "
    "UNION SELECT o.typowner FROM pg_type o WHERE o.typnamespace = ?::regnamespace)) "
    "ORDER BY r.rolname"
)


def other_roles(store: Store, cursor: Any) -> list[str]:
    """The roles, other than the tables' owner (and its members and superusers),
    that own objects in the store's schema or may create them there: the
    application role of ``init --create-role``, or any role granted as much.

    Such a role can plant a trigger, a view or a function where the owner's
    session would run it with the owner's rights; a session of the owner
    therefore runs nothing on this store but ``registre init`` (``open_store``)."""
    schema = store.dialect.schema
    rows = store.dialect.rows(
        cursor, _OTHER_ROLES, (schema, store.events_table, schema, schema, schema)
    )
    return [str(r["rolname"]) for r in rows]


_OWNER_SESSION = (
    "SELECT pg_has_role(e.relowner, 'USAGE') AS mine FROM pg_class e "
    "JOIN pg_namespace n ON n.oid = e.relnamespace WHERE n.nspname = ? AND e.relname = ?"
)


def owner_session(store: Store, cursor: Any) -> bool:
    """Whether this session is the tables' owner (or a superuser, or a member of it)."""
    rows = store.dialect.rows(cursor, _OWNER_SESSION, (store.dialect.schema, store.events_table))
    return bool(rows) and bool(rows[0]["mine"])


def guard_owner(store: Store, maintenance: bool) -> None:
    """On PostgreSQL, refuses a session of the tables' owner on a store that
    another role may write objects into, unless it is ``init`` (``maintenance``);
    such an ``init`` reads none of that role's objects and runs with a search
    path that none of them is on (``Store.transaction``). One transaction looks."""
    if store.dialect.kind != "postgres":
        return
    store.pinned_search_path = True  # while it looks
    with store.transaction() as cursor:
        roles = other_roles(store, cursor) if owner_session(store, cursor) else []
    if not roles:
        store.pinned_search_path = False
        return
    if maintenance:
        return
    user = store.config.env["POSTGRES_USER"]
    raise StoreUnavailable(
        f"{user} owns the tables of {store.config.display}, which its application role "
        f"({', '.join(roles)}) runs: run this command as that role "
        f"(postgresql://{roles[0]}@…); the owner runs only `registre init`, so that "
        "nothing another role can create ever runs with the owner's rights"
    )


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
      erasure deletes rows. Since the role may then put triggers on them, the
      owner runs nothing on the store but ``init`` from now on (``guard_owner``).
    """
    from psycopg.sql import SQL, Identifier

    schema = store.dialect.schema
    assert schema is not None
    append_only = [store.events_table, LEDGER_TABLE, *APPEND_ONLY]
    r, s = Identifier(role), Identifier(schema)
    with store.transaction(commit=True) as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
        if cursor.fetchone() is None:
            cursor.execute(SQL("CREATE ROLE {} LOGIN").format(r))
        cursor.execute(SQL("GRANT USAGE, CREATE ON SCHEMA {} TO {}").format(s, r))
        cursor.execute(
            SQL("GRANT EXECUTE ON FUNCTION {}.{}() TO {}").format(s, Identifier(LOCK_FUNCTION), r)
        )
        for read_only in (VERSION_TABLE, DEPLOYMENT_TABLE):
            cursor.execute(SQL("GRANT SELECT ON {}.{} TO {}").format(s, Identifier(read_only), r))
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
                row["relname"] not in (VERSION_TABLE, DEPLOYMENT_TABLE)
                and f"{schema}.{row['relname']}" not in kept
                and row["relkind"] != "S"
            ):
                kind = SQL("VIEW" if row["relkind"] == "v" else "TABLE")
                cursor.execute(SQL("ALTER {} {} OWNER TO {}").format(kind, name, r))
        # Tables the owner creates later (an upgrade's) open to it as the record does.
        cursor.execute(
            SQL(
                "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT, INSERT ON TABLES TO {}"
            ).format(s, r)
        )
        cursor.execute(
            SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE ON SEQUENCES TO {}").format(s, r)
        )
    return sorted(protected)
