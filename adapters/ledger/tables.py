"""The audit's view of a store: the events, their ledger leaves and the checkpoints,
read in position order and in pages, the same way on SQLite and PostgreSQL.

Reading goes straight to the tables rather than through the library's
notification log, because verification must see the rows exactly as they are
stored, including rows the library would never have written.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from registre.adapters.ledger.leaves import LEDGER_TABLE, stored_bytes
from registre.adapters.stores import Store
from registre.adapters.stores.recorders import CHECKPOINTS_TABLE

PAGE_SIZE = 5000


@dataclass(frozen=True)
class StoredRow:
    position: int
    aggregate_id: str
    version: int
    topic: str
    payload: bytes


class AuditTables:
    """The events, ledger and checkpoint tables of one store, by their names there."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.dialect = d = store.dialect
        self.events = d.table(store.events_table)
        self.ledger = d.table(LEDGER_TABLE)
        self.checkpoints = d.table(CHECKPOINTS_TABLE)
        self.position = d.position

    def transaction(self, commit: bool = False) -> AbstractContextManager[Any]:
        return self.store.transaction(commit=commit)

    def sql(self, text: str) -> str:
        return self.dialect.sql(text)

    def events_after(self, position: int, limit: int = PAGE_SIZE) -> list[StoredRow]:
        with self.transaction() as cursor:
            cursor.execute(
                self.sql(
                    f"SELECT {self.position} AS position, originator_id, originator_version, "
                    f"topic, state FROM {self.events} WHERE {self.position} > ? "
                    f"ORDER BY {self.position} LIMIT ?"
                ),
                (position, limit),
            )
            return [
                StoredRow(
                    int(r["position"]),
                    str(r["originator_id"]),
                    int(r["originator_version"]),
                    str(r["topic"]),
                    stored_bytes(r["state"]),
                )
                for r in cursor.fetchall()
            ]

    def version_before(self, aggregate_id: str, position: int) -> int:
        """The version of the aggregate's last event before ``position``, as
        stored (0 if there is none)."""
        with self.transaction() as cursor:
            cursor.execute(
                self.sql(
                    f"SELECT originator_version FROM {self.events} WHERE originator_id = ? "
                    f"AND {self.position} < ? ORDER BY {self.position} DESC LIMIT 1"
                ),
                (aggregate_id, position),
            )
            found = cursor.fetchall()
        return int(found[0]["originator_version"]) if found else 0

    def leaves_after(self, position: int, limit: int = PAGE_SIZE) -> list[tuple[int, bytes]]:
        with self.transaction() as cursor:
            cursor.execute(
                self.sql(
                    f"SELECT position, leaf_hash FROM {self.ledger} WHERE position > ? "
                    "ORDER BY position LIMIT ?"
                ),
                (position, limit),
            )
            return [(int(r["position"]), stored_bytes(r["leaf_hash"])) for r in cursor.fetchall()]

    def all_events(self) -> Iterator[StoredRow]:
        position = 0
        while page := self.events_after(position):
            yield from page
            position = page[-1].position

    def all_leaves(self) -> Iterator[tuple[int, bytes]]:
        position = 0
        while page := self.leaves_after(position):
            yield from page
            position = page[-1][0]


# One event as verification reads it, joined with its ledger leaf: position,
# aggregate id, version, topic, stored bytes, leaf hash, and the leaf's position
# (None when the event has no leaf), each as the driver returns it.
JoinedRow = Sequence[Any]


@dataclass(frozen=True)
class JoinedPage:
    """One page of the log: its events joined with their ledger leaves, in
    position order, and the ledger rows in the same span that have no event
    (``orphans``, in position order). ``dense`` when the events' positions are
    exactly those that follow the previous page's, so that no ledger row can
    lie between them without its event."""

    rows: list[JoinedRow]
    orphans: list[tuple[int, bytes]]
    dense: bool


