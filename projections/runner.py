"""Keeping projections current: catch-up, follow, and replay with an atomic swap.

The library's ``ProjectionRunner`` follows only recorders that can be
subscribed to, which SQLite's cannot, so projections here pull the
notification log themselves, on both stores, in the same way:

- Each projection writes its rows and its tracking position in ONE
  transaction per page of events, so every event is applied exactly once,
  after a crash too.
- Each projection's tables exist in *generations*. Readers use views named
  after the projection's tables, which point at the live generation. A replay
  builds the next generation from position zero in fresh tables (with its own
  tracking row, so a killed replay resumes where it stopped), then swaps the
  views and the live pointer in one transaction: readers never see a
  half-built view.
- Queries call ``catch_up`` first, so they answer from the whole log;
  ``registre follow`` calls it in a loop to stay current.
"""

from __future__ import annotations

import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, ClassVar, Protocol, TypeVar

from eventsourcing.persistence import Notification
from eventsourcing.utils import resolve_topic

from registre.domain import CommandReceipt, Programme

# Events applied per transaction. REGISTRE_PROJECTION_PAGE_SIZE overrides it:
# small pages make a replay commit often (the crash tests use that to stop one
# mid-way), large pages make it commit less.
PAGE_SIZE = int(os.environ.get("REGISTRE_PROJECTION_PAGE_SIZE", "2000"))
POINTERS = "registre_projection"
# Each projection's generations, the live one and those being built (the store's
# schema creates this table).
POINTERS_COLUMNS = (
    "name TEXT NOT NULL, generation INTEGER NOT NULL, version INTEGER NOT NULL, "
    "position BIGINT NOT NULL, live INTEGER NOT NULL, PRIMARY KEY (name, generation)"
)

# Events name their aggregate by id only; a projection that needs to know which
# programme, kind and key an event is about keeps this table, filled from each
# aggregate's creation event.
SUBJECTS = (
    "originator_id TEXT PRIMARY KEY, programme TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL"
)
# Facts a projection keeps in memory during one run over the log (Db.known).
KNOWN_CACHED = 50_000
# The position the run's last page left a projection at (in Db.known).
REACHED = "position reached"
T = TypeVar("T")


