"""How fast projections are rebuilt, beside how fast the log can be read.

Records a generated programme (``--events``, default 100,000) on SQLite and on
PostgreSQL, then measures, in the same run: reading the notification log in
pages, decoding it into domain events, and replaying every projection from
zero. Prints events per second. Not a test: nothing is asserted.

    python bench/replay.py --events 5000
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from registre.adapters.bulk import record_generated
from registre.adapters.service import Service
from registre.adapters.store import parse_url
from registre.projections import projector_for
from registre.projections.runner import PAGE_SIZE

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def sqlite_store() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield str(Path(folder) / "bench.db")


@contextmanager
def postgres_store() -> Iterator[str]:
    import psycopg

    admin = os.environ.get("REGISTRE_BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    name = f"registre_bench_{uuid.uuid4().hex[:8]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + f"/{name}"
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def timed(work: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    count = work()
    return count, time.perf_counter() - started


def measure(url: str, events: int) -> list[tuple[str, int, float]]:
    rows: list[tuple[str, int, float]] = []
    with Service(parse_url(url)) as service:
        recorded, seconds = timed(lambda: record_generated(service, "bench", events))
        rows.append(("record (batches through the application)", recorded, seconds))
        recorder, mapper = service.app.recorder, service.app.mapper

        def read(decode: bool) -> int:
            count, position = 0, 0
            while page := recorder.select_notifications(
                start=position, limit=PAGE_SIZE, inclusive_of_start=False
            ):
                if decode:
                    for n in page:
                        mapper.to_domain_event(n)
                count += len(page)
                position = page[-1].id
            return count

        rows.append(("read the log (select_notifications)", *timed(lambda: read(False))))
        rows.append(("read and decode (to_domain_event)", *timed(lambda: read(True))))
        projector = projector_for(service)
        head = projector.head()
        total = 0.0
        for name in projector.projections:
            _, seconds = timed(lambda: (projector.replay(name), head)[1])  # noqa: B023
            rows.append((f"replay {name}", head, seconds))
            total += seconds
        count = head * len(projector.projections)
        rows.append((f"replay all {len(projector.projections)} projections", count, total))
    return rows


@click.command()
@click.option("--events", default=100_000, show_default=True, help="Size of the programme.")
def main(events: int) -> None:
    """Measure replays against raw reads of the log, on both stores."""
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
