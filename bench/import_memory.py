"""The memory and speed of a large import, beside the store's raw floor.

Generates a file of N rows and imports it through ``registre import``'s code
path (every row checked, then saved in chunks with their receipts and ledger
leaves), each import in a child process of its own so that its peak resident
memory is its own:

- ``pabulib``: a participatory budget of N ballots (50 projects, approval
  of 1 to 5 projects, seeded), each ballot an anonymous participant and a
  ballot cast whole;
- ``sheets``: a participants sheet of N named people (names and contacts
  sealed in the personal data), then a votes sheet of N votes by them in an
  approval round over 50 proposals: participant rows beside vote rows.

Then the same number of events (at most the last 1,000,000, so that the
floor's own rows do not weigh on the machine), as the import stored them, is
inserted into a plain table of the same store in one transaction
(``executemany``): the raw floor. Prints rows, events, seconds, events/s and
peak RSS (VmHWM); not a test, nothing is asserted. With ``--trace-memory``,
``tracemalloc`` runs during the import (much slower) and the largest
allocation sites are printed as the checking ends, when most is held.

    python bench/import_memory.py --rows 700000 --kind pabulib --store both
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import click
from common import (
    RawPostgres,
    RawSQLite,
    peak_rss_mb,
    postgres_store,
    sqlite_pragmas,
    sqlite_store,
    stored_rows,
)

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.importers.pabulib import plan_pabulib
from registre.adapters.importers.runner import ImportReport, run
from registre.adapters.importers.sheet import plan_sheet
from registre.adapters.stores.config import parse_url
from registre.domain import DecisionRule, Method, OrganisationType, SessionKind

PROJECTS = 50
FLOOR_ROWS = 1_000_000


def pabulib_file(path: Path, voters: int, seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("META\nkey;value\ndescription;Generated budget\ncountry;Testland\n")
        out.write(f"unit;Bench\nnum_projects;{PROJECTS}\nnum_votes;{voters}\n")
        out.write("budget;1000000\nvote_type;approval\nmin_length;1\nmax_length;5\n")
        out.write("PROJECTS\nproject_id;cost;name\n")
        for p in range(1, PROJECTS + 1):
            out.write(f"{p};{rng.randint(10, 200) * 1000};Project {p}\n")
        out.write("VOTES\nvoter_id;vote\n")
        for v in range(1, voters + 1):
            chosen = rng.sample(range(1, PROJECTS + 1), rng.randint(1, 5))
            out.write(f"{v};{','.join(map(str, chosen))}\n")


def sheet_files(folder: Path, rows: int, seed: int) -> tuple[Path, Path]:
    rng = random.Random(seed)
    people, votes = folder / "participants.csv", folder / "votes.csv"
    with people.open("w", encoding="utf-8") as out:
        out.write("key,name,organisation,organisation_type,contact\n")
        for i in range(rows):
            out.write(f"P-{i},Personne {i},Association {i % 500},association,p{i}@example.org\n")
    with votes.open("w", encoding="utf-8") as out:
        out.write("round,participant,proposal\n")
        for i in range(rows):
            out.write(f"R1,P-{i},F{rng.randint(1, PROJECTS)}\n")
    return people, votes


def _open(service: Registre, ctx: c.Context) -> None:
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


def _sheet_setup(service: Registre, ctx: c.Context) -> None:
    """A session, a contribution and PROJECTS proposals, and an approval round over them."""
    handle = service.handle
    handle(
        c.ScheduleSession(
            programme="bench", key="S1", kind=SessionKind.WORKSHOP, on=date(2024, 1, 1)
        ),
        ctx,
    )
    handle(
        c.RegisterParticipant(
            programme="bench",
            key="ORG",
            organisation="Ville",
            organisation_type=OrganisationType.LOCAL_AUTHORITY,
        ),
        ctx,
    )
    handle(
        c.SubmitContribution(
            programme="bench", key="C1", session="S1", authors=["ORG"], text="Idée"
        ),
        ctx,
    )
    for p in range(1, PROJECTS + 1):
        handle(
            c.SynthesiseProposal(
                programme="bench", key=f"F{p}", title=f"F{p}", sources=[c.SourceRef.parse("C1")]
            ),
            ctx,
        )
    proposals = [f"F{p}" for p in range(1, PROJECTS + 1)]
    handle(
        c.OpenRound(
            programme="bench",
            key="R1",
            session="S1",
            method=Method.APPROVAL,
            limit=5,
            proposals=proposals,
        ),
        ctx,
    )


def _measure(
    url: str, kind: str, rows: int, seed: int, folder: Path, trace: bool
) -> dict[str, Any]:
    """One import in this process: its figures, then its raw floor."""
    figures: dict[str, Any] = {}
    sites: list[str] = []

    def progress(step: str, done: int, total: int) -> None:
        if trace and step == "recording" and not sites:
            snapshot = tracemalloc.take_snapshot()
            for stat in snapshot.statistics("lineno")[:12]:
                sites.append(f"{stat.size / 1e6:8.1f} MB {stat.count:>9,} blocks  {stat.traceback}")

    if trace:
        tracemalloc.start()
    with Registre.open(parse_url(url)) as service:
        ctx = c.Context(actor="bench")
        _open(service, ctx)
        imports: list[tuple[str, Any]] = []
        if kind == "pabulib":
            path = folder / "bench.pb"
            pabulib_file(path, rows, seed)
            imports.append(("pabulib ballots", lambda: plan_pabulib("bench", str(path))))
        else:
            _sheet_setup(service, ctx)
            people, votes = sheet_files(folder, rows, seed)
            imports.append(("participant rows", lambda: plan_sheet("bench", str(people), None)))
            imports.append(("vote rows", lambda: plan_sheet("bench", str(votes), None)))
        events = 0
        for label, planned in imports:
            started = time.perf_counter()
            report: ImportReport = run(service, planned(), ctx, progress)
            seconds = time.perf_counter() - started
            figures[label] = {
                "rows": report.rows,
                "events": report.events,
                "seconds": seconds,
                "peak_mb": peak_rss_mb(),
            }
            if trace:
                figures[label]["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
                figures[label]["sites"], sites[:] = list(sites), []
            events += report.events
        head = service.store.app.recorder.max_notification_id() or 0
        floor = min(events, FLOOR_ROWS)
        stored = stored_rows(service, after=head - floor, limit=floor)
        postgres = url.startswith("postgresql")
        raw = RawPostgres(url) if postgres else RawSQLite(url, sqlite_pragmas(service))
    try:
        figures["raw floor"] = {"rows": len(stored), "events": len(stored)}
        figures["raw floor"]["seconds"] = raw.batched(stored)
    finally:
        raw.close()
    return figures


@click.command()
@click.option("--rows", "scales", type=int, multiple=True, default=[100_000], show_default=True)
@click.option("--kind", type=click.Choice(["pabulib", "sheets"]), default="pabulib")
@click.option("--store", type=click.Choice(["sqlite", "postgres", "both"]), default="both")
@click.option("--seed", type=int, default=13, show_default=True)
@click.option("--trace-memory", is_flag=True, help="Show where the memory goes (slow).")
@click.option("--child", type=str, hidden=True, help="Run one measurement in this process.")
def main(
    scales: tuple[int, ...],
    kind: str,
    store: str,
    seed: int,
    trace_memory: bool,
    child: str | None,
) -> None:
    """Measure a large import's peak memory and speed beside the raw floor."""
    if child is not None:
        with tempfile.TemporaryDirectory() as folder:
            figures = _measure(child, kind, scales[0], seed, Path(folder), trace_memory)
        print(json.dumps(figures))
        return
    stores = ["sqlite", "postgres"] if store == "both" else [store]
    for rows in scales:
        for name in stores:
            context = sqlite_store() if name == "sqlite" else postgres_store()
            url = context.__enter__()
            try:
                argv = [sys.executable, __file__, "--child", url, "--rows", str(rows)]
                done = subprocess.run(
                    [*argv, "--kind", kind, "--seed", str(seed)]
                    + (["--trace-memory"] if trace_memory else []),
                    capture_output=True,
                    text=True,
                    check=False,
                )
            finally:
                context.__exit__(*sys.exc_info())
            if done.returncode != 0:
                click.echo(f"{name}, {rows:,} rows: failed\n{done.stderr[-2000:]}")
                continue
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            click.echo(f"\n{kind}, {rows:,} rows, {name}")
            click.echo(
                f"  {'step':<20} {'rows':>10} {'events':>10} {'seconds':>9} "
                f"{'events/s':>10} {'rows/s':>9} {'peak RSS':>9}"
            )
            for label, f in figures.items():
                peak = f"{f['peak_mb']:,.0f} MB" if "peak_mb" in f else ""
                click.echo(
                    f"  {label:<20} {f['rows']:>10,} {f['events']:>10,} {f['seconds']:>9.1f} "
                    f"{f['events'] / f['seconds']:>10,.0f} {f['rows'] / f['seconds']:>9,.0f} "
                    f"{peak:>9}"
                )
            for label, f in figures.items():
                if "sites" in f:
                    click.echo(
                        f"\n  {label}: traced peak {f['traced_peak_mb']:,.0f} MB; held "
                        "as the checking ends, by site:"
                    )
                    for site in f["sites"]:
                        click.echo(f"    {site}")


if __name__ == "__main__":
    main()
