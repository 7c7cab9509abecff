"""What the benchmarks share: throwaway stores of each kind, a timer, progress on
stderr, the raw floors (plain ``sqlite3`` / ``psycopg`` inserting and reading
the same rows as the application), and the machine and versions a figure was
measured on."""

from __future__ import annotations

import importlib.metadata
import math
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from registre.adapters.application import Registre
from registre.adapters.ledger.tables import PAGE_SIZE as AUDIT_PAGE_SIZE
from registre.adapters.ledger.tables import AuditTables

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
POSTGRES_ENV = "REGISTRE_BENCH_POSTGRES_URL"
ROOT = Path(__file__).resolve().parents[1]

# An event as stored: originator_id, originator_version, topic, state.
RawRow = tuple[Any, int, str, bytes]


# -- throwaway stores ------------------------------------------------------------------


def postgres_admin_url() -> str:
    """The maintenance database the benchmarks create their databases from."""
    return os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES


@contextmanager
def sqlite_store() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield str(Path(folder) / "bench.db")


@contextmanager
def postgres_store(admin: str | None = None) -> Iterator[str]:
    """A database of its own on the server of ``admin`` (default
    REGISTRE_BENCH_POSTGRES_URL), dropped after."""
    import psycopg

    admin = admin or postgres_admin_url()
    conn = psycopg.connect(admin, autocommit=True, connect_timeout=5)
    name = f"registre_bench_{uuid.uuid4().hex[:8]}"
    conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.split("?", 1)[0].rsplit("/", 1)[0] + f"/{name}"
    finally:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def postgres_unreachable(admin: str) -> str | None:
    """Why the server of ``admin`` cannot be used, in one line; None if it can."""
    import psycopg

    try:
        psycopg.connect(admin, connect_timeout=5).close()
    except psycopg.Error as error:
        lines = str(error).strip().splitlines()
        return lines[0] if lines else type(error).__name__
    return None


# -- timing and progress -----------------------------------------------------------------


def timed(work: Callable[[], int]) -> tuple[int, float]:
    started = time.perf_counter()
    count = work()
    return count, time.perf_counter() - started


def say(text: str) -> None:
    """A line of progress on stderr (stdout is the tables)."""
    click.echo(text, err=True)


@contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """Reports ``done`` out of ``total`` on stderr: a bar on a terminal, otherwise
    a plain line every ten seconds or so and one at the end."""
    if sys.stderr.isatty():
        with click.progressbar(
            length=max(total, 1), label=label, file=sys.stderr, show_eta=True, show_pos=True
        ) as bar:
            length = max(total, 1)

            def advance(done: int) -> None:
                bar.update(min(done, length) - bar.pos)

            yield advance
        return
    started = last = time.monotonic()
    reached = 0

    def line(done: int) -> None:
        nonlocal last, reached
        reached = done
        now = time.monotonic()
        if now - last >= 10:
            last = now
            say(f"  {label}: {done:,} of {total:,} ({now - started:.0f} s)")

    yield line
    say(f"  {label}: {reached:,} of {total:,} in {time.monotonic() - started:.1f} s")


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    On Linux, from VmHWM: ``ru_maxrss`` of a child process keeps the resident
    size of the parent it was forked from, across ``exec``, so it would count
    the harness's own memory. Elsewhere, ``ru_maxrss`` (macOS counts bytes).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample with at least
    ``fraction`` of the samples at or below it."""
    ordered = sorted(samples)
    rank = math.ceil(round(fraction * len(ordered), 9))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


# -- reading the log as stored ------------------------------------------------------------


def stored_rows(service: Registre, after: int = 0, limit: int | None = None) -> list[RawRow]:
    """The events stored after position ``after`` (at most ``limit``), as they
    are stored, to insert again as raw rows of the same size."""
    rows: list[RawRow] = []
    position = after
    recorder = service.store.app.recorder
    while limit is None or len(rows) < limit:
        page = 5000 if limit is None else min(5000, limit - len(rows))
        batch = recorder.select_notifications(start=position, limit=page, inclusive_of_start=False)
        if not batch:
            break
        rows += [(n.originator_id, n.originator_version, n.topic, n.state) for n in batch]
        position = batch[-1].id
    return rows


def read_log(service: Registre, page: int, decode: bool) -> int:
    """Reads the notification log in pages, decoding each event if asked."""
    recorder, mapper = service.store.app.recorder, service.store.app.mapper
    count, position = 0, 0
    while batch := recorder.select_notifications(
        start=position, limit=page, inclusive_of_start=False
    ):
        if decode:
            for n in batch:
                mapper.to_domain_event(n)
        count += len(batch)
        position = batch[-1].id
    return count


def read_joined(tables: AuditTables) -> int:
    """The rows verification reads (events joined with their ledger leaves), in
    the same pages, doing nothing with them."""
    count, position = 0, 0
    while True:
        with tables.transaction() as cursor:
            cursor.execute(
                tables.sql(
                    f"SELECT e.{tables.position} AS position, e.originator_id, "
                    "e.originator_version, e.topic, e.state, l.leaf_hash "
                    f"FROM {tables.events} e JOIN {tables.ledger} l "
                    f"ON l.position = e.{tables.position} WHERE e.{tables.position} > ? "
                    f"ORDER BY e.{tables.position} LIMIT ?"
                ),
                (position, AUDIT_PAGE_SIZE),
            )
            page = cursor.fetchall()
        if not page:
            return count
        count += len(page)
        position = int(page[-1]["position"])


# -- the raw floors: the same rows, plain drivers, a table without keys ---------------------

SQLITE_COLUMNS = "originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB"
POSTGRES_COLUMNS = "originator_id UUID, originator_version BIGINT, topic TEXT, state BYTEA"
INSERT = "INSERT INTO {table} (originator_id, originator_version, topic, state) VALUES ({marks})"


def sqlite_pragmas(service: Registre) -> dict[str, str]:
    """journal_mode and synchronous as the application's SQLite connection has them."""
    datastore: Any = getattr(service.store.app.recorder, "datastore", None)
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("PRAGMA journal_mode")
        journal = str(cursor.fetchone()[0])
        cursor.execute("PRAGMA synchronous")
        synchronous = str(cursor.fetchone()[0])
    return {"journal_mode": journal, "synchronous": synchronous}


class RawSQLite:
    """Plain ``sqlite3`` on the benchmark's own file, with the application's pragmas."""

    def __init__(self, path: str, pragmas: dict[str, str]) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute(f"PRAGMA journal_mode = {pragmas['journal_mode']}")
        self.conn.execute(f"PRAGMA synchronous = {pragmas['synchronous']}")
        self.pragmas = {
            "journal_mode": str(self.conn.execute("PRAGMA journal_mode").fetchone()[0]),
            "synchronous": str(self.conn.execute("PRAGMA synchronous").fetchone()[0]),
        }

    def close(self) -> None:
        self.conn.close()

    def _table(self, name: str) -> str:
        self.conn.execute(f"CREATE TABLE {name} ({SQLITE_COLUMNS})")
        return INSERT.format(table=name, marks="?, ?, ?, ?")

    @staticmethod
    def _rows(rows: Sequence[RawRow]) -> list[RawRow]:
        return [(str(r[0]), r[1], r[2], r[3]) for r in rows]

    def batched(self, rows: Sequence[RawRow]) -> float:
        """All rows in one transaction with ``executemany``; seconds."""
        insert, values = self._table("bench_raw_batched"), self._rows(rows)
        started = time.perf_counter()
        self.conn.execute("BEGIN")
        self.conn.executemany(insert, values)
        self.conn.execute("COMMIT")
        return time.perf_counter() - started

    def one_per_transaction(self, rows: Sequence[RawRow]) -> float:
        """Each row in a transaction of its own, as the application begins and
        commits them; seconds."""
        insert, values = self._table("bench_raw_single"), self._rows(rows)
        execute = self.conn.execute
        started = time.perf_counter()
        for row in values:
            execute("BEGIN")
            execute(insert, row)
            execute("COMMIT")
        return time.perf_counter() - started


