"""Personal data of participants, kept beside the event log, sealed, so it can be erased.

Events name participants only by their pseudonymous key. A participant's
name, contact and, when the organisation is a single person, the
organisation's name live in this table, in the same store, sealed with the
person's own key (``keys``: AES-256-GCM, the key in the key directory, never
in the database). They are written by the recorder in the transaction of the
command that registers or erases the participant (``Change``), never on their
own. Erasing a participant destroys their key and deletes the row: whatever
copies of the sealed bytes the database keeps (PostgreSQL's heap and WAL,
SQLite's free pages) can no longer be read. The log, its counts and its
verification are untouched.

Stores written before the data was sealed kept it in plain text in
``registre_personal_data``; ``migrate_plain`` seals those rows and drops the
table when the store is upgraded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from registre.adapters.stores.dialect import Dialect
from registre.adapters.stores.keys import KeyMissing, PersonalKeys, seal, unseal

TABLE = "registre_personal_sealed"
COLUMNS = ("programme", "participant", "sealed")
# Where stores before schema 2 kept names and contacts, in plain text.
PLAIN_TABLE = "registre_personal_data"


@dataclass(frozen=True)
class Personal:
    """What Registre holds about a person beyond the record: all of it personal data."""

    name: str | None = None
    contact: str | None = None
    organisation: str | None = None  # only when the organisation is a single person

    def as_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "contact": self.contact, "organisation": self.organisation}


@dataclass(frozen=True)
class Change:
    """A participant's sealed personal data to store, or (``sealed`` None) to erase."""

    programme: str
    participant: str
    sealed: bytes | None = None


def _context(programme: str, participant: str) -> str:
    return f"registre personal data\n{programme}\n{participant}"


def sealed_change(keys: PersonalKeys, programme: str, participant: str, data: Personal) -> Change:
    """The change that stores ``data``, sealed with the person's key (made if missing)."""
    key = keys.ensure(programme, participant)
    plaintext = json.dumps(data.as_dict(), ensure_ascii=False, sort_keys=True).encode()
    return Change(programme, participant, seal(key, plaintext, _context(programme, participant)))


def opened(keys: PersonalKeys, programme: str, participant: str, sealed: bytes) -> Personal:
    """The data of a sealed row; ``KeyMissing`` if the person's key is not in the key directory."""
    key = keys.get(programme, participant)
    if key is None:
        raise KeyMissing(
            f"the key of participant {participant} is not in the key directory {keys.folder}"
        )
    data = json.loads(unseal(key, bytes(sealed), _context(programme, participant)))
    return Personal(data.get("name"), data.get("contact"), data.get("organisation"))


def create_statement(dialect: Dialect) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {dialect.table(TABLE)} ("
        f"programme TEXT NOT NULL, participant TEXT NOT NULL, sealed {dialect.blob} NOT NULL, "
        "PRIMARY KEY (programme, participant))"
    )


def write(cursor: Any, dialect: Dialect, changes: Sequence[Change]) -> None:
    """Applies the changes in the caller's transaction, in order."""
    puts = [(c.programme, c.participant, c.sealed) for c in changes if c.sealed is not None]
    if puts:
        cursor.executemany(dialect.upsert(TABLE, COLUMNS, COLUMNS[:2]), puts)
    erasures = [(c.programme, c.participant) for c in changes if c.sealed is None]
    if erasures:
        cursor.executemany(
            dialect.sql(
                f"DELETE FROM {dialect.table(TABLE)} WHERE programme = ? AND participant = ?"
            ),
            erasures,
        )


def sealed_rows(
    cursor: Any, dialect: Dialect, programme: str, participant: str | None = None
) -> dict[str, bytes]:
    """The sealed data of a programme's participants (or of one), by key."""
    statement = f"SELECT participant, sealed FROM {dialect.table(TABLE)} WHERE programme = ?"
    params: tuple[str, ...] = (programme,)
    if participant is not None:
        statement += " AND participant = ?"
        params += (participant,)
    return {
        row["participant"]: bytes(row["sealed"]) for row in dialect.rows(cursor, statement, params)
    }


def names(cursor: Any, dialect: Dialect, keys: PersonalKeys, programme: str) -> dict[str, str]:
    """The names that can be read, by participant key (a row whose key is lost is left out)."""
    found: dict[str, str] = {}
    for participant, sealed in sealed_rows(cursor, dialect, programme).items():
        try:
            data = opened(keys, programme, participant, sealed)
        except KeyMissing:
            continue
        if data.name is not None:
            found[participant] = data.name
    return found


def migrate_plain(cursor: Any, dialect: Dialect, keys: PersonalKeys) -> int:
    """Seals the rows of the plain-text table of an earlier store and drops it;
    returns how many rows were sealed. Idempotent: a store without the table is left
    as it is."""
    if not dialect.table_exists(cursor, PLAIN_TABLE):
        return 0
    rows = dialect.rows(
        cursor, f"SELECT programme, participant, name, contact FROM {dialect.table(PLAIN_TABLE)}"
    )
    changes = [
        sealed_change(
            keys, row["programme"], row["participant"], Personal(row["name"], row["contact"])
        )
        for row in rows
    ]
    keys.sync()
    write(cursor, dialect, changes)
    if dialect.kind == "sqlite":
        # The table's pages are overwritten with zeros as they are freed.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute(f"DELETE FROM {dialect.table(PLAIN_TABLE)}")
        cursor.execute(f"DROP TABLE {dialect.table(PLAIN_TABLE)}")
        cursor.execute("PRAGMA secure_delete = OFF")
    else:
        # The table's files are unlinked when the transaction commits.
        cursor.execute(f"DROP TABLE {dialect.table(PLAIN_TABLE)}")
    return len(changes)
