"""The benchmark harness: Registre at national scale, beside the store's own limits.

For each scale (``--events``, default 10,000 and 100,000) and each store (a
fresh SQLite file, then a fresh PostgreSQL database, dropped after), one run
measures, with the floor it is compared to measured in the same run:

1. the import path: a generated consultation recorded through the
   application service in batches, beside the same rows inserted by plain
   ``sqlite3`` / ``psycopg`` in one transaction (``executemany``; ``COPY`` too
   on PostgreSQL);
2. the clerk's path: single commands, one transaction each, on a second
   programme in the filled store, beside raw rows inserted one per
   transaction (and, on PostgreSQL, with the library's write protocol);
3. replay: reading the log, decoding it, and rebuilding every projection from
   zero in a child process (its peak memory);
4. queries, p50 and p99: ``trace``, ``plan show`` and ``plan show --as-of``,
   asked of the open store (as a long-lived service would) and through the
   real CLI in process (which opens the store for each command);
5. verification: ``verify`` in a child process (its peak memory) beside a raw
   read of the rows it reads.

It prints the tables, the targets met or not and by how much, and prepends
the same as a section of docs/benchmarks.md (``--output``). Nothing is
asserted and nothing is tuned to meet a target: the gap is the result.

    python bench/run.py --events 10000 --output -
"""

from __future__ import annotations

import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from click.core import ParameterSource
from click.testing import CliRunner
from common import (
    ROOT,
    RawPostgres,
    RawSQLite,
    commit,
    machine,
    peak_rss_mb,
    percentile,
    postgres_admin_url,
    postgres_store,
    postgres_unreachable,
    progress,
    read_joined,
    read_log,
    say,
    sqlite_pragmas,
    sqlite_store,
    stored_rows,
    timed,
    versions,
)
from generator import consultation, generate

from registre.adapters.application import Registre
from registre.adapters.ledger import checkpoints as cp
from registre.adapters.ledger.tables import AuditTables
from registre.adapters.ledger.verify import verify
from registre.adapters.stores.config import ENV_VAR as DATABASE_ENV
from registre.adapters.stores.config import parse_url
from registre.adapters.stores.keys import KEY_DIR_ENV
from registre.cli.app import ACTOR_ENV_VAR
from registre.cli.main import main as registre_cli
from registre.cli.queries import recorded_by
from registre.projections import projector_for
from registre.projections.plan import read_plan
from registre.projections.runner import PAGE_SIZE
from registre.projections.trace import read_trace

DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"
IMPORT_SLUG = "national"
CLERK_SLUG = "guichet"
MB_LIMIT = 300.0
FLAT = 0.10  # peak memory is "flat in N" if it grows by at most this share
JUDGED_AT = 1_000_000  # query latencies are judged at this scale, shown at all
DEBUG: list[str] = []  # passed on to the child processes
COMMAND_ENV = "REGISTRE_BENCH_COMMAND"  # how ./dev ran us, for the report