class RawPostgres:
    """Plain ``psycopg`` on the benchmark's own database."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def close(self) -> None:
        self.conn.close()

    def _table(self, name: str) -> str:
        self.conn.execute(f"CREATE TABLE {name} ({POSTGRES_COLUMNS})")
        return INSERT.format(table=name, marks="%s, %s, %s, %s")

    @staticmethod
    def _rows(rows: Sequence[RawRow]) -> list[RawRow]:
        return [
            (r[0] if isinstance(r[0], uuid.UUID) else uuid.UUID(str(r[0])), r[1], r[2], r[3])
            for r in rows
        ]

    def batched(self, rows: Sequence[RawRow]) -> float:
        """All rows in one transaction with ``executemany``; seconds."""
        insert, values = self._table("bench_raw_batched"), self._rows(rows)
        started = time.perf_counter()
        with self.conn.transaction(), self.conn.cursor() as cursor:
            cursor.executemany(insert, values)
        return time.perf_counter() - started

    def copied(self, rows: Sequence[RawRow]) -> float:
        """All rows in one transaction with ``COPY ... FROM STDIN`` (binary); seconds."""
        self._table("bench_raw_copy")
        values = self._rows(rows)
        started = time.perf_counter()
        with (
            self.conn.transaction(),
            self.conn.cursor() as cursor,
            cursor.copy(
                "COPY bench_raw_copy (originator_id, originator_version, topic, state) "
                "FROM STDIN (FORMAT BINARY)"
            ) as copy,
        ):
            copy.set_types(["uuid", "int8", "text", "bytea"])
            for row in values:
                copy.write_row(row)
        return time.perf_counter() - started

    def one_per_transaction(self, rows: Sequence[RawRow]) -> float:
        """Each row committed on its own (autocommit); seconds."""
        insert, values = self._table("bench_raw_single"), self._rows(rows)
        execute = self.conn.execute
        started = time.perf_counter()
        for row in values:
            execute(insert, row)
        return time.perf_counter() - started

    def library_protocol(self, rows: Sequence[RawRow], lock_timeout: int) -> float:
        """Each row in a transaction of its own, written as eventsourcing's
        PostgresApplicationRecorder writes (pipeline mode; SET LOCAL
        lock_timeout, LOCK TABLE ... IN EXCLUSIVE MODE, NOTIFY, INSERT); seconds."""
        insert, values = self._table("bench_raw_protocol"), self._rows(rows)
        conn = self.conn
        started = time.perf_counter()
        for row in values:
            with conn.pipeline(), conn.transaction(), conn.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{lock_timeout}s'")
                cursor.execute("LOCK TABLE bench_raw_protocol IN EXCLUSIVE MODE")
                cursor.execute("NOTIFY bench_raw_protocol")
                cursor.execute(insert, row)
        return time.perf_counter() - started

    def settings(self) -> dict[str, str]:
        """The server's version and the settings that make commits cheap or dear."""
        found = {}
        for name in ("server_version", "fsync", "synchronous_commit", "shared_buffers"):
            row = self.conn.execute(f"SHOW {name}").fetchone()
            found[name] = str(row[0]) if row else "?"
        return found


# -- where the figures come from -------------------------------------------------------------


def machine() -> dict[str, str]:
    """Cores, memory and CPU model of this machine, and its system."""
    model = platform.processor() or platform.machine()
    memory = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    if not memory and hasattr(os, "sysconf"):
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
            memory = f"{total / 1024**3:.1f} GiB"
        except (ValueError, OSError):
            memory = "unknown"
    return {
        "cores": str(os.cpu_count() or "?"),
        "memory": memory or "unknown",
        "cpu": model or "unknown",
        "system": f"{platform.system()} {platform.release()}",
    }


def versions() -> dict[str, str]:
    """The libraries the figures depend on (the PostgreSQL server's is asked of it)."""
    import psycopg

    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "psycopg": f"{psycopg.__version__} ({psycopg.pq.__impl__})",
        "eventsourcing": importlib.metadata.version("eventsourcing"),
    }


def commit() -> str:
    """The short hash of the checked-out commit, and whether the tree differs from it."""
    git = shutil.which("git")
    if git is None:
        return "unknown (no git)"
    try:
        head = subprocess.run(
            [git, "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            [git, "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head} + uncommitted changes" if dirty else head
