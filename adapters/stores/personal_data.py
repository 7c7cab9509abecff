"""Personal data of participants, kept beside the event log so it can be erased.

Events name participants only by their pseudonymous key; their names and
contacts live in this table, in the same store. They are written by the
recorder in the transaction of the command that registers or erases the
participant (``Change``), never on their own. Erasing a participant deletes
the row: the log, its counts and its verification are untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from registre.adapters.stores.dialect import Dialect

TABLE = "registre_personal_data"
COLUMNS = ("programme", "participant", "name", "contact")


@dataclass(frozen=True)
class Change:
    """A participant's name and contact to store, or (``name`` None) to erase."""

    programme: str
    participant: str
    name: str | None = None
    contact: str | None = None


def create_statement(dialect: Dialect) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {dialect.table(TABLE)} ("
        "programme TEXT NOT NULL, participant TEXT NOT NULL, "
        "name TEXT NOT NULL, contact TEXT, "
        "PRIMARY KEY (programme, participant))"
    )


def write(cursor: Any, dialect: Dialect, changes: Sequence[Change]) -> None:
    """Applies the changes in the caller's transaction, in order."""
    puts = [(c.programme, c.participant, c.name, c.contact) for c in changes if c.name is not None]
    if puts:
        cursor.executemany(dialect.upsert(TABLE, COLUMNS, COLUMNS[:2]), puts)
    erasures = [(c.programme, c.participant) for c in changes if c.name is None]
    if erasures:
        cursor.executemany(
            dialect.sql(
                f"DELETE FROM {dialect.table(TABLE)} WHERE programme = ? AND participant = ?"
            ),
            erasures,
        )


def names(cursor: Any, dialect: Dialect, programme: str) -> dict[str, str]:
    rows = dialect.rows(
        cursor,
        f"SELECT participant, name FROM {dialect.table(TABLE)} WHERE programme = ?",
        (programme,),
    )
    return {row["participant"]: row["name"] for row in rows}
