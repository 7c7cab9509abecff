"""Personal data of participants, kept beside the event log so it can be erased.

Events name participants only by their pseudonymous key; their names and
contacts live in this table, in the same store. Erasing a participant deletes
the row: the log, its counts and its verification are untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

TABLE = "registre_personal_data"


class PersonalData:
    def __init__(self, datastore: Any, kind: str, schema: str | None = None) -> None:
        self.datastore = datastore
        self.kind = kind
        self.table = f"{schema}.{TABLE}" if schema else TABLE
        self.mark = "?" if kind == "sqlite" else "%s"
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                "programme TEXT NOT NULL, participant TEXT NOT NULL, "
                "name TEXT NOT NULL, contact TEXT, "
                "PRIMARY KEY (programme, participant))"
            )

    def put(self, programme: str, participant: str, name: str, contact: str | None) -> None:
        self.put_many([(programme, participant, name, contact)])

    def put_many(self, rows: Sequence[tuple[str, str, str, str | None]]) -> None:
        """Stores names and contacts (programme, participant, name, contact),
        all in one transaction."""
        if not rows:
            return
        m = self.mark
        with self.datastore.transaction(commit=True) as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} (programme, participant, name, contact) "
                f"VALUES ({m}, {m}, {m}, {m}) ON CONFLICT (programme, participant) "
                "DO UPDATE SET name = excluded.name, contact = excluded.contact",
                rows,
            )

    def names(self, programme: str) -> dict[str, str]:
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT participant, name FROM {self.table} WHERE programme = {self.mark}",
                (programme,),
            )
            rows = cursor.fetchall()
        # sqlite3.Row and psycopg's dict rows are both indexed by column name.
        return {row["participant"]: row["name"] for row in rows}

    def erase(self, programme: str, participant: str) -> None:
        m = self.mark
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                f"DELETE FROM {self.table} WHERE programme = {m} AND participant = {m}",
                (programme, participant),
            )
