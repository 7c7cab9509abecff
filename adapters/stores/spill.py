"""Where a held batch keeps what it has checked and not yet written: on disk.

An import checks every row before it writes any (a file with a bad row
records nothing). What the checked chunks would write (their events, sealed
personal data and receipt) and the aggregates they changed must wait
somewhere until the last row is checked; kept in memory, they grew with the
file (about 2 KB a row). The spill keeps them in a private temporary SQLite
file instead, pickled: a chunk is written there once checked and read back
when it is saved to the store, and an aggregate changed by a checked chunk is
moved there from memory at the end of the chunk and read back only if a later
row needs it. Memory stays that of one chunk, whatever the file's length.

The file holds nothing the store would not: events carry no personal data,
and personal data is sealed before it reaches the unit of work. It is
created readable by its owner only and deleted when the batch ends.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any
from uuid import UUID


class Spill:
    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="registre-import-", suffix=".spill")
        os.close(handle)  # mkstemp creates it readable and writable by its owner only
        self._db = sqlite3.connect(self.path, isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "temp_store = FILE"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE chunks (n INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        self._db.execute("CREATE TABLE aggregates (id BLOB PRIMARY KEY, data BLOB NOT NULL)")
        self.chunks = 0
        self.events = 0

    def put_chunk(self, chunk: Any, events: int) -> None:
        data = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
        self._db.execute("INSERT INTO chunks VALUES (?, ?)", (self.chunks, data))
        self.chunks += 1
        self.events += events

    def take_chunks(self) -> Iterator[Any]:
        """The chunks in the order they were put, each forgotten once read."""
        n = 0
        while n < self.chunks:
            row = self._db.execute("SELECT data FROM chunks WHERE n = ?", (n,)).fetchone()
            self._db.execute("DELETE FROM chunks WHERE n = ?", (n,))
            n += 1
            yield pickle.loads(row[0])  # its own private file
        self.chunks = self.events = 0

    def put_aggregates(self, aggregates: Iterable[tuple[UUID, Any]]) -> None:
        self._db.execute("BEGIN")
        self._db.executemany(
            "INSERT OR REPLACE INTO aggregates VALUES (?, ?)",
            (
                (aggregate_id.bytes, pickle.dumps(aggregate, protocol=pickle.HIGHEST_PROTOCOL))
                for aggregate_id, aggregate in aggregates
            ),
        )
        self._db.execute("COMMIT")

    def aggregate(self, aggregate_id: UUID) -> Any | None:
        row = self._db.execute(
            "SELECT data FROM aggregates WHERE id = ?", (aggregate_id.bytes,)
        ).fetchone()
        return None if row is None else pickle.loads(row[0])

    def close(self) -> None:
        self._db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)
