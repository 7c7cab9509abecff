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

from registre.adapters import recorders
from registre.adapters.application import CommandCycle
from registre.adapters.ledger import LEDGER_TABLE

CHECKPOINT_TABLE = "registre_checkpoints"
PAGE_SIZE = 5000


@dataclass(frozen=True)
class StoredRow:
    position: int
    aggregate_id: str
    version: int
    topic: str
    payload: bytes


class AuditTables:
    """Qualified table names and the SQL dialect of one store."""

    def __init__(self, cycle: CommandCycle) -> None:
        recorder: Any = cycle.app.recorder
        self.datastore: Any = recorder.datastore
        self.kind = cycle.config.kind
        schema = cycle.config.env.get("POSTGRES_SCHEMA") if self.kind == "postgres" else None
        self.schema = schema
        prefix = f"{schema}." if schema else ""
        self.events = prefix + recorder.events_table_name
        self.ledger = prefix + LEDGER_TABLE
        self.checkpoints = prefix + CHECKPOINT_TABLE
        self.position = "rowid" if self.kind == "sqlite" else "notification_id"
        self.mark = "?" if self.kind == "sqlite" else "%s"

    def transaction(self, commit: bool = False) -> AbstractContextManager[Any]:
        cm: AbstractContextManager[Any] = self.datastore.transaction(commit=commit)
        return cm

    def sql(self, text: str) -> str:
        """Statements are written with %s; SQLite wants ?."""
        return text.replace("%s", self.mark)

    def ensure_checkpoint_table(self) -> None:
        """Creates the checkpoints table on first use, append-only like the log.

        Only when it is missing: a restricted role may insert into it but not create it.
        """
        with self.transaction() as cursor:
            if self.kind == "sqlite":
                cursor.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                    (CHECKPOINT_TABLE,),
                )
            else:
                cursor.execute("SELECT to_regclass(%s) AS found", (self.checkpoints,))
            row = cursor.fetchone()
            if row is not None and (self.kind == "sqlite" or row["found"] is not None):
                return
        key = "INTEGER PRIMARY KEY" if self.kind == "sqlite" else "BIGSERIAL PRIMARY KEY"
        blob = "BLOB" if self.kind == "sqlite" else "BYTEA"
        with self.transaction(commit=True) as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.checkpoints} ("
                f"id {key}, tree_size BIGINT NOT NULL, root_hash {blob} NOT NULL, "
                "created_at TEXT NOT NULL, label TEXT NOT NULL, deployment TEXT NOT NULL, "
                f"key_id TEXT NOT NULL, public_key {blob} NOT NULL, signature {blob} NOT NULL)"
            )
            recorders.make_append_only(cursor, self.kind, CHECKPOINT_TABLE, self.schema)

    def events_after(self, position: int, limit: int = PAGE_SIZE) -> list[StoredRow]:
        with self.transaction() as cursor:
            cursor.execute(
                self.sql(
                    f"SELECT {self.position} AS position, originator_id, originator_version, "
                    f"topic, state FROM {self.events} WHERE {self.position} > %s "
                    f"ORDER BY {self.position} LIMIT %s"
                ),
                (position, limit),
            )
            return [
                StoredRow(
                    int(r["position"]),
                    str(r["originator_id"]),
                    int(r["originator_version"]),
                    str(r["topic"]),
                    bytes(r["state"]),
                )
                for r in cursor.fetchall()
            ]

    def leaves_after(self, position: int, limit: int = PAGE_SIZE) -> list[tuple[int, bytes]]:
        with self.transaction() as cursor:
            cursor.execute(
                self.sql(
                    f"SELECT position, leaf_hash FROM {self.ledger} WHERE position > %s "
                    "ORDER BY position LIMIT %s"
                ),
                (position, limit),
            )
            return [(int(r["position"]), bytes(r["leaf_hash"])) for r in cursor.fetchall()]

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