def joined_pages(tables: AuditTables, limit: int = PAGE_SIZE) -> Iterator[JoinedPage]:
    """The events joined with their ledger leaves, by position, in pages, with
    the ledger rows that have no event: one query a page as long as the
    positions run without a hole, and a second one over a page's span only
    where they do not (a ledger row there would be a leaf without its event).

    On PostgreSQL the next page is asked for while the caller works on this
    one: the server reads it meanwhile, and the wait for it holds nothing up."""
    read = _JoinedReader(tables, limit)
    if tables.dialect.kind != "postgres":
        previous: int | None = 0
        while previous is not None:
            page, previous = read(previous)
            if page is not None:
                yield page
        return
    with ThreadPoolExecutor(max_workers=1) as ahead:
        future = ahead.submit(read, 0)
        while True:
            page, after = future.result()
            if page is None or after is None:
                return
            future = ahead.submit(read, after)
            yield page


class _JoinedReader:
    """Reads one page of ``joined_pages`` after a position, and tells the
    position the next page starts after (None: there is none)."""

    def __init__(self, tables: AuditTables, limit: int) -> None:
        self.tables, self.limit = tables, limit
        d = tables.dialect
        # PostgreSQL writes a uuid's text itself: no Python object per row.
        originator = "e.originator_id::text" if d.kind == "postgres" else "e.originator_id"
        self.events = (
            f"SELECT e.{tables.position}, {originator}, e.originator_version, e.topic, "
            f"e.state, l.leaf_hash, l.position FROM {tables.events} e "
            f"LEFT JOIN {tables.ledger} l ON l.position = e.{tables.position} "
            f"WHERE e.{tables.position} > ? ORDER BY e.{tables.position} LIMIT ?"
        )
        self.span = (
            f"SELECT position, leaf_hash FROM {tables.ledger} WHERE position > ? AND position <= ?"
        )
        self.tail = (
            f"SELECT position, leaf_hash FROM {tables.ledger} WHERE position > ? "
            "ORDER BY position LIMIT ?"
        )

    def __call__(self, previous: int) -> tuple[JoinedPage | None, int | None]:
        d = self.tables.dialect
        with self.tables.transaction() as cursor:
            rows = d.values(cursor, self.events, (previous, self.limit))
            dense = bool(rows) and rows[-1][0] - previous == len(rows)
            if dense:
                found: list[Sequence[Any]] = []
            elif rows:
                # A hole in the positions: the ledger rows of the page's span, few
                # beyond the events' own (each one left is a finding).
                found = d.values(cursor, self.span, (previous, rows[-1][0]))
            else:  # after the last event: the ledger rows left, in pages
                found = d.values(cursor, self.tail, (previous, self.limit))
        if not rows and not found:
            return None, None
        held = {row[0] for row in rows} if found else set()
        orphans = sorted((int(p), stored_bytes(h)) for p, h in found if p not in held)
        page = JoinedPage(rows, orphans, dense)
        return page, int(rows[-1][0]) if rows else orphans[-1][0]


def merged(tables: AuditTables) -> Iterator[tuple[int, StoredRow | None, bytes | None]]:
    """Events and ledger leaves side by side, by position."""
    events, leaves = tables.all_events(), tables.all_leaves()
    event, leaf = next(events, None), next(leaves, None)
    while event is not None or leaf is not None:
        if leaf is None or (event is not None and event.position < leaf[0]):
            assert event is not None
            yield event.position, event, None
            event = next(events, None)
        elif event is None or leaf[0] < event.position:
            yield leaf[0], None, leaf[1]
            leaf = next(leaves, None)
        else:
            yield event.position, event, leaf[1]
            event, leaf = next(events, None), next(leaves, None)


def exported_events(tables: AuditTables, programme: str | None = None) -> Iterator[dict[str, Any]]:
    """The events as ``registre export events`` writes them, in store order; with a
    programme, only the events of its aggregates (known from their creation event,
    which names the programme)."""
    members: set[str] = set()
    for _, row, leaf in merged(tables):
        if row is None:
            continue
        try:
            decoded: Any = json.loads(row.payload)
        except ValueError:
            decoded = None
        if programme is not None:
            creation = row.version == 1 and isinstance(decoded, dict)
            if creation and programme in (decoded.get("programme"), decoded.get("slug")):
                members.add(row.aggregate_id)
            if row.aggregate_id not in members:
                continue
        yield {
            "position": row.position,
            "aggregate_id": row.aggregate_id,
            "version": row.version,
            "topic": row.topic,
            "payload": base64.b64encode(row.payload).decode("ascii"),
            # The ledger's leaf as stored: a reader recomputes it from the fields above.
            "leaf_hash": leaf.hex() if leaf is not None else None,
            "event": decoded,
        }
