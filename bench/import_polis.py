"""How fast a Pol.is conversation is imported, beside how fast the store takes raw rows.

Imports the vTaiwan conversation (49,997 votes, ``--folder`` for another) into
a fresh SQLite file and a fresh PostgreSQL database, through ``registre
import``'s code path (every row checked, then saved in chunks with their
receipts and ledger leaves), then inserts the same number of rows, the
events as the import stored them, into a plain table of the same store with
plain ``sqlite3`` / ``psycopg``: one transaction, ``executemany``. Prints
events per second for both, in the same run. Not a test: nothing is asserted.

    python bench/import_polis.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
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

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.importers.polis import plan_polis
from registre.adapters.importers.runner import run
from registre.adapters.stores.config import parse_url
from registre.domain import DecisionRule

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis" / "vtaiwan.uberx"


def measure(url: str, folder: Path) -> list[Any]:
    with Registre.open(parse_url(url)) as service:
        ctx = c.Context(actor="bench")
        service.handle(
            c.OpenProgramme(
                programme="bench",
                title="Bench",
                organiser="Bench",
                founders={"v": "Ville"},
                rule=DecisionRule.ANY,
            ),
            ctx,
        )
        started = time.perf_counter()  # reading the files included
        report = run(service, plan_polis("bench", str(folder), "EL1"), ctx)
        elapsed = time.perf_counter() - started
        rows = stored_rows(service, limit=report.events)
        postgres = url.startswith("postgresql")
        raw = RawPostgres(url) if postgres else RawSQLite(url, sqlite_pragmas(service))
    try:
        seconds = raw.batched(rows)
    finally:
        raw.close()
    return [
        (
            f"import polis ({report.rows:,} rows, {report.chunks} chunks)",
            report.events,
            elapsed,
        ),
        ("raw insert, one transaction, executemany", report.events, seconds),
    ]


@click.command()
@click.option(
    "--folder",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_FOLDER,
    show_default=True,
    help="A Pol.is export folder.",
)
def main(folder: Path) -> None:
    """Measure a Pol.is import against raw inserts, on both stores."""
    click.echo(f"conversation {folder.name}")
    for kind, store in (("sqlite", sqlite_store), ("postgres", postgres_store)):
        try:
            context = store()
            url = context.__enter__()
        except Exception as error:  # an unavailable server is reported, not fatal
            click.echo(f"{kind}: skipped ({type(error).__name__}: {error})".strip())
            continue
        try:
            rows = measure(url, folder)
        finally:
            context.__exit__(*sys.exc_info())
        click.echo(f"\n{kind}")
        click.echo(f"  {'step':<48} {'events':>9} {'seconds':>8} {'events/s':>10}")
        for label, count, seconds in rows:
            click.echo(f"  {label:<48} {count:>9,} {seconds:>8.2f} {count / seconds:>10,.0f}")


if __name__ == "__main__":
    main()
