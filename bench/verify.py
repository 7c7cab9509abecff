"""How fast the record is verified, beside how fast its rows can be read.

Records a generated programme (``--events``, default 100,000) on SQLite and on
PostgreSQL, signs a checkpoint, then measures in the same run: reading the
events joined with their ledger leaves (the rows verification reads), and
``verify`` (recompute every leaf, compare, grow both trees, check the
checkpoint). Prints events per second. Not a test: nothing is asserted.

    python bench/verify.py --events 5000
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import click
from replay import postgres_store, sqlite_store

from registre.adapters import checkpoints as cp
from registre.adapters.audit_tables import PAGE_SIZE, AuditTables
from registre.adapters.bulk import record_generated
from registre.adapters.service import Service
from registre.adapters.store import parse_url
from registre.adapters.verify import verify


def read_joined(tables: AuditTables) -> int:
    """The same rows as verification, in the same pages, doing nothing with them."""
    count, position = 0, 0
    while True:
        with tables.transaction() as cursor:
            cursor.execute(
                tables.sql(
                    f"SELECT e.{tables.position} AS position, e.originator_id, "
                    "e.originator_version, e.topic, e.state, l.leaf_hash "
                    f"FROM {tables.events} e JOIN {tables.ledger} l "
                    f"ON l.position = e.{tables.position} WHERE e.{tables.position} > %s "
                    f"ORDER BY e.{tables.position} LIMIT %s"
                ),
                (position, PAGE_SIZE),
            )
            page = cursor.fetchall()
        if not page:
            return count
        count += len(page)
        position = int(page[-1]["position"])


def measure(url: str, events: int) -> list[tuple[str, int, float]]:
    rows: list[tuple[str, int, float]] = []
    config = parse_url(url)
    with tempfile.TemporaryDirectory() as keys, Service(config) as service:
        started = time.perf_counter()
        recorded = record_generated(service, "bench", events)
        rows.append(("record (batches through the application)", recorded, _since(started)))
        cp.ensure_key(config, Path(keys))
        started = time.perf_counter()
        made = cp.create_checkpoint(service, "bench", Path(keys))
        rows.append(("sign a checkpoint (read the ledger, root)", made.tree_size, _since(started)))
        tables = AuditTables(service)
        started = time.perf_counter()
        count = read_joined(tables)
        rows.append(("read events joined with ledger leaves", count, _since(started)))
        public = cp.public_key_bytes(cp.load_private_key(config, Path(keys)))
        started = time.perf_counter()
        report = verify(service, public)
        rows.append(("audit verify", report.events, _since(started)))
        assert report.ok, report.findings
    return rows


def _since(started: float) -> float:
    return time.perf_counter() - started


@click.command()
@click.option("--events", default=100_000, show_default=True, help="Size of the programme.")
def main(events: int) -> None:
    """Measure verification against raw reads of the same rows, on both stores."""
    for kind, store in (("sqlite", sqlite_store), ("postgres", postgres_store)):
        try:
            context = store()
            url = context.__enter__()
        except Exception as error:  # an unavailable server is reported, not fatal
            click.echo(f"{kind}: skipped ({type(error).__name__}: {error})".strip())
            continue
        try:
            rows = measure(url, events)
        finally:
            context.__exit__(*sys.exc_info())
        click.echo(f"\n{kind} (page size {PAGE_SIZE})")
        click.echo(f"  {'step':<44} {'events':>9} {'seconds':>8} {'events/s':>10}")
        for label, count, seconds in rows:
            click.echo(f"  {label:<44} {count:>9} {seconds:>8.2f} {count / seconds:>10,.0f}")


if __name__ == "__main__":
    main()
