"""Where the record is kept: a SQLite file by default, PostgreSQL in production.

The store is named by a URL: ``--database`` or ``REGISTRE_DATABASE_URL``.
- ``registre.db``, ``sqlite:///relative.db``, ``sqlite:////absolute.db``: an
  embedded SQLite file,
  created on first use (the default is ``registre.db`` in the current folder);
- ``postgresql://user:password@host:port/dbname?schema=name``: PostgreSQL,
  through the ``eventsourcing`` postgres module and psycopg 3, with its
  tables in one schema per deployment (default ``public``).
"""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from registre.adapters.stores.dialect import Dialect, Kind
from registre.domain.errors import InvalidInput

DEFAULT_URL = "registre.db"
ENV_VAR = "REGISTRE_DATABASE_URL"
RECORDERS = "registre.adapters.stores.recorders:"
PG_RECORDERS = "registre.adapters.stores.postgres_recorder:"
SCHEMA_PATTERN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class StoreConfig:
    url: str
    kind: Kind
    env: dict[str, str]

    @property
    def dialect(self) -> Dialect:
        return Dialect(self.kind, self.env["POSTGRES_SCHEMA"] if self.kind == "postgres" else None)

    @property
    def location(self) -> str:
        """Where the store is, stable across users and passwords: its file, or its
        server, database and schema."""
        if self.kind == "sqlite":
            return "sqlite:" + str(Path(self.env["SQLITE_DBNAME"]).expanduser().resolve())
        env = self.env
        return (
            f"postgresql://{env['POSTGRES_HOST']}:{env['POSTGRES_PORT']}/"
            f"{env['POSTGRES_DBNAME']}?schema={env['POSTGRES_SCHEMA']}"
        )

    @property
    def display(self) -> str:
        """The URL without its password, for messages and status."""
        if self.kind == "sqlite":
            return self.env["SQLITE_DBNAME"]
        parts = urlsplit(self.url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
        user = f"{parts.username}@" if parts.username else ""
        return f"postgresql://{user}{netloc}{parts.path} (schema {self.env['POSTGRES_SCHEMA']})"


def resolve_url(url: str | None) -> str:
    return url or os.environ.get(ENV_VAR) or DEFAULT_URL


def parse_url(url: str) -> StoreConfig:
    if url.startswith(("postgresql://", "postgres://")):
        return _postgres(url)
    if url.startswith("sqlite://"):
        # As elsewhere: sqlite:///relative.db, sqlite:////absolute.db
        path = url.removeprefix("sqlite://").removeprefix("/")
    elif "://" in url:
        raise InvalidInput(
            f"unsupported database URL {url!r}: use a SQLite file path, sqlite:///PATH "
            "or postgresql://USER@HOST:PORT/DBNAME"
        )
    else:
        path = url
    if not path:
        raise InvalidInput("the SQLite database URL names no file")
    if path == ":memory:":
        # A database of its own, shared by the connections of one store (the
        # library keeps them in a pool), gone when the store is closed.
        path = f"file:registre-{uuid.uuid4().hex}?mode=memory&cache=shared"
    else:
        parent = Path(path).expanduser().resolve().parent
        if not parent.is_dir():
            raise InvalidInput(
                f"cannot create the SQLite database {path}: folder {parent} does not exist"
            )
        path = str(Path(path).expanduser())
    return StoreConfig(
        url=url,
        kind="sqlite",
        env={
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": path,
            "APPLICATION_RECORDER_TOPIC": RECORDERS + "LedgeredSQLiteRecorder",
            # The schema is created and upgraded by ``schema``, not at every start.
            "CREATE_TABLE": "n",
            # How long a writer waits for another's transaction (seconds), as
            # PostgreSQL's lock_timeout below.
            "SQLITE_LOCK_TIMEOUT": "10",
        },
    )


def _postgres(url: str) -> StoreConfig:
    parts = urlsplit(url)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise InvalidInput(f"the PostgreSQL URL {url!r} names no database (…/DBNAME)")
    query = parse_qs(parts.query)
    schema = query.get("schema", ["public"])[0]
    if not SCHEMA_PATTERN.match(schema):
        raise InvalidInput(
            f"schema {schema!r} is not valid: use lower-case letters, digits and '_'"
        )
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "APPLICATION_RECORDER_TOPIC": PG_RECORDERS + "LedgeredPostgresRecorder",
        "CREATE_TABLE": "n",
        # The library's insert function would bypass the ledger's leaves: never
        # let an inherited environment variable turn it on.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(parts.port or 5432),
        "POSTGRES_USER": unquote(parts.username or os.environ.get("PGUSER", "postgres")),
        "POSTGRES_PASSWORD": unquote(parts.password or os.environ.get("PGPASSWORD", "")),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_CONNECT_TIMEOUT": query.get("connect_timeout", ["5"])[0],
        # A writer waits at most this long for the table lock that orders the log.
        "POSTGRES_LOCK_TIMEOUT": query.get("lock_timeout", ["10"])[0],
        "POSTGRES_POOL_SIZE": query.get("pool_size", ["2"])[0],
        # A reading transaction that waits longer than this between two
        # statements is cut by the server. The library's 5 s cut long imports
        # on a busy machine at their funding (the tally read a page at a time,
        # each page counted in Python); a minute still frees a lock left by a
        # dead client.
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": query.get(
            "idle_in_transaction_session_timeout", ["60"]
        )[0],
    }
    return StoreConfig(url=url, kind="postgres", env=env)


class StoreUnavailable(InvalidInput):
    """The configured store cannot be reached or opened."""
