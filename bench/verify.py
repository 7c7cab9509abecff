"""How fast the record is verified, beside how fast its rows can be read.

Records a generated programme (``--events``, default 100,000) on SQLite and on
PostgreSQL, signs a checkpoint, then measures in the same run: reading the
events joined with their ledger leaves (the rows verification reads), and
``verify`` (recompute every leaf, compare, grow both trees, check the
checkpoint). Prints events per second. Not a test: nothing is asserted.

    python bench/verify.py --events 5000
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import click
from common import on_both_stores

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
    on_both_stores(lambda url: measure(url, events), f"page size {PAGE_SIZE}")


if __name__ == "__main__":
    main()
