"""An open store: the event store of the ``eventsourcing`` library, and the SQL
tables beside it, on SQLite or PostgreSQL.

``open_store`` makes sure the store's schema is current (``schema``) and
opens the library's application on it: its mapper turns stored events into
domain events, its repository loads aggregates (with its cache), and its
recorder (``recorders``) writes a command's events, ledger leaves and
personal data in one transaction. Everything else reads and writes its own
tables through ``transaction`` and the store's ``dialect``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder, Notification, StoredEvent, Transcoding

from registre.adapters.stores import schema
from registre.adapters.stores.config import StoreConfig, StoreUnavailable
from registre.adapters.stores.dialect import Dialect
from registre.adapters.stores.keys import PersonalKeys
from registre.domain import Audit


class AuditAsDict(Transcoding):
    type = Audit
    name = "audit"

    def encode(self, obj: Audit) -> dict[str, Any]:
        return obj.as_dict()

    def decode(self, data: dict[str, Any]) -> Audit:
        return Audit.from_dict(data)


class RegistreApp(Application[UUID]):
    """The event-sourced application: its event store is the record."""

    name = "Registre"
    # The library's cache of aggregates: a long-lived service (a batch, a
    # benchmark) reads the same programme, rounds and proposals again and again;
    # a cached one is brought up to date with the events stored since (the
    # library's fast-forward), so writers in other processes are seen.
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "2000"}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(AuditAsDict())


class Store:
    """One open store. Close it when done (or use it as a context manager)."""

    def __init__(self, config: StoreConfig, app: RegistreApp) -> None:
        self.config = config
        self.app = app
        self.dialect: Dialect = config.dialect
        recorder: Any = app.recorder
        self.recorder = recorder
        self.events_table: str = recorder.events_table_name
        # The deployment's name, recorded in the store (``schema``), and the
        # per-person keys of the personal data, in the key directory (``keys``).
        self.deployment = ""
        self.origin = ""
        self.keys = PersonalKeys(Path("/nonexistent"))
        # The owner's ``init`` on a store another role writes objects into
        # (``schema.guard_owner``): its statements find functions and types in
        # the system catalog only, never in the store's schema.
        self.pinned_search_path = False
        # The deployment's signing key and its id, loaded on the first commit
        # (``ledger.heads.signing``), and why there is none when there is none.
        self.head_key: tuple[Any, str, str] | None = None

    def bind_deployment(self, name: str) -> None:
        self.deployment = name
        self.origin = f"registre/{name}"
        self.keys = PersonalKeys.for_deployment(name)

    def close(self) -> None:
        self.app.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, commit: bool = False, write: bool = False) -> Iterator[Any]:
        """A cursor in one transaction of the store (rows are read by column name).

        With ``write``, the transaction takes the store's write lock before its
        first statement, waiting for other writers (see ``Dialect.begin_writing``),
        and commits at the end."""
        begin = self.dialect.begin_writing if write else None
        if begin is None:
            with self.recorder.datastore.transaction(commit=commit or write) as cursor:
                if self.pinned_search_path:
                    cursor.execute("SET LOCAL search_path = pg_catalog, pg_temp")
                yield cursor
            return
        with (
            self.recorder.datastore.get_connection(commit=True) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(begin)
            try:
                yield cursor
            except BaseException:
                connection.rollback()
                raise
            connection.commit()

    # -- the log, as the projections read it ---------------------------------------

    def head(self) -> int:
        """The position of the last recorded event (0: none)."""
        return self.app.recorder.max_notification_id() or 0

    def notifications(
        self, start: int, limit: int, stop: int | None = None
    ) -> Sequence[Notification]:
        """Up to ``limit`` events after position ``start`` (and up to ``stop``)."""
        return self.app.recorder.select_notifications(
            start=start, limit=limit, stop=stop, inclusive_of_start=False
        )

    @contextmanager
    def statement(self) -> Iterator[Any]:
        """A cursor for reads of one statement each, in no transaction of their
        own: on PostgreSQL (autocommit) each is one exchange with the server,
        where a transaction's ``BEGIN`` and rollback would add two; on SQLite,
        a read transaction as ``transaction`` gives."""
        if self.dialect.kind != "postgres" or self.pinned_search_path:
            with self.transaction() as cursor:
                yield cursor
            return
        with (
            self.recorder.datastore.get_connection() as connection,
            connection.cursor() as cursor,
        ):
            yield cursor

    def tail(self, start: int, limit: int) -> list[Notification]:
        """As ``notifications``, in one statement (see ``statement``)."""
        d = self.dialect
        with self.statement() as cursor:
            cursor.execute(
                d.sql(
                    f"SELECT {d.position} AS position, originator_id, originator_version, "
                    f"topic, state FROM {d.table(self.events_table)} WHERE {d.position} > ? "
                    f"ORDER BY {d.position} LIMIT ?"
                ),
                (start, limit),
            )
            rows = cursor.fetchall()
        return [
            Notification(
                id=int(row["position"]),
                originator_id=UUID(str(row["originator_id"])),
                originator_version=row["originator_version"],
                topic=row["topic"],
                state=bytes(row["state"]),
            )
            for row in rows
        ]

    def to_domain_event(self, notification: Notification) -> Any:
        return self.app.mapper.to_domain_event(notification)

    def held_reader(self, held: bool = True) -> HeldReader:
        """Reads aggregates in one read transaction kept open (see ``HeldReader``)."""
        return HeldReader(self, held)

    @contextmanager
    def scratch(self) -> Iterator[tuple[Any, Dialect]]:
        """An empty in-memory SQLite database, for a view built and thrown away."""
        connection = sqlite3.connect(":memory:")
        connection.row_factory = sqlite3.Row
        try:
            yield connection.cursor(), Dialect("sqlite")
            connection.commit()
        finally:
            connection.close()


class HeldReader:
    """Aggregates read from the store in ONE read transaction, opened at the
    first read and kept until ``close``: a batch reads the aggregates of a
    chunk's commands so, one statement each, where the library's repository
    opens a transaction for every read (on PostgreSQL, three round trips
    instead of one). The events are read and turned into an aggregate as the
    library does it (its mapper, then each event's ``mutate``).

    Close it before this process writes: the transaction's snapshot does not
    see what is written after it began (on SQLite it may also hold back the
    writer of an in-memory database).

    Not ``held``: each read is a statement of its own (``Store.statement``),
    for the clerk's path, which reads few aggregates per command."""

    def __init__(self, store: Store, held: bool = True) -> None:
        self.store = store
        self.held = held
        dialect = store.dialect
        self._select = dialect.sql(
            "SELECT originator_version, topic, state "
            f"FROM {dialect.table(store.events_table)} "
            "WHERE originator_id = ? ORDER BY originator_version"
        )
        self._open: ExitStack | None = None
        self._cursor: Any = None

    def get(self, aggregate_id: UUID) -> Any | None:
        """The aggregate as stored, or None if it has no events."""
        if not self.held:
            with self.store.statement() as cursor:
                return self._read(cursor, aggregate_id)
        if self._cursor is None:
            stack = ExitStack()
            self._cursor = stack.enter_context(self.store.transaction())
            self._open = stack
        return self._read(self._cursor, aggregate_id)

    def _read(self, cursor: Any, aggregate_id: UUID) -> Any | None:
        cursor.execute(self._select, (self.store.dialect.originator(aggregate_id),))
        aggregate = None
        mapper = self.store.app.mapper
        for row in cursor.fetchall():
            event: Any = mapper.to_domain_event(
                StoredEvent(
                    originator_id=aggregate_id,
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
            )
            aggregate = event.mutate(aggregate)
        return aggregate

    def close(self) -> None:
        """Ends the read transaction (a later ``get`` opens another)."""
        if self._open is not None:
            stack, self._open, self._cursor = self._open, None, None
            stack.close()


def open_store(config: StoreConfig, maintenance: bool = False) -> Store:
    """Opens the store named by ``config``, creating or upgrading its schema first
    if it is not current (a new store, or one written by an earlier version).

    On PostgreSQL, a session of the tables' owner is refused on a store that
    another role (the application's) may write objects into, unless it is
    ``maintenance`` (``registre init``): see ``schema.guard_owner``."""
    schema.prepare(config)
    store: Store | None = None
    try:
        store = Store(config, RegistreApp(env=config.env))
        schema.guard_owner(store, maintenance)
        schema.ensure(store)
        name, origin = schema.deployment(store)
        store.bind_deployment(name)
        store.origin = origin
    except BaseException as error:
        if store is not None:
            store.close()
        if isinstance(error, StoreUnavailable) or not isinstance(error, Exception):
            raise
        # A locked, unreadable or foreign file; a server that refuses.
        first = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise StoreUnavailable(
            f"cannot open the store {config.display}: {first or type(error).__name__}"
        ) from error
    return store
