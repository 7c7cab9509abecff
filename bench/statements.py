"""What the clerk's and the import paths ask of the store, counted and timed.

On a fresh store (a SQLite file, or a PostgreSQL database of its own), the
import path records a consultation of N events (``generate``, ``--batch``
commands per transaction), then the clerk's path runs K single commands on
a second programme (``Registre.handle``, one transaction each), as
``bench/run.py`` does. Every statement sent to the store and every
connection taken from the pool is counted while each path runs (the
driver's cursor and the library's datastore, wrapped for the run), and
printed per command with the seconds taken, beside one row inserted per
transaction by the plain driver (the clerk's raw floor) and the import's
rows inserted with ``executemany`` in one transaction (its raw floor),
measured in the same run. "Other reads" are the connections taken besides
the commits of events: each a read transaction, or, on PostgreSQL, where
the clerk's path reads one statement at a time on the pool's autocommit
connections, a single statement. Not a test: nothing is asserted.

    python bench/statements.py --events 20000 --store both
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from typing import Any

import click
from common import (
    RawPostgres,
    RawSQLite,
    postgres_store,
    sqlite_pragmas,
    sqlite_store,
    stored_rows,
)
from generator import consultation, generate

from registre.adapters.application import Registre
from registre.adapters.stores.config import parse_url

IMPORT_SLUG = "national"
CLERK_SLUG = "guichet"
COUNTS: Counter[str] = Counter()


def _counting(method: Callable[..., Any], name: str) -> Callable[..., Any]:
    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        COUNTS[name] += 1
        return method(self, *args, **kwargs)

    return counted


@contextmanager
def counting(kind: str) -> Iterator[None]:
    """Counts the statements sent, the connections taken from the
    datastore's pool and the commits of events."""
    patched: list[tuple[Any, str, Any]] = []
    if kind == "sqlite":
        from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore

        from registre.adapters.stores.recorders import LedgeredSQLiteRecorder

        cursor: Any = SQLiteCursor
        datastore: Any = SQLiteDatastore
        recorder: Any = LedgeredSQLiteRecorder
    else:
        import psycopg
        from eventsourcing.postgres import PostgresDatastore

        from registre.adapters.stores.postgres_recorder import LedgeredPostgresRecorder

        cursor, datastore, recorder = psycopg.Cursor, PostgresDatastore, LedgeredPostgresRecorder
    for owner, attr, label in (
        (cursor, "execute", "statements"),
        (cursor, "executemany", "statements"),
        (datastore, "get_connection", "transactions"),
        (recorder, "insert_events", "writes"),
    ):
        original = getattr(owner, attr)
        patched.append((owner, attr, original))
        setattr(owner, attr, _counting(original, label))
    try:
        yield
    finally:
        for owner, attr, original in patched:
            setattr(owner, attr, original)


def measure(kind: str, url: str, events: int, clerk: int, batch: int, seed: int) -> list[str]:
    lines = []
    with Registre.open(parse_url(url)) as service:
        raw: RawSQLite | RawPostgres = (
            RawSQLite(url, sqlite_pragmas(service)) if kind == "sqlite" else RawPostgres(url)
        )
        try:
            COUNTS.clear()
            with counting(kind):
                recorded = generate(service, IMPORT_SLUG, events, seed, per_transaction=batch)
            imported = Counter(COUNTS)
            rows = stored_rows(service)
            floor = raw.batched(rows)
            lines.append(
                _line(
                    kind,
                    f"import path, {batch} per transaction",
                    recorded.commands,
                    recorded.events,
                    recorded.seconds,
                    imported,
                )
            )
            lines.append(
                f"| {kind} | raw executemany, one transaction | | {len(rows):,} | "
                f"{floor:.2f} | {len(rows) / floor:,.0f} rows/s | | | |"
            )
            steps = islice(chain.from_iterable(consultation(CLERK_SLUG, 2 * clerk, seed)), clerk)
            before = service.store.head()
            COUNTS.clear()
            started = time.perf_counter()
            with counting(kind):
                for command, context in steps:
                    service.handle(command, context)
            seconds = time.perf_counter() - started
            done = service.store.head() - before
            lines.append(_line(kind, "clerk path", clerk, done, seconds, Counter(COUNTS)))
            single = stored_rows(service, after=before, limit=clerk)
            floor = raw.one_per_transaction(single)
            lines.append(
                f"| {kind} | raw, one row per transaction | {len(single):,} | | "
                f"{floor:.2f} | {len(single) / floor:,.0f} rows/s | | | |"
            )
        finally:
            raw.close()
    return lines


def _line(
    kind: str, label: str, commands: int, events: int, seconds: float, counts: Counter[str]
) -> str:
    per = max(commands, 1)
    reads = counts["transactions"] - counts["writes"]
    return (
        f"| {kind} | {label} | {commands:,} | {events:,} | {seconds:.2f} | "
        f"{commands / seconds:,.0f} commands/s | {counts['statements'] / per:.2f} | "
        f"{reads / per:.2f} ({reads:,}) | {counts['writes'] / per:.3f} |"
    )


@click.command()
@click.option("--events", default=20_000, show_default=True, help="Events on the import path.")
@click.option("--clerk", default=1_000, show_default=True, help="Commands on the clerk's path.")
@click.option("--batch", default=500, show_default=True, help="Commands per transaction.")
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--store", "stores", type=click.Choice(["sqlite", "postgres", "both"]), default="both"
)
def main(events: int, clerk: int, batch: int, seed: int, stores: str) -> None:
    print(
        "| store | path | commands | events | seconds | rate | statements per command "
        "| other reads per command (all) | event commits per command |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for kind in ("sqlite", "postgres"):
        if stores not in (kind, "both"):
            continue
        with sqlite_store() if kind == "sqlite" else postgres_store() as url:
            for line in measure(kind, url, events, clerk, batch, seed):
                print(line, flush=True)


if __name__ == "__main__":
    main()