def clerk_sample(events: int) -> int:
    """How many single commands the clerk's path runs at a scale."""
    return min(max(events // 20, 500), 5000)


def rate(count: float, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


# -- what one run measured -------------------------------------------------------------------


@dataclass
class Query:
    label: str
    args: list[str]
    # None: the CLI command, in process (it opens the store each time); else the
    # same question asked of the store kept open, as a long-lived service would.
    call: Callable[[], object] | None = None
    samples: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.50)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 0.99)


@dataclass
class Measured:
    store: str
    scale: int
    batch: int
    settings: dict[str, str]
    # 1. the import path and its batched floors
    imported_events: int = 0
    imported_commands: int = 0
    imported_seconds: float = 0.0
    raw_rows: int = 0
    raw_batched: float = 0.0
    raw_copy: float | None = None
    # 2. the clerk's path and its one-row-per-transaction floors
    clerk_commands: int = 0
    clerk_events: int = 0
    clerk_seconds: float = 0.0
    clerk_latencies: list[float] = field(default_factory=list)
    raw_single_rows: int = 0
    raw_single: float = 0.0
    raw_protocol: float | None = None
    # 3. replay
    head: int = 0
    read_seconds: float = 0.0
    decode_seconds: float = 0.0
    rebuild: dict[str, Any] = field(default_factory=dict)
    # 4. queries
    queries: list[Query] = field(default_factory=list)
    # 5. verification
    tree_size: int = 0
    checkpoint_seconds: float = 0.0
    joined_rows: int = 0
    joined_seconds: float = 0.0
    verified: dict[str, Any] = field(default_factory=dict)

    @property
    def import_ratio(self) -> float:
        return rate(self.imported_events, self.imported_seconds) / rate(
            self.raw_rows, self.raw_batched
        )

    @property
    def clerk_ratio(self) -> float:
        return rate(self.clerk_commands, self.clerk_seconds) / rate(
            self.raw_single_rows, self.raw_single
        )

    @property
    def rebuild_rate(self) -> float:
        return rate(self.rebuild["events"], self.rebuild["seconds"])

    @property
    def decode_rate(self) -> float:
        return rate(self.head, self.decode_seconds)

    @property
    def verify_ratio(self) -> float:
        return rate(self.verified["events"], self.verified["seconds"]) / rate(
            self.joined_rows, self.joined_seconds
        )


# -- the measures ----------------------------------------------------------------------------


def measure(
    kind: str, url: str, scale: int, seed: int, batch: int, repetitions: int, time_box: float
) -> Measured:
    config = parse_url(url)
    with Registre.open(config) as service:
        raw: RawSQLite | RawPostgres
        if kind == "sqlite":
            settings = sqlite_pragmas(service)
            raw = lite = RawSQLite(url, settings)
            settings = {f"{k} (raw)": v for k, v in lite.pragmas.items()} | settings
        else:
            raw = RawPostgres(url)
            settings = raw.settings()
        m = Measured(kind, scale, batch, settings)
        try:
            _import_path(m, service, raw, seed, batch)
            _clerk_path(m, service, raw, seed)
        finally:
            raw.close()
        _replay(m, service, url)
        _queries(m, service, url, repetitions, time_box)
        _verification(m, service, url)
    return m


def _import_path(
    m: Measured, service: Registre, raw: RawSQLite | RawPostgres, seed: int, batch: int
) -> None:
    say(f"{m.store}, {m.scale:,} events: the import path, {batch} commands per transaction")
    with progress("import path", m.scale) as advance:
        recorded = generate(
            service,
            IMPORT_SLUG,
            m.scale,
            seed,
            per_transaction=batch,
            progress=lambda done, _target: advance(done),
        )
    m.imported_events, m.imported_commands = recorded.events, recorded.commands
    m.imported_seconds = recorded.seconds
    say(f"{m.store}: the raw batched floor")
    rows = stored_rows(service)
    m.raw_rows = len(rows)
    m.raw_batched = raw.batched(rows)
    if isinstance(raw, RawPostgres):
        m.raw_copy = raw.copied(rows)


def _clerk_path(m: Measured, service: Registre, raw: RawSQLite | RawPostgres, seed: int) -> None:
    k = clerk_sample(m.scale)
    say(f"{m.store}: the clerk's path, {k:,} commands one per transaction")
    # A programme sized for the sample, so it goes past the opening registrations.
    steps = islice(chain.from_iterable(consultation(CLERK_SLUG, 2 * k, seed)), k)
    before = service.store.app.recorder.max_notification_id() or 0
    latencies = m.clerk_latencies
    with progress("clerk path", k) as advance:
        for command, context in steps:
            started = time.perf_counter()
            service.handle(command, context)
            latencies.append(time.perf_counter() - started)
            advance(len(latencies))
    m.clerk_commands = len(latencies)
    m.clerk_seconds = sum(latencies)
    m.clerk_events = (service.store.app.recorder.max_notification_id() or 0) - before
    say(f"{m.store}: the raw one-row-per-transaction floor")
    rows = stored_rows(service, after=before, limit=k)  # the first rows the clerk wrote
    m.raw_single_rows = len(rows)
    m.raw_single = raw.one_per_transaction(rows)
    if isinstance(raw, RawPostgres):
        lock_timeout = int(service.config.env.get("POSTGRES_LOCK_TIMEOUT", "0"))
        m.raw_protocol = raw.library_protocol(rows, lock_timeout)


def _replay(m: Measured, service: Registre, url: str) -> None:
    say(f"{m.store}: reading, decoding, rebuilding every projection")
    m.head, m.read_seconds = timed(lambda: read_log(service, PAGE_SIZE, decode=False))
    _, m.decode_seconds = timed(lambda: read_log(service, PAGE_SIZE, decode=True))
    m.rebuild = in_child("rebuild", url)


def _queries(m: Measured, service: Registre, url: str, repetitions: int, time_box: float) -> None:
    views = projector_for(service.store)
    with views.reading("plan") as db:
        plan = read_plan(db, IMPORT_SLUG)
    priorities = plan.priorities if plan else []
    if priorities:
        key, what = priorities[len(priorities) // 2].key, "an adopted priority"
    else:
        with views.reading("audit") as db:
            found = db.rows(
                "SELECT subject FROM {events} WHERE programme = ? AND subject_kind = 'proposal' "
                "ORDER BY position LIMIT 1",
                (IMPORT_SLUG,),
            )
        if not found:
            raise RuntimeError(f"the generated programme has no proposal at {m.scale:,} events")
        key, what = found[0]["subject"], "a proposal (no priority was adopted)"
    with views.reading("audit") as db:
        middle = db.rows(
            "SELECT position, recorded_at FROM {events} WHERE position <= ? "
            "ORDER BY position DESC LIMIT 1",
            (max(m.head // 2, 1),),
        )[0]
    moment = str(middle["recorded_at"])

    def trace() -> object:
        views.catch_up(["provenance"])
        with views.reading("provenance") as db:
            return read_trace(db, IMPORT_SLUG, key)

    def plan_now() -> object:
        views.catch_up(["plan"])
        with views.reading("plan") as db:
            return read_plan(db, IMPORT_SLUG)

    def plan_then() -> object:
        position = recorded_by(views, moment)
        views.catch_up(["plan"])
        with views.reading("plan") as db:
            return read_plan(db, IMPORT_SLUG, at=position)

    asked = [
        (f"trace {IMPORT_SLUG} {key} ({what})", ["trace", IMPORT_SLUG, key], trace),
        (
            f"plan show {IMPORT_SLUG} ({len(priorities):,} adopted priorities)",
            ["plan", "show", IMPORT_SLUG],
            plan_now,
        ),
        (
            f"plan show {IMPORT_SLUG} --as-of {moment} "
            f"(recorded time of #{middle['position']:,} of {m.head:,})",
            ["plan", "show", IMPORT_SLUG, "--as-of", moment],
            plan_then,
        ),
    ]
    m.queries = [Query(label, args, call) for label, args, call in asked]
    m.queries += [Query(label, args) for label, args, _ in asked]
    for query in m.queries:
        how = "the CLI" if query.call is None else "the open store"
        say(f"{m.store}: {query.label} ({how}), up to {repetitions} times or {time_box:.0f} s")
        run_query(url, query, repetitions, time_box)


def run_query(url: str, query: Query, repetitions: int, time_box: float) -> None:
    """Runs the CLI command in process, once untimed, then until ``repetitions``
    timed runs or ``time_box`` seconds from the start (at least one timed run)."""
    runner = CliRunner()
    args = ["--database", url, *query.args]

    def once() -> None:
        if query.call is not None:
            if query.call() is None:
                raise RuntimeError(f"{query.label}: found nothing")
            return
        result = runner.invoke(registre_cli, args)
        if result.exit_code != 0:
            lines = (result.output or str(result.exception)).strip().splitlines()
            raise RuntimeError(
                f"registre {shlex.join(query.args)} exited {result.exit_code}: "
                f"{lines[-1] if lines else ''}"
            )

    started = time.perf_counter()
    once()
    with progress(query.args[0] + " " + query.args[1], repetitions) as advance:
        while len(query.samples) < repetitions and (
            not query.samples or time.perf_counter() - started < time_box
        ):
            begun = time.perf_counter()
            once()
            query.samples.append(time.perf_counter() - begun)
            advance(len(query.samples))


def _verification(m: Measured, service: Registre, url: str) -> None:
    say(f"{m.store}: signing a checkpoint, reading the joined rows, verifying")
    with tempfile.TemporaryDirectory() as folder:
        keys = Path(folder)
        cp.ensure_key(service.store, keys)
        started = time.perf_counter()
        made = cp.create_checkpoint(service.store, "bench", keys)
        m.checkpoint_seconds = time.perf_counter() - started
        m.tree_size = made.tree_size
        public = cp.public_key_bytes(cp.load_private_key(service.store, keys))
    m.joined_rows, m.joined_seconds = timed(lambda: read_joined(AuditTables(service.store)))
    m.verified = in_child("verify", url, public_key=public.hex())


# -- child processes: a rebuild or a verification, and their peak memory -----------------------


def in_child(task: str, url: str, **extra: str) -> dict[str, Any]:
    """Runs ``task`` in a fresh interpreter (its progress on our stderr) and
    returns what it measured, its peak memory included."""
    payload = json.dumps({"task": task, "url": url, **extra})
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", payload, *DEBUG],
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {task} process failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_child(payload: str) -> None:
    """The child's side of ``in_child``: one JSON line on stdout."""
    job = json.loads(payload)
    with Registre.open(parse_url(job["url"])) as service:
        start = peak_rss_mb()
        if job["task"] == "rebuild":
            views = projector_for(service.store)
            head = views.head()
            names = list(views.projections)
            with progress(f"rebuild {len(names)} projections", head) as advance:
                started = time.perf_counter()
                views.replay(*names, progress=lambda position, _head: advance(position))
                seconds = time.perf_counter() - started
            result: dict[str, Any] = {"events": head, "seconds": seconds, "projections": names}
        elif job["task"] == "verify":
            started = time.perf_counter()
            report = verify(service.store, bytes.fromhex(job["public_key"]))
            result = {
                "events": report.events,
                "seconds": time.perf_counter() - started,
                "findings": len(report.findings),
            }
        else:
            raise click.UsageError(f"unknown child task {job['task']!r}")
    result |= {"start_mb": start, "peak_mb": peak_rss_mb()}
    click.echo(json.dumps(result))


HELP_SAMPLES, RECORD_SAMPLES = 5, 10
HELP_LIMIT_MS, RECORD_LIMIT_MS = 150, 250


@dataclass(frozen=True)
class Startup:
    """A clerk runs one command per line of paper: each is a process of its own."""

    help: float  # `registre --help`, median seconds
    record: float  # a recording command on a fresh SQLite store, median seconds
    record_cpu: float  # its processor time (user and system), median seconds
    load: float  # the load average (1 min) when they were measured


def start_times() -> Startup:
    """``registre --help`` as a process (median of 5), then a recording command
    on SQLite as a process (median of 10): ``programme axis`` on a small fresh
    store (``init`` and ``programme open`` first, not timed), signed with the
    deployment's key as a clerk's command is.

    The processes may write the modules' compiled bytecode, as an installed
    package has it (``PYTHONDONTWRITEBYTECODE`` is dropped), and the untimed
    runs before the timed ones write it."""
    script = Path(sys.executable).with_name("registre")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "registre.cli.main"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

    def timed(args: Sequence[str], env: dict[str, str], cwd: str | None = None) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([*command, *args], capture_output=True, check=True, env=env, cwd=cwd)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        return wall

    cpu: list[float] = []
    timed(["--help"], env)
    load = os.getloadavg()[0]
    help_ = statistics.median(timed(["--help"], env) for _ in range(HELP_SAMPLES))
    with tempfile.TemporaryDirectory(prefix="registre-bench-start-") as folder:
        clerk = {
            **env,
            DATABASE_ENV: str(Path(folder) / "registre.db"),
            KEY_DIR_ENV: str(Path(folder) / "keys"),
            ACTOR_ENV_VAR: "greffe",
        }
        timed(["init"], clerk, folder)
        opened = ["programme", "open", "p", "--title", "P", "--organiser", "O"]
        timed([*opened, "--founder", "m=Métropole", "--rule", "any"], clerk, folder)
        cpu.clear()
        record = statistics.median(
            timed(["programme", "axis", "p", f"a{n}", "--title", f"Axe {n}"], clerk, folder)
            for n in range(RECORD_SAMPLES)
        )
    return Startup(help_, record, statistics.median(cpu), (load + os.getloadavg()[0]) / 2)


def startup_targets(startup: Startup) -> list[Target]:
    found = []
    for where, what, seconds, limit in (
        ("the command line", "`registre --help` as a process", startup.help, HELP_LIMIT_MS),
        (
            "sqlite, a fresh store",
            "a recording command as a process",
            startup.record,
            RECORD_LIMIT_MS,
        ),
    ):
        ms = seconds * 1000
        over = f"{times(ms / limit)} times over"
        found.append(Target(where, None, what, f"{ms:,.0f} ms", f"< {limit} ms", ms < limit, over))
    return found


# -- targets -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    store: str
    scale: int | None  # None: not a figure of a generated consultation
    what: str
    figure: str
    goal: str
    met: bool
    gap: str
    judged: bool = True

    def line(self) -> str:
        verdict = "met" if self.met else "NOT met"
        gap = f", {self.gap}" if self.gap and not self.met else ""
        shown = "" if self.judged else f" (judged at {JUDGED_AT:,} events)"
        where = self.store if self.scale is None else f"{self.store}, {self.scale:,} events"
        return f"{where}: {self.what} {self.figure}, target {self.goal}: {verdict}{gap}{shown}"


def times(factor: float) -> str:
    return f"{factor:.2f}" if factor < 10 else f"{factor:.0f}"


def at_least(
    m: Measured, what: str, value: float, goal: float, unit: str, figure: str = ""
) -> Target:
    shown = figure or (f"{value:.2f}{unit}" if unit == "×" else f"{value:,.0f}{unit}")
    goal_text = f"≥ {goal:g}{unit}" if unit == "×" else f"≥ {goal:,.0f}{unit}"
    short = f"{times(goal / value)} times short" if value > 0 else "nothing measured"
    return Target(m.store, m.scale, what, shown, goal_text, value >= goal, short)


def below(m: Measured, what: str, value: float, limit: float, unit: str, judged: bool) -> Target:
    over = f"{times(value / limit)} times over" if limit > 0 else ""
    return Target(
        m.store,
        m.scale,
        what,
        f"{value:,.1f} {unit}",
        f"< {limit:g} {unit}",
        value < limit,
        over,
        judged,
    )


def targets(runs: Sequence[Measured]) -> list[Target]:
    found: list[Target] = []
    for m in runs:
        judged = m.scale >= JUDGED_AT
        found += [
            at_least(m, "clerk path / raw one row per transaction", m.clerk_ratio, 0.8, "×"),
            at_least(m, "import path / raw batched executemany", m.import_ratio, 0.3, "×"),
            at_least(m, "rebuild / raw decode", m.rebuild_rate / m.decode_rate, 0.5, "×"),
            at_least(m, "rebuild", m.rebuild_rate, 50_000, " events/s"),
            at_least(m, "verify / raw read", m.verify_ratio, 0.8, "×"),
            *(
                below(m, f"{what} p99, {how}", m.queries[i].p99 * 1000, limit, "ms", judged)
                for i, what, how, limit in (
                    (0, "trace", "open store", 20),
                    (2, "plan show --as-of", "open store", 500),
                    (3, "trace", "CLI", 20),
                    (5, "plan show --as-of", "CLI", 500),
                )
            ),
            below(m, "rebuild peak RSS", m.rebuild["peak_mb"], MB_LIMIT, "MB", True),
            below(m, "verify peak RSS", m.verified["peak_mb"], MB_LIMIT, "MB", True),
        ]
    for store in dict.fromkeys(m.store for m in runs):
        mine = sorted((m for m in runs if m.store == store), key=lambda m: m.scale)
        if len(mine) < 2:
            continue
        small, large = mine[0], mine[-1]
        for what, key in (("rebuild", "rebuild"), ("verify", "verified")):
            low, high = getattr(small, key)["peak_mb"], getattr(large, key)["peak_mb"]
            growth = high / low - 1
            found.append(
                Target(
                    store,
                    large.scale,
                    f"{what} peak RSS from {small.scale:,} to {large.scale:,} events",
                    f"{low:.0f} → {high:.0f} MB ({growth:+.0%})",
                    f"flat (≤ {FLAT:+.0%})",
                    growth <= FLAT,
                    f"{high - low:.0f} MB more",
                )
            )
    return found


# -- tables ------------------------------------------------------------------------------------


@dataclass
class Table:
    title: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]
    right: tuple[bool, ...]  # right-aligned columns

    def text(self) -> str:
        widths = [
            max(len(r[i]) for r in [self.header, *self.rows]) for i in range(len(self.header))
        ]

        def line(cells: tuple[str, ...]) -> str:
            return (
                "  "
                + "  ".join(
                    c.rjust(w) if right else c.ljust(w)
                    for c, w, right in zip(cells, widths, self.right, strict=True)
                ).rstrip()
            )

        return "\n".join([self.title, line(self.header), *(line(r) for r in self.rows)])

    def markdown(self) -> str:
        def line(cells: Sequence[str]) -> str:
            # A row that details the one above is indented in text; marked here.
            cells = [("↳ " + c[2:] if c.startswith("  ") else c) for c in cells]
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        rule = ["---:" if right else "---" for right in self.right]
        return "\n".join(
            [f"**{self.title}**", "", line(self.header), line(rule), *(line(r) for r in self.rows)]
        )


def verdict(target: Target) -> str:
    return f"{target.goal}: {'met' if target.met else 'NOT met'}"


def tables(m: Measured, found: Sequence[Target]) -> list[Table]:
    mine = {t.what: t for t in found if t.store == m.store and t.scale == m.scale}

    def row(
        step: str, count: int, unit: str, seconds: float, ratio: str = "", target: str = ""
    ) -> tuple[str, ...]:
        return (
            step,
            f"{count:,} {unit}",
            f"{seconds:.2f}",
            f"{rate(count, seconds):,.0f}",
            ratio,
            target,
        )

    def target(what: str) -> str:
        return verdict(mine[what]) if what in mine else ""

    k = m.clerk_commands
    lat = m.clerk_latencies
    rows = [
        row(
            f"import path: generate, {m.batch} commands per transaction",
            m.imported_events,
            "events",
            m.imported_seconds,
            f"{m.import_ratio:.3f}× executemany",
            target("import path / raw batched executemany"),
        ),
    ]
    if m.imported_commands:
        rows.append(
            row("  the same, in commands", m.imported_commands, "commands", m.imported_seconds)
        )
    rows.append(row("raw batched: executemany, one transaction", m.raw_rows, "rows", m.raw_batched))
    if m.raw_copy is not None:
        rows.append(
            row("raw batched: COPY (binary), one transaction", m.raw_rows, "rows", m.raw_copy)
        )
    rows += [
        row(
            "clerk path: Registre.handle, one command per transaction",
            k,
            "commands",
            m.clerk_seconds,
            f"{m.clerk_ratio:.3f}× raw one per transaction",
            target("clerk path / raw one row per transaction"),
        ),
        row("  the same, in events", m.clerk_events, "events", m.clerk_seconds),
        (
            f"  per command: p50 {percentile(lat, 0.5) * 1000:.1f} ms, "
            f"p99 {percentile(lat, 0.99) * 1000:.1f} ms",
            "",
            "",
            "",
            "",
            "",
        ),
        row("raw: one row per transaction", m.raw_single_rows, "rows", m.raw_single),
    ]
    if m.raw_protocol is not None:
        share = 1 - m.raw_single / m.raw_protocol
        rows.append(
            row(
                "raw: one row per transaction, LOCK TABLE + NOTIFY",
                m.raw_single_rows,
                "rows",
                m.raw_protocol,
                f"protocol's share of the time: {share:.0%}",
            )
        )
    rows += [
        row(f"read the log (pages of {PAGE_SIZE:,})", m.head, "events", m.read_seconds),
        row("read and decode (to_domain_event)", m.head, "events", m.decode_seconds),
        row(
            f"rebuild all {len(m.rebuild['projections'])} projections (child process)",
            m.rebuild["events"],
            "events",
            m.rebuild["seconds"],
            f"{m.rebuild_rate / m.decode_rate:.3f}× decode",
            "; ".join(filter(None, (target("rebuild / raw decode"), target("rebuild")))),
        ),
        (
            "  peak RSS of the rebuild",
            "",
            "",
            "",
            f"{m.rebuild['peak_mb']:.0f} MB (at start {m.rebuild['start_mb']:.0f} MB)",
            target("rebuild peak RSS"),
        ),
        row("sign a checkpoint", m.tree_size, "leaves", m.checkpoint_seconds),
        row("read events joined with ledger leaves", m.joined_rows, "rows", m.joined_seconds),
        row(
            "audit verify (child process)"
            + (f", {m.verified['findings']} FINDINGS" if m.verified["findings"] else ""),
            m.verified["events"],
            "events",
            m.verified["seconds"],
            f"{m.verify_ratio:.3f}× raw read",
            target("verify / raw read"),
        ),
        (
            "  peak RSS of verify",
            "",
            "",
            "",
            f"{m.verified['peak_mb']:.0f} MB (at start {m.verified['start_mb']:.0f} MB)",
            target("verify peak RSS"),
        ),
    ]
    steps = Table(
        f"{m.store}, {m.scale:,} events",
        ("step", "count", "seconds", "per second", "ratio", "target"),
        rows,
        (False, True, True, True, False, False),
    )
    goals = {
        0: "trace p99, open store",
        2: "plan show --as-of p99, open store",
        3: "trace p99, CLI",
        5: "plan show --as-of p99, CLI",
    }
    queries = Table(
        f"{m.store}, {m.scale:,} events: queries, on the open store and through the CLI "
        "in process (opening the store each time)",
        ("query", "asked", "runs", "p50 ms", "p99 ms", "target"),
        [
            (
                q.label,
                "CLI" if q.call is None else "open store",
                f"{len(q.samples)}",
                f"{q.p50 * 1000:,.1f}",
                f"{q.p99 * 1000:,.1f}",
                (target(goals[i]) + ("" if m.scale >= JUDGED_AT else f" (judged at {JUDGED_AT:,})"))
                if i in goals
                else "",
            )
            for i, q in enumerate(m.queries)
        ],
        (False, False, True, True, True, False),
    )
    return [steps, queries]


# -- the report ----------------------------------------------------------------------------------


@dataclass
class Report:
    command: str
    started: datetime
    seconds: float
    scales: list[int]
    options: str
    environment: list[str]
    runs: list[Measured]
    skipped: list[str]
    startup: Startup

    def heading(self) -> str:
        scales = " and ".join(f"{n:,}" for n in self.scales)
        return f"{self.started:%Y-%m-%d %H:%M} UTC, {scales} events"

    def parts(self) -> tuple[list[str], list[Table], list[Target]]:
        found = targets(self.runs) + startup_targets(self.startup)
        preamble = [
            f"Command: `{self.command}` ({_duration(self.seconds)}).",
            *self.environment,
            self.options,
            *self.skipped,
        ]
        return preamble, [t for m in self.runs for t in tables(m, found)], found

    def text(self) -> str:
        preamble, all_tables, found = self.parts()
        return "\n\n".join(
            [
                f"Benchmarks, {self.heading()}",
                "\n".join(preamble),
                *(t.text() for t in all_tables),
                "Targets\n" + "\n".join(f"  - {t.line()}" for t in found),
            ]
        )

    def markdown(self) -> str:
        preamble, all_tables, found = self.parts()
        return "\n\n".join(
            [
                f"## {self.heading()}",
                "\n".join(f"- {line}" for line in preamble),
                *(t.markdown() for t in all_tables),
                "Targets:\n\n" + "\n".join(f"- {t.line()}" for t in found),
            ]
        )


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"ran {minutes} min {rest} s" if minutes else f"ran {rest} s"


TITLE = "# Benchmarks"
INTRO = (
    "Sections written by `bench/run.py` (`./dev bench`; see "
    "[bench/README.md](../bench/README.md)), newest first. Every figure comes from the "
    "run its section describes; the floors beside them were measured in the same run."
)
EARLIER = "## Earlier measurements"
EARLIER_NOTE = (
    "Made before `bench/run.py`, with `bench/replay.py` and `bench/verify.py` (since "
    "folded into it) and `bench/import_polis.py`."
)


def prepend(path: Path, section: str) -> None:
    """Writes ``section`` first under the title and introduction; on the first
    run, what the file held before goes under "Earlier measurements"."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    title, _, body = text.partition("\n") if text.startswith("# ") else (TITLE, "", text)
    body = body.strip()
    if body.startswith(INTRO):
        rest = body.removeprefix(INTRO).strip()
    elif body:
        rest = f"{EARLIER}\n\n{EARLIER_NOTE}\n\n{_demote(body)}"
    else:
        rest = ""
    parts = [title.strip(), INTRO, section.strip(), rest]
    path.write_text("\n\n".join(p for p in parts if p) + "\n", encoding="utf-8")


def _demote(markdown: str) -> str:
    """Headings one level down, outside code blocks."""
    lines, fenced = [], False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        lines.append("#" + line if not fenced and line.startswith("##") else line)
    return "\n".join(lines)


# -- the command ---------------------------------------------------------------------------------


def _display(url: str) -> str:
    parts = urlsplit(url)
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"postgresql://{user}{parts.hostname}{port}{parts.path}"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--events",
    "scales",
    type=click.IntRange(min=1000),
    multiple=True,
    default=(10_000, 100_000),
    show_default=True,
    metavar="N",
    help="A scale, in events of the generated consultation (repeat for several).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the generator.")
@click.option(
    "--store",
    type=click.Choice(["sqlite", "postgres", "both"]),
    default="both",
    show_default=True,
    help="Which stores to measure.",
)
@click.option(
    "--output",
    metavar="PATH",
    help="Markdown file to prepend the report to (default: the repository's "
    "docs/benchmarks.md); - to write none.",
)
@click.option(
    "--repetitions",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Timed runs of each query (fewer if the time box runs out).",
)
@click.option(
    "--time-box",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Seconds after which a query stops being repeated (it always runs once).",
)
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Commands per transaction on the import path.",
)
@click.option("--debug", is_flag=True, help="Show the traceback of a failure.")
@click.option("--child", hidden=True)
@click.pass_context
def main(
    ctx: click.Context,
    scales: tuple[int, ...],
    seed: int,
    store: str,
    output: str | None,
    repetitions: int,
    time_box: float,
    batch: int,
    debug: bool,
    child: str | None,
) -> None:
    """Measure Registre at scale on SQLite and PostgreSQL, beside the raw limits
    of each store, and report the targets met or not."""
    if debug:
        DEBUG.append("--debug")
    try:
        if child is not None:
            run_child(child)
        else:
            report(ctx, sorted(set(scales)), seed, store, output, repetitions, time_box, batch)
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except Exception as error:
        if debug:
            raise
        first = str(error).strip().splitlines()
        raise click.ClickException(
            f"failed: {type(error).__name__}: {first[0] if first else ''} (rerun with --debug)"
        ) from None


def report(
    ctx: click.Context,
    scales: list[int],
    seed: int,
    store: str,
    output: str | None,
    repetitions: int,
    time_box: float,
    batch: int,
) -> None:
    stores = ["sqlite", "postgres"] if store == "both" else [store]
    skipped: list[str] = []
    admin = postgres_admin_url()
    if "postgres" in stores and (reason := postgres_unreachable(admin)):
        message = f"PostgreSQL at {_display(admin)} cannot be reached: {reason}"
        explicit = ctx.get_parameter_source("store") is not ParameterSource.DEFAULT
        if explicit or os.environ.get("CI", "").lower() == "true":
            raise click.ClickException(
                f"{message} (set REGISTRE_BENCH_POSTGRES_URL to a maintenance database)"
            )
        say(f"warning: {message}; measuring SQLite only")
        skipped.append(f"PostgreSQL skipped: {message}.")
        stores.remove("postgres")
    started_at, started = datetime.now(UTC), time.perf_counter()
    target = None if output == "-" else Path(output) if output else DEFAULT_OUTPUT
    if target is not None and not target.resolve().parent.is_dir():
        raise click.ClickException(f"--output {output}: its folder does not exist")
    runs: list[Measured] = []
    for scale in scales:
        for kind in stores:
            store_cm = sqlite_store() if kind == "sqlite" else postgres_store(admin)
            with store_cm as url:
                runs.append(measure(kind, url, scale, seed, batch, repetitions, time_box))
    say("a command as a process: registre --help, then a recording command on SQLite")
    startup = start_times()
    environment = describe(runs, admin, startup)
    options = (
        f"Seed {seed}; {batch} commands per transaction on the import path; clerk path "
        f"{', '.join(f'{clerk_sample(n):,}' for n in scales)} commands; each query run once "
        f"untimed, then up to {repetitions} times within {time_box:g} s."
    )
    argv = shlex.join(sys.argv[1:])
    command = f"python bench/run.py{' ' + argv if argv else ''}"
    if through := os.environ.get(COMMAND_ENV):
        command = f"{through}`, that is `{command}"
    result = Report(
        command,
        started_at,
        time.perf_counter() - started,
        scales,
        options,
        environment,
        runs,
        skipped,
        startup,
    )
    click.echo(result.text())
    if target is not None:
        prepend(target, result.markdown())
        say(f"report prepended to {target}")


def describe(runs: Sequence[Measured], admin: str, startup: Startup) -> list[str]:
    m, v = machine(), versions()
    stores = [f"SQLite {v['sqlite']}"]
    sqlite_settings = next((r.settings for r in runs if r.store == "sqlite"), None)
    postgres_settings = next((r.settings for r in runs if r.store == "postgres"), None)
    if postgres_settings:
        stores.append(f"PostgreSQL {postgres_settings['server_version']}")
    lines = [
        f"Machine: {m['cores']} cores, {m['memory']} memory, {m['cpu']}; {m['system']}.",
        f"Versions: Python {v['python']}, {', '.join(stores)}, psycopg {v['psycopg']}, "
        f"eventsourcing {v['eventsourcing']}.",
        f"Commit: {commit()}.",
    ]
    if sqlite_settings:
        lines.append(
            "SQLite: journal_mode "
            f"{sqlite_settings['journal_mode']}, synchronous {sqlite_settings['synchronous']} "
            "(read from the application's connection; the raw floors use the same: "
            f"{sqlite_settings['journal_mode (raw)']}, {sqlite_settings['synchronous (raw)']})."
        )
    if postgres_settings:
        lines.append(
            f"PostgreSQL: {_display(admin).rsplit('/', 1)[0]}, fsync {postgres_settings['fsync']}, "
            f"synchronous_commit {postgres_settings['synchronous_commit']}, shared_buffers "
            f"{postgres_settings['shared_buffers']}."
        )
    lines.append(
        f"Interpreter and imports (`registre --help` as a process, median of {HELP_SAMPLES}): "
        f"{startup.help * 1000:,.0f} ms; a recording command on SQLite as a process "
        f"(`registre programme axis` on a fresh store, signed, median of {RECORD_SAMPLES}): "
        f"{startup.record * 1000:,.0f} ms ({startup.record_cpu * 1000:,.0f} ms of processor "
        f"time); load average {startup.load:.1f} meanwhile; "
        "compiled bytecode cached, as an installed package has it."
    )
    return lines


def entry() -> None:
    """One line and a non-zero exit for any failure; the traceback only with --debug."""
    try:
        main.main(standalone_mode=False)
    except click.UsageError as error:
        hint = " (see: bench/run.py --help)"
        click.echo(f"bench: {error.format_message()}{hint}", err=True)
        sys.exit(error.exit_code)
    except click.ClickException as error:
        click.echo(f"bench: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("bench: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    entry()
