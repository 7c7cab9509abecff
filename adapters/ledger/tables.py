"""The audit's view of a store: the events, their ledger leaves and the checkpoints,
read in position order and in pages, the same way on SQLite and PostgreSQL.

Reading goes straight to the tables rather than through the library's
notification log, because verification must see the rows exactly as they are
stored, including rows the library would never have written.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
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