class Dialect(Protocol):
    """How statements are written for the store (the adapters provide it)."""

    def table(self, name: str) -> str: ...

    def sql(self, statement: str) -> str: ...

    def rows(
        self, cursor: Any, statement: str, params: Sequence[Any] = ()
    ) -> list[dict[str, Any]]: ...

    def values(
        self, cursor: Any, statement: str, params: Sequence[Any] = ()
    ) -> list[Sequence[Any]]: ...

    def pipeline(self, cursor: Any) -> AbstractContextManager[None]: ...

    def insert_rows(
        self, cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Inserts many rows into a table at once, the fastest way the store has."""


class LogStore(Protocol):
    """What the projections need of a store: its log, read in order, and tables
    of their own beside it, written in its transactions."""

    @property
    def dialect(self) -> Dialect: ...

    def transaction(
        self, commit: bool = False, write: bool = False
    ) -> AbstractContextManager[Any]: ...

    def head(self) -> int: ...

    def notifications(
        self, start: int, limit: int, stop: int | None = None
    ) -> Sequence[Notification]: ...

    def to_domain_event(self, notification: Notification) -> Any: ...

    def scratch(self) -> AbstractContextManager[tuple[Any, Dialect]]:
        """An empty database of the store's making, thrown away after use."""


@dataclass(frozen=True)
class Subject:
    """What an aggregate is: its programme, its kind (``proposal``...) and key."""

    programme: str
    kind: str
    key: str


def identify(created: Any) -> Subject:
    """The subject of the aggregate an event creates."""
    cls = resolve_topic(created.originator_topic)
    if cls is Programme:
        return Subject(created.slug, Programme.KIND, created.slug)
    if cls is CommandReceipt:
        return Subject(created.programme, CommandReceipt.KIND, created.command_id)
    return Subject(created.programme, cls.KIND, created.key)


class Db:
    """A cursor in one transaction, speaking the store's SQL dialect.

    SQL is written with ``?`` placeholders and ``{table}`` names; the names
    are resolved to the physical tables of one generation. ``known`` keeps
    what a projection looked up during one run over the log and that never
    changes (the subject of an aggregate, the round of a ballot), so most
    events cost no lookup, and what it keeps current itself as it writes its
    rows (the plan's facts of a proposal): the run forgets it all when a page
    is undone or another run has applied events to the same tables.
    """

    def __init__(
        self,
        cursor: Any,
        dialect: Dialect,
        tables: dict[str, str],
        known: dict[str, Any] | None = None,
        batch_inserts: bool = False,
        subjects: dict[str, Subject] | None = None,
        shared: dict[str, str] | None = None,
    ) -> None:
        self.cursor = cursor
        self.dialect = dialect
        self.tables = tables
        # Tables of the projector's that a projection reads beside its own
        # (``{subjects}``), by their physical names.
        self.shared = shared or {}
        self.known = {} if known is None else known
        # The subjects met during the run, shared by every projection of it.
        self.subjects: dict[str, Subject] = {} if subjects is None else subjects
        self._sql: dict[str, str] = {}  # the same few statements run for every event
        # With batch_inserts, INSERT ... VALUES statements are held back and
        # sent, one executemany per statement, when any other statement comes
        # (an INSERT ... SELECT reads the table, so it is one) or on flush():
        # the caller must flush. Rows are inserted in the order given for each
        # statement; projections never depend on the order of rows of different
        # statements.
        self._batching = batch_inserts
        self._pending: dict[str, list[Sequence[Any]]] = {}
        # The page being folded (see ``add``): the rows it adds, by table, those
        # of them a later event of the page may change, by key, and the changes
        # to rows stored before it.
        self._added: dict[str, list[dict[str, Any]]] = {}
        self._held: dict[str, dict[Any, dict[str, Any]]] = {}
        self._groups: dict[str, dict[Any, list[dict[str, Any]]]] = {}
        self._later: dict[str, list[Sequence[Any]]] = {}

    def remember(self, key: str, value: T) -> T:
        """Keeps a fact that never changes for the rest of the run (see ``known``)."""
        if len(self.known) >= KNOWN_CACHED:
            # Bounded, so a replay's memory does not grow with the log; the recent
            # facts come back with one lookup each.
            self.known.clear()
        self.known[key] = value
        return value

    def named(self, statement: str) -> str:
        """The statement with its ``{table}`` names resolved (still with ``?``)."""
        known = self._sql.get(statement)
        if known is None:
            known = self._sql[statement] = statement.format(**self.shared, **self.tables)
        return known

    def sql(self, statement: str) -> str:
        return self.dialect.sql(self.named(statement))

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Any:
        sql = self.sql(statement)
        if self._batching and sql.startswith("INSERT") and " VALUES " in sql:
            self._pending.setdefault(sql, []).append(params)
            return None
        self.flush()
        self.cursor.execute(sql, params)
        return self.cursor

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self.flush()
        if rows:
            self.cursor.executemany(self.sql(statement), rows)

    # -- folding a page in memory ---------------------------------------------------
    #
    # A projection adds rows with ``add`` and changes them in memory while they
    # are held (``held``, ``added``); a change to a row stored before the page is
    # sent with ``later``. ``flush`` writes them once: the changes to stored
    # rows first (so they never touch the page's rows), then each table's new
    # rows in one bulk insert.

    def add(
        self, table: str, row: dict[str, Any], key: Any = None, group: Any = None
    ) -> dict[str, Any]:
        """Adds a row (every column) to write at the next flush; with ``key``,
        ``held`` finds it; with ``group``, ``added`` finds it among others."""
        self._added.setdefault(table, []).append(row)
        if key is not None:
            self._held.setdefault(table, {})[key] = row
        if group is not None:
            self._groups.setdefault(table, {}).setdefault(group, []).append(row)
        return row

    def held(self, table: str, key: Any) -> dict[str, Any] | None:
        """The row added under ``key`` since the last flush (None: not added since)."""
        found = self._held.get(table)
        return None if found is None else found.get(key)

    def added(self, table: str, group: Any) -> list[dict[str, Any]]:
        """The rows added to ``table`` in ``group`` since the last flush, in order."""
        return self._groups.get(table, {}).get(group, [])

    def later(self, statement: str, params: Sequence[Any]) -> None:
        """A change to rows stored before the page, sent at the next flush."""
        self._later.setdefault(self.sql(statement), []).append(params)

    def stored(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """A query on the rows stored before the page (nothing is flushed): for a
        row the caller knows is not held."""
        return self.dialect.rows(self.cursor, self.named(statement), params)

    def flush(self) -> None:
        """Writes what was held back: INSERTs (see ``batch_inserts``), changes to
        stored rows, and the rows added."""
        pending, self._pending = self._pending, {}
        for sql, rows in pending.items():
            self.cursor.executemany(sql, rows)
        later, self._later = self._later, {}
        for sql, rows in later.items():
            self.cursor.executemany(sql, rows)
        added, self._added = self._added, {}
        self._held, self._groups = {}, {}
        for table, new in added.items():
            columns = tuple(new[0])
            values = itemgetter(*columns)
            rows = [values(r) for r in new] if len(columns) > 1 else [(r[columns[0]],) for r in new]
            self.dialect.insert_rows(self.cursor, self.tables[table], columns, rows)

    def rows(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self.flush()
        return self.dialect.rows(self.cursor, self.named(statement), params)

    def values(self, statement: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        """The rows of a query as sequences of values, in the order of its
        columns (``rows`` without a dict per row)."""
        self.flush()
        return self.dialect.values(self.cursor, self.named(statement), params)

    def pipeline(self) -> AbstractContextManager[None]:
        """Statements sent without waiting for each one's answer, where the store can."""
        return self.dialect.pipeline(self.cursor)


class Projection(ABC):
    """A read model: tables, and how each event changes them."""

    name: str
    # Bump when the shape of the tables or the meaning of the rows changes:
    # a store with an older version is rebuilt before it is read.
    version: int = 1
    # logical table name -> column definitions (portable SQL)
    tables: ClassVar[dict[str, str]]
    # logical table name -> columns to index, or a tuple of such (one index each)
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {}
    # Those of the indexes that ``apply`` reads through (logical table name ->
    # columns): made with the tables. A replay makes the others once it is done,
    # in one sort each instead of a B-tree insert per row.
    applying: ClassVar[dict[str, tuple[str, ...]]] = {}
    # Tables of another projection that its readers read as their own: logical
    # name -> (projection, its table). Reading it brings that projection current
    # too; ``apply`` never reads them (each projection is built on its own).
    reads: ClassVar[dict[str, tuple[str, str]]] = {}
    # Tables an earlier version had and this one has not: their views and the
    # old generations' tables are dropped when a new generation goes live.
    retired: ClassVar[tuple[str, ...]] = ()

    def create(
        self, db: Db, tables: dict[str, str], index_prefix: str, deferred: bool = False
    ) -> None:
        """Creates the tables under the physical names given, with their indexes
        (with ``deferred``, only those ``apply`` reads through: ``index`` makes
        the others)."""
        for table, physical in tables.items():
            db.execute(f"CREATE TABLE {physical} ({self.tables[table]})")
        for table, index, physical, columns in self._indexes(tables, index_prefix):
            if not deferred or columns in self.applying.get(table, ()):
                db.execute(f"CREATE INDEX {index} ON {physical} ({columns})")

    def index(self, db: Db, tables: dict[str, str], index_prefix: str) -> None:
        """Makes the indexes ``create`` left for later."""
        for _, index, physical, columns in self._indexes(tables, index_prefix):
            db.execute(f"CREATE INDEX IF NOT EXISTS {index} ON {physical} ({columns})")

    def _indexes(
        self, tables: dict[str, str], index_prefix: str
    ) -> Iterator[tuple[str, str, str, str]]:
        """(table, index name, physical table, columns) of each index."""
        for table, physical in tables.items():
            columns = self.indexes.get(table, ())
            for n, indexed in enumerate((columns,) if isinstance(columns, str) else columns):
                index = f"{index_prefix}{table}" + (f"_{n}" if n else "")
                yield table, index, physical, indexed

    @abstractmethod
    def apply(self, db: Db, position: int, event: Any) -> None:
        """Changes the rows for one event (called in store order)."""

    # Whether ``subject`` is used: the projector then keeps the shared
    # ``subjects`` table current beside this projection and names it ``{subjects}``.
    uses_subjects: ClassVar[bool] = False

    def subject(self, db: Db, event: Any) -> Subject | None:
        """The subject of an event's aggregate, as the shared ``{subjects}`` table
        keeps it from its creation event (the ``subjects`` projection, applied to
        each event before the others); None if that creation was not recorded
        there (a view that skips events)."""
        originator = event.originator_id.hex
        found = db.subjects.get(originator)
        if found is not None:
            return found
        if event.originator_version == 1:
            return identify(event)
        # Every subject added by the page is in memory (the memory is emptied
        # between pages only), so the stored table has the others.
        rows = db.stored(
            "SELECT programme, kind, key FROM {subjects} WHERE originator_id = ?", (originator,)
        )
        if not rows:
            return None
        subject = db.subjects[originator] = Subject(**rows[0])
        return subject


class Subjects(Projection):
    """What each aggregate is (programme, kind, key), from its creation event:
    events name their aggregate by id only. One table that the projections which
    need it share (``uses_subjects``), kept by the projector beside them."""

    name = "subjects"
    tables: ClassVar[dict[str, str]] = {"subjects": SUBJECTS}

    def apply(self, db: Db, position: int, event: Any) -> None:
        if event.originator_version != 1:
            return
        originator = event.originator_id.hex
        subject = db.subjects[originator] = identify(event)
        db.add(
            "subjects",
            {
                "originator_id": originator,
                "programme": subject.programme,
                "kind": subject.kind,
                "key": subject.key,
            },
        )


@dataclass(frozen=True)
class Status:
    name: str
    generation: int
    position: int
    head: int
    rebuilding: int | None  # position reached by an unfinished replay

    @property
    def lag(self) -> int:
        return self.head - self.position


ProgressFn = Callable[[int, int], None]  # (position reached, head)
# Told of an event a projection could not store: (projection, position, what went wrong).
SkipFn = Callable[[str, int, str], None]


def unstorable(error: BaseException) -> bool:
    """Whether an error says an event's values do not fit a projection's tables
    (a number past the store's integers, a text it refuses), as opposed to the
    store being unavailable or a bug: the DB-API's DataError and IntegrityError,
    under whichever driver, and what Python's sqlite3 raises before sending."""
    if isinstance(error, OverflowError | UnicodeError):
        return True
    return any(c.__name__ in ("DataError", "IntegrityError") for c in type(error).__mro__)


# The Dbs of one pass's targets in a transaction (its cursor; whether inserts are batched).
MakeDbs = Callable[[Any, bool], list[tuple[Projection, int, "Db"]]]
KeepFn = Callable[[Any], bool]  # whether a scratch view applies a domain event


class Projector:
    """Runs projections against the store the application writes to."""

    def __init__(
        self,
        store: LogStore,
        projections: Sequence[Projection],
        skipped: SkipFn | None = None,
    ) -> None:
        self.store = store
        self.dialect = store.dialect
        self.prefix = store.dialect.table("")
        self.projections = {p.name: p for p in projections}
        if any(p.uses_subjects for p in projections):
            self.projections.setdefault(Subjects.name, Subjects())
        # Who hears of an event a projection could not store (and went past).
        self.skipped = skipped

    # -- transactions and names ---------------------------------------------------

    @contextmanager
    def _transaction(
        self,
        tables: dict[str, str] | None = None,
        known: dict[str, Any] | None = None,
        write: bool = False,
    ) -> Iterator[Db]:
        # A transaction that writes waits for the store's other writers (clerks
        # recording) instead of failing when one committed since it began.
        with self.store.transaction(commit=True, write=write) as cursor:
            yield Db(cursor, self.dialect, tables or {}, known)

    def _physical(self, projection: Projection, generation: int) -> dict[str, str]:
        return {
            t: f"{self.prefix}rp_{projection.name}_{t}_g{generation}" for t in projection.tables
        }

    def _views(self, projection: Projection) -> dict[str, str]:
        return {t: f"{self.prefix}{projection.name}_{t}" for t in projection.tables}

    def _with_reads(self, names: Sequence[str]) -> list[str]:
        """The names, with the projections whose tables they read (``reads``)."""
        found = list(names)
        for name in names:
            for other, _ in self.projections[name].reads.values():
                if other not in found:
                    found.append(other)
        return found

    def _pointers(self, db: Db, name: str) -> list[dict[str, Any]]:
        return db.rows(
            f"SELECT generation, version, position, live FROM {self.prefix}{POINTERS} "
            "WHERE name = ? ORDER BY generation",
            (name,),
        )

    def head(self) -> int:
        return self.store.head()

    # -- reading --------------------------------------------------------------------

    @contextmanager
    def reading(self, name: str) -> Iterator[Db]:
        """A transaction whose ``{table}`` names are the projection's views, and
        those of the other projections' tables it reads (``reads``)."""
        projection = self.projections[name]
        views = self._views(projection)
        for table, (other, theirs) in projection.reads.items():
            views[table] = self._views(self.projections[other])[theirs]
        with self._transaction(views) as db:
            yield db

    def status(self) -> list[Status]:
        head = self.head()
        result = []
        with self._transaction() as db:
            for name in self.projections:
                rows = self._pointers(db, name)
                live = next((r for r in rows if r["live"]), None)
                building = next((r for r in rows if not r["live"]), None)
                result.append(
                    Status(
                        name,
                        live["generation"] if live else 0,
                        live["position"] if live else 0,
                        head,
                        building["position"] if building else None,
                    )
                )
        return result

    # -- catching up ----------------------------------------------------------------

    def catch_up(
        self, names: Sequence[str] | None = None, progress: ProgressFn | None = None
    ) -> None:
        """Brings the named projections (default: all) up to the head of the log.

        A projection never built, or built by an older version of its code, is
        rebuilt first. All of them advance together, in one pass over the log.
        """
        current: list[tuple[Projection, int]] = []
        stale: list[str] = []
        names = self._with_reads(names or list(self.projections))
        if Subjects.name not in names and any(self.projections[n].uses_subjects for n in names):
            names.append(Subjects.name)
        # One read says whether there is anything to do (a query asks this each time).
        with self._transaction() as db:
            pointers = db.rows(
                f"SELECT name, generation, version, position FROM {self.prefix}{POINTERS} "
                "WHERE live = 1"
            )
        live = {r["name"]: r for r in pointers}
        head = self.head()
        behind = False
        for name in names:
            projection = self.projections[name]
            found = live.get(name)
            if found is None or found["version"] != projection.version:
                stale.append(name)
            else:
                current.append((projection, found["generation"]))
                behind = behind or found["position"] < head
        if not stale and not behind:
            return
        self.replay(*stale, progress=progress, also=current)

    def replay(
        self,
        *names: str,
        progress: ProgressFn | None = None,
        also: Sequence[tuple[Projection, int]] = (),
    ) -> None:
        """Rebuilds projections from zero into fresh tables, then swaps them in.

        An unfinished replay (killed mid-way) of the same version is resumed
        from where its last committed page ended. Several projections are
        rebuilt in one pass over the log (each event read and decoded once),
        with ``also``, live generations to bring up to date on the way.
        """
        building: list[tuple[Projection, int]] = []
        rebuilt, also = self._with_subjects(names, also)
        # In the order pointers are locked in (see ``_advance``); the new
        # generations made in one transaction (one commit, not one each).
        rebuilt.sort(key=lambda n: (n != Subjects.name, n))
        with self._transaction(write=True) as db:
            for name in rebuilt:
                projection = self.projections[name]
                rows = self._pointers(db, name)
                unfinished = next(
                    (r for r in rows if not r["live"] and r["version"] == projection.version),
                    None,
                )
                if unfinished is None:
                    for stale in (r for r in rows if not r["live"]):
                        self._drop(db, projection, stale["generation"])
                    generation = max((r["generation"] for r in rows), default=0) + 1
                    self._create(db, projection, generation)
                else:
                    generation = unfinished["generation"]
                building.append((projection, generation))
        self._advance([*building, *also], progress)
        self._swap(building)

    def _with_subjects(
        self, names: Sequence[str], also: Sequence[tuple[Projection, int]] = ()
    ) -> tuple[list[str], list[tuple[Projection, int]]]:
        """The names and ``also``, with the shared subjects if one of them uses it
        and it is not already among them: rebuilt with them if its live
        generation is missing or stale, else brought up to date in the same pass."""
        names, also = list(names), list(also)
        around = {p.name for p, _ in also} | set(names)
        users = [self.projections[n] for n in names] + [p for p, _ in also]
        if Subjects.name in around or not any(p.uses_subjects for p in users):
            return names, also
        subjects = self.projections[Subjects.name]
        with self._transaction() as db:
            live = next((r for r in self._pointers(db, subjects.name) if r["live"]), None)
        if live is None or live["version"] != subjects.version:
            return [*names, subjects.name], also
        return names, [*also, (subjects, int(live["generation"]))]

    def _create(self, db: Db, projection: Projection, generation: int) -> None:
        tables = self._physical(projection, generation)
        for physical in tables.values():
            db.execute(f"DROP TABLE IF EXISTS {physical}")
        projection.create(db, tables, self._index_prefix(projection, generation), deferred=True)
        db.execute(
            f"INSERT INTO {self.prefix}{POINTERS} (name, generation, version, position, live) "
            "VALUES (?, ?, ?, 0, 0)",
            (projection.name, generation, projection.version),
        )

    def _drop(self, db: Db, projection: Projection, generation: int) -> None:
        for physical in self._physical(projection, generation).values():
            db.execute(f"DROP TABLE IF EXISTS {physical}")
        for table in projection.retired:
            db.execute(
                f"DROP TABLE IF EXISTS {self.prefix}rp_{projection.name}_{table}_g{generation}"
            )
        db.execute(
            f"DELETE FROM {self.prefix}{POINTERS} WHERE name = ? AND generation = ?",
            (projection.name, generation),
        )

    def _index_prefix(self, projection: Projection, generation: int) -> str:
        return f"ix_rp_{projection.name}_g{generation}_"

    def _swap(self, building: Sequence[tuple[Projection, int]]) -> None:
        """Makes the indexes a replay left for later, then points each projection's
        views at its new generation and drops the old ones: the swap of every
        projection rebuilt in one transaction, after the indexes (made in one
        before it, so readers of the views never wait for an index)."""
        if not building:
            return
        with self._transaction(write=True) as db:
            for projection, generation in building:
                tables = self._physical(projection, generation)
                projection.index(db, tables, self._index_prefix(projection, generation))
        with self._transaction(write=True) as db:
            for projection, generation in building:
                old = [
                    r for r in self._pointers(db, projection.name) if r["generation"] != generation
                ]
                views = self._views(projection)
                for view in views.values():
                    db.execute(f"DROP VIEW IF EXISTS {view}")
                for table in projection.retired:
                    db.execute(f"DROP VIEW IF EXISTS {self.prefix}{projection.name}_{table}")
                for table, physical in self._physical(projection, generation).items():
                    db.execute(f"CREATE VIEW {views[table]} AS SELECT * FROM {physical}")
                for r in old:
                    self._drop(db, projection, r["generation"])
                db.execute(
                    f"UPDATE {self.prefix}{POINTERS} SET live = 1 "
                    "WHERE name = ? AND generation = ?",
                    (projection.name, generation),
                )

    def _advance(
        self, targets: Sequence[tuple[Projection, int]], progress: ProgressFn | None
    ) -> None:
        """Applies the log to each (projection, generation) from its own position
        on, a page per transaction, reading and decoding each event once."""
        if not targets:
            return
        # Pointers are locked in one order, so two runners never deadlock; the
        # shared subjects come first, so each event's subject is known to the
        # projections after it.
        targets = sorted(targets, key=lambda t: (t[0].name != Subjects.name, t[0].name))
        tables = {p.name: self._physical(p, g) for p, g in targets}
        shared = next((tables[p.name] for p, _ in targets if p.name == Subjects.name), {})
        reads = {p.name: shared if p.uses_subjects else {} for p, _ in targets}
        known: dict[str, dict[str, Any]] = {p.name: {} for p, _ in targets}
        subjects: dict[str, Subject] = {}
        head = self.head()

        def dbs(cursor: Any, batch: bool) -> list[tuple[Projection, int, Db]]:
            return [
                (
                    p,
                    g,
                    Db(
                        cursor,
                        self.dialect,
                        tables[p.name],
                        known[p.name],
                        batch,
                        subjects,
                        reads[p.name],
                    ),
                )
                for p, g in targets
            ]

        while True:
            if len(subjects) >= KNOWN_CACHED:
                # Bounded, so a replay's memory does not grow with the log; the
                # subjects met again come back with one lookup each.
                subjects.clear()
            try:
                reached = self._advance_page(dbs)
            except Exception as error:
                if not unstorable(error):
                    raise
                # An event of the page does not fit some projection's tables: the
                # page again, event by event, going past (and telling of) those.
                # What was kept from the undone page may not have been stored.
                subjects.clear()
                for kept in known.values():
                    kept.clear()
                reached = self._advance_carefully(dbs)
            if reached is None:
                return
            if progress:
                progress(reached, max(head, reached))

    def _lock_positions(self, dbs: Sequence[tuple[Projection, int, Db]]) -> list[int]:
        positions: list[int] = []
        for projection, generation, db in dbs:
            # Write first: it takes the row lock (PostgreSQL) or the write lock
            # (SQLite) before reading, so two runners never apply the same page.
            db.execute(
                f"UPDATE {self.prefix}{POINTERS} SET position = position "
                "WHERE name = ? AND generation = ?",
                (projection.name, generation),
            )
            position = db.rows(
                f"SELECT position FROM {self.prefix}{POINTERS} WHERE name = ? AND generation = ?",
                (projection.name, generation),
            )[0]["position"]
            if db.known.get(REACHED) != position:
                # Another run applied events since this one's last page: what the
                # projection kept of its own rows may have changed.
                db.known.clear()
            positions += [position]
        return positions

    def _set_positions(
        self, dbs: Sequence[tuple[Projection, int, Db]], positions: Sequence[int], reached: int
    ) -> None:
        for (projection, generation, db), position in zip(dbs, positions, strict=True):
            db.execute(
                f"UPDATE {self.prefix}{POINTERS} SET position = ? "
                "WHERE name = ? AND generation = ?",
                (max(reached, position), projection.name, generation),
            )
            db.known[REACHED] = max(reached, position)

    def _advance_carefully(self, make: MakeDbs) -> int | None:
        """One page, each event applied to each projection under a savepoint: an
        event a projection cannot store is undone for that projection alone, told
        to ``skipped``, and gone past. Returns the position reached (None: none)."""
        to_domain_event = self.store.to_domain_event
        with self.store.transaction(commit=True, write=True) as cursor:
            dbs = make(cursor, False)
            positions = self._lock_positions(dbs)
            page = self.store.notifications(min(positions), PAGE_SIZE)
            if not page:
                return None
            for notification in page:
                event = to_domain_event(notification)
                for (projection, _, db), position in zip(dbs, positions, strict=True):
                    if notification.id <= position:
                        continue
                    db.execute("SAVEPOINT registre_event")
                    try:
                        projection.apply(db, notification.id, event)
                        db.flush()
                    except Exception as error:
                        if not unstorable(error):
                            raise
                        db.execute("ROLLBACK TO SAVEPOINT registre_event")
                        # What it remembered from the event may not have been stored.
                        db.known.clear()
                        db.subjects.clear()
                        if self.skipped is not None:
                            first = str(error).strip().splitlines()[0] if str(error) else ""
                            said = f"{type(error).__name__}: {first}"[:200]
                            self.skipped(projection.name, notification.id, said)
                    db.execute("RELEASE SAVEPOINT registre_event")
            reached = page[-1].id
            self._set_positions(dbs, positions, reached)
        return reached

    def _advance_page(self, make: MakeDbs) -> int | None:
        """One page applied to every target in one transaction; the position
        reached, or None when there was nothing left."""
        to_domain_event = self.store.to_domain_event
        with self.store.transaction(commit=True, write=True) as cursor:
            dbs = make(cursor, True)
            positions = self._lock_positions(dbs)
            page = self.store.notifications(min(positions), PAGE_SIZE)
            if not page:
                return None
            # The page is folded in memory, then each table's rows written at once.
            if page[0].id > max(positions):
                # Every target applies every event of the page (as in a replay).
                appliers = [(projection.apply, db) for projection, _, db in dbs]
                for notification in page:
                    event, at = to_domain_event(notification), notification.id
                    for apply, db in appliers:
                        apply(db, at, event)
            else:
                for notification in page:
                    event = to_domain_event(notification)
                    for (projection, _, db), position in zip(dbs, positions, strict=True):
                        if notification.id > position:
                            projection.apply(db, notification.id, event)
            for _, _, db in dbs:
                db.flush()
            reached = page[-1].id
            self._set_positions(dbs, positions, reached)
        return reached

    def _apply(
        self,
        applied: Sequence[tuple[Projection, Db]],
        page: Sequence[Notification],
        keep: KeepFn | None = None,
    ) -> None:
        to_domain_event = self.store.to_domain_event
        for notification in page:
            event = to_domain_event(notification)
            if keep is None or keep(event):
                for projection, db in applied:
                    projection.apply(db, notification.id, event)
        for _, db in applied:
            db.flush()

    # -- views of the past ------------------------------------------------------------

    @contextmanager
    def build_at(
        self, name: str, stop: int | None = None, keep: KeepFn | None = None
    ) -> Iterator[Db]:
        """The projection built from scratch in a scratch database.

        It applies the events up to position ``stop`` (default: the head), only
        those ``keep`` accepts (default: all), in a scratch database of the
        store's making, and yields a ``Db`` whose
        ``{table}`` names are the projection's, so the readers of the live views
        (``read_plan``…) read it unchanged. Nothing is written to the store. It
        serves the views the stored history cannot answer (the plan from what
        had happened by a date), and the tests that compare with a rebuild.
        """
        projection = self.projections[name]
        # With the projections whose tables its readers read (``reads``), built
        # beside it, their tables named as it names them.
        built = [projection]
        built += [
            self.projections[o] for o in dict.fromkeys(o for o, _ in projection.reads.values())
        ]
        with self.store.scratch() as (cursor, dialect):
            memory: dict[str, Subject] = {}
            shared = {"subjects": "shared_subjects"} if any(b.uses_subjects for b in built) else {}
            applied: list[tuple[Projection, Db]] = []
            for b in built:
                tables = {t: f"{b.name}_{t}" for t in b.tables}
                made = Db(cursor, dialect, tables, None, False, memory, shared)
                b.create(made, tables, f"ix_{b.name}_")
                applied.append((b, made))
            db = applied[0][1]
            for alias, (other, theirs) in projection.reads.items():
                db.tables[alias] = f"{other}_{theirs}"
            if shared:
                subjects = Db(cursor, dialect, shared, None, False, memory)
                Subjects().create(subjects, subjects.tables, "ix_shared_")
                applied.insert(0, (Subjects(), subjects))
            position = 0
            while stop is None or position < stop:
                page = self.store.notifications(position, PAGE_SIZE, stop)
                if not page:
                    break
                self._apply(applied, page, keep)
                position = page[-1].id
            yield db

    def follow(self, interval: float, stop: Callable[[], bool]) -> None:
        """Keeps every projection current until ``stop()`` says otherwise."""
        while not stop():
            self.catch_up()
            time.sleep(interval)
