"""What the benchmarks share: a throwaway store of each kind, a timer, and the table."""

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

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"

Row = tuple[str, int, float]  # step, events, seconds


@contextmanager
def sqlite_store() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield str(Path(folder) / "bench.db")


@contextmanager
def postgres_store() -> Iterator[str]:
    """A database of its own on REGISTRE_BENCH_POSTGRES_URL's server, dropped after."""
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


def on_both_stores(measure: Callable[[str], list[Row]], heading: str = "") -> None:
    """Runs ``measure`` on a fresh SQLite file and a fresh PostgreSQL database,
    printing a table for each; an unavailable server is reported, not fatal."""
    for kind, store in (("sqlite", sqlite_store), ("postgres", postgres_store)):
        try:
            context = store()
            url = context.__enter__()
        except Exception as error:
            click.echo(f"{kind}: skipped ({type(error).__name__}: {error})".strip())
            continue
        try:
            rows = measure(url)
        finally:
            context.__exit__(*sys.exc_info())
        click.echo(f"\n{kind}{f' ({heading})' if heading else ''}")
        click.echo(f"  {'step':<44} {'events':>9} {'seconds':>8} {'events/s':>10}")
        for label, count, seconds in rows:
            click.echo(f"  {label:<44} {count:>9} {seconds:>8.2f} {count / seconds:>10,.0f}")
