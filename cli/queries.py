"""Reading the record: the plan, the history, and the projections behind them.

Every query first brings the projections it reads up to the head of the log,
so it answers from everything recorded; operators can keep them current with
``registre follow`` and rebuild them with ``registre replay``.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import click

from registre.adapters.stores import Store
from registre.cli.app import App
from registre.cli.output import CliError, emit_json, warn
from registre.cli.texts import example
from registre.domain.errors import NotFound
from registre.domain.reading import ProgrammeFigures, programme_totals
from registre.projections import projector_for
from registre.projections.audit_log import has_events, read_history
from registre.projections.history import kinds, what
from registre.projections.phrases import plural
from registre.projections.plan import ActionPlan, PlanPriority, read_plan
from registre.projections.programmes import VIEWS as FIGURES_VIEWS
from registre.projections.programmes import read_figures
from registre.projections.runner import ProgressFn, Projector


@contextmanager
def projector() -> Iterator[tuple[Store, Projector]]:
    """The store the options name, and the projections kept in it."""
    with App.current().store() as store:
        yield store, projector_for(store, _skipped)


def _skipped(projection: str, position: int, said: str) -> None:
    """A projection went past an event it could not store: the clerk hears of it
    at once, and can annul the record (`registre correct`)."""
    warn(
        f"projection {projection} could not store the event at #{position} ({said}) and went "
        f"past it; if it was recorded by mistake, annul it: registre correct SLUG {position}"
    )


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressFn | None]:
    """A bar with an ETA on a terminal; nothing when stderr is piped."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(
        length=1, label=label, file=sys.stderr, show_eta=True, show_pos=True
    ) as bar:

        def update(position: int, head: int) -> None:
            bar.length = max(head, 1)
            bar.update(position - bar.pos)

        yield update


def end_of(text: str, option: str) -> tuple[datetime, bool]:
    """An ISO 8601 date or date-time as a UTC bound, and whether the bound is
    exclusive: a bare date stands for the whole day, up to the next midnight.
    Times without an offset are UTC, as they are when recorded."""
    try:
        if len(text.strip()) == 10:
            day = date.fromisoformat(text.strip())
            return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1), True
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(
            f"{option} {text!r} is not a date; give an ISO 8601 date such as 2022-03-01 "
            "or 2022-03-01T18:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC), False


def recorded_by(views: Projector, text: str) -> int:
    """The last store position recorded at or before the end of a date (0: none)."""
    bound, exclusive = end_of(text, "--as-of")
    views.catch_up(["audit"])
    # recorded_at is always stored in UTC by isoformat(), so these ISO strings
    # compare as the moments they name. The order of recording is not quite the
    # order of the log (a command takes its time before it commits), so every
    # event recorded by then is looked at, in the index on (recorded_at,
    # position) alone: ``+position`` keeps the stores from walking the log
    # backwards from its head through the table instead, row by row.
    with views.reading("audit") as db:
        row = db.rows(
            "SELECT MAX(+position) AS position FROM {events} "
            f"WHERE recorded_at {'<' if exclusive else '<='} ?",
            (bound.isoformat(timespec="microseconds"),),
        )
    return int(row[0]["position"] or 0)


def occurred_by(text: str) -> Callable[[Any], bool]:
    """Whether an event happened at or before the end of a date."""
    bound, exclusive = end_of(text, "--as-of")

    def keep(event: Any) -> bool:
        audit = getattr(event, "audit", None)
        if audit is None:
            return True
        occurred: datetime = audit.occurred_at
        if occurred.tzinfo is None:
            occurred = occurred.replace(tzinfo=UTC)
        return occurred < bound if exclusive else occurred <= bound

    return keep


@click.command(
    "show",
    epilog=example(
        "registre plan show fabrik-medvallee",
        "registre --json plan show fabrik",
        "registre plan show fabrik --at 1200",
        "registre plan show fabrik --as-of 2022-03-31",
        "registre plan show fabrik --as-of 2022-03-31 --by-occurrence",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.option(
    "--at",
    "at",
    type=int,
    metavar="POSITION",
    help="The plan as the record stood at this position.",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    help="The plan as recorded by the end of this date or date-time (ISO 8601, UTC by default).",
)
@click.option(
    "--by-occurrence",
    is_flag=True,
    help="With --as-of: the plan from what had happened by then (occurred_at), "
    "whenever it was recorded. The order of occurrence is not the order of the record, "
    "so this view is rebuilt from the first event for each question: slower on a "
    "large record than --at and --as-of alone, which read the plan's stored history.",
)
def plan_show(programme: str, at: int | None, as_of: str | None, by_occurrence: bool) -> None:
    """Show the current action plan: adopted priorities by axis, with each
    founder's decision and the actions under way; or the plan as it stood at
    a position of the record or on a date, read from the history the plan
    keeps (with --by-occurrence, rebuilt from the log)."""
    app = App.current()
    if at is not None and as_of is not None:
        raise CliError("give either --at POSITION or --as-of DATE, not both")
    if by_occurrence and as_of is None:
        raise CliError("--by-occurrence needs --as-of DATE")
    stands: dict[str, Any] = {}
    with projector() as (_, views):
        head = views.head()
        if at is not None:
            if not 1 <= at <= head:
                raise CliError(f"--at {at} is not a position of the record (1 to {head})")
            stands = {"position": at}
            plan = _plan_at(views, programme, at)
        elif as_of is not None and by_occurrence:
            keep = occurred_by(as_of)
            stands = {"occurred_by": as_of, "head": head}
            with views.build_at("plan", head, keep) as db:
                plan = read_plan(db, programme)
        elif as_of is not None:
            position = recorded_by(views, as_of)
            stands = {"recorded_by": as_of, "position": position}
            plan = _plan_at(views, programme, position) if position else None
        else:
            views.catch_up(["plan"])
            with views.reading("plan") as db:
                plan = read_plan(db, programme)
        figures = None
        if plan is not None and plan.sub_programmes and not stands:
            views.catch_up(list(FIGURES_VIEWS))
            figures = read_figures(views, programme)
    if plan is None:
        when = f" {_describe(stands)}" if stands else ""
        raise NotFound(f"no programme {programme!r} in this store{when}")
    if app.json:
        added = {"within": within_json(figures)} if figures is not None else {}
        emit_json(_as_json(plan) | added | ({"as_of": stands} if stands else {}))
        return
    click.echo("\n".join(_plan_lines(plan, stands, figures)))


def _plan_lines(
    plan: ActionPlan, stands: dict[str, Any], figures: ProgrammeFigures | None
) -> Iterator[str]:
    """The plan as text, line by line (written at once: a national plan has
    tens of thousands of lines)."""
    if stands:
        yield _describe(stands)
    adopted = plural(len(plan.priorities), "adopted priority", "adopted priorities", "en")
    yield f"{plan.title} — action plan ({adopted})"
    yield f"decision rule: {plan.rule} of {', '.join(plan.founders.values())}"
    structure = plan.structure
    if plan.part_of is not None:
        yield f"part of programme {plan.part_of[0]} ({plan.part_of[1]})"
    if figures is not None:
        yield from within_lines(figures)
    elif plan.sub_programmes:
        within = ", ".join(f"{slug} ({title})" for slug, title in plan.sub_programmes)
        yield f"programmes within it: {within}"
    if structure.nested:
        yield f"structure: {structure.levels_phrase()}"
        yield from _tree_lines(plan)
    else:
        for axis, priorities in plan.by_axis().items():
            yield ""
            yield f"{plan.axes.get(axis, axis) if axis else '(no axis)'}"
            for p in priorities:
                yield from _priority_lines(plan, p, "  ")
    if not plan.priorities:
        itself = " in the programme itself" if figures is not None else ""
        yield f"no priority has been adopted{itself} yet"
    if plan.results:
        yield ""
        yield "results the body accounts for, with the proposals behind them"
        for r in plan.results:
            yield f"  result {r.key}: {r.title} — {r.lead}, {r.status} {r.progress}%"
            for key, title in r.proposals:
                yield f"      {key}  {title}"


def _counts(participants: int, proposals: int, adopted: int) -> str:
    return ", ".join(
        (
            plural(participants, "participant", lang="en"),
            plural(proposals, "proposal", lang="en"),
            plural(adopted, "adopted priority", "adopted priorities", "en"),
        )
    )


def echo_within(figures: ProgrammeFigures) -> None:
    """A programme's figures with the programmes within it, each with its own
    and its adopted priorities: what ``plan show`` and ``stats`` both say."""
    click.echo("\n".join(within_lines(figures)))


def within_lines(figures: ProgrammeFigures) -> Iterator[str]:
    totals = programme_totals(figures)
    within = plural(totals.programmes, "programme", lang="en")
    yield f"with the {within} within it: " + _counts(
        totals.participants, totals.proposals, totals.adopted
    )
    yield f"  itself: {_counts(figures.participants, figures.proposals, figures.adopted)}"

    def lines(f: ProgrammeFigures, indent: str) -> Iterator[str]:
        t = programme_totals(f)
        counts = _counts(t.participants, t.proposals, t.adopted)
        yield f"{indent}{f.programme} ({f.title}): {counts}"
        for title in f.priorities:
            yield f"{indent}    - {title}"
        for sub in f.within:
            yield from lines(sub, indent + "  ")

    for sub in figures.within:
        yield from lines(sub, "  ")


def within_json(figures: ProgrammeFigures) -> dict[str, Any]:
    """The same, for machines: the totals, then each programme within it."""
    totals = programme_totals(figures)

    def one(f: ProgrammeFigures) -> dict[str, Any]:
        return {
            "programme": f.programme,
            "title": f.title,
            "participants": f.participants,
            "proposals": f.proposals,
            "adopted": f.adopted,
            "priorities": list(f.priorities),
            "totals": vars(programme_totals(f)),
            "within": [one(sub) for sub in f.within],
        }

    return {"totals": vars(totals), "programmes": [one(sub) for sub in figures.within]}


def _tree_lines(plan: ActionPlan) -> Iterator[str]:
    """The priorities under the parts of a structure that nests: each part that
    holds one, or leads to one, with its level word, indented by its depth."""
    grouped = plan.by_axis()
    structure = plan.structure
    for part, depth in structure.leading_to(k for k in grouped if k is not None):
        indent = "  " * depth
        if depth == 0:
            yield ""
        yield f"{indent}{part.level} {part.key}: {part.title}"
        for p in grouped.get(part.key, []):
            yield from _priority_lines(plan, p, indent + "  ")
    elsewhere = [p for a, ps in grouped.items() if a is None or a not in structure for p in ps]
    if elsewhere:
        yield ""
        yield "(no axis)"
        for p in elsewhere:
            yield from _priority_lines(plan, p, "  ")


def _priority_lines(plan: ActionPlan, p: PlanPriority, indent: str) -> Iterator[str]:
    more = indent + "    "
    yield f"{indent}{p.key}  {p.title}"
    if p.adopted_on:
        yield f"{more}adopted on {p.adopted_on[:10]}, when the {plan.rule} rule was met"
    if p.validated_by:
        yield f"{more}validated by {p.validated_by} (minutes {p.minutes})"
    else:  # at a position inside the command that annulled its validation
        yield f"{more}its validation was just annulled"
    for founder, d in p.decisions.items():
        name = plan.founders.get(founder, founder)
        yield f"{more}{name}: {d['decision']} — {d['rationale']}"
    for a in p.actions:
        due = f", due {a.due}" if a.due else ""
        yield f"{more}action {a.key}: {a.title} — {a.lead}, {a.status} {a.progress}%{due}"


def _plan_at(views: Projector, programme: str, position: int) -> ActionPlan | None:
    """The plan as it stood at a position, read from the rows that held then."""
    views.catch_up(["plan"])
    with views.reading("plan") as db:
        return read_plan(db, programme, at=position)


def _describe(stands: dict[str, Any]) -> str:
    if "occurred_by" in stands:
        return f"from what had happened by {stands['occurred_by']} (events up to #{stands['head']})"
    if "recorded_by" in stands:
        return f"as recorded by the end of {stands['recorded_by']} (up to #{stands['position']})"
    return f"as the record stood at #{stands['position']}"


def _as_json(plan: ActionPlan) -> dict[str, Any]:
    structure = plan.structure

    def path(axis: str | None) -> list[dict[str, str]]:
        chain = structure.path(axis) if axis else []
        return [{"key": p.key, "title": p.title, "level": p.level} for p in chain]

    return {
        "programme": plan.programme,
        "title": plan.title,
        "rule": plan.rule,
        "founders": plan.founders,
        "axes": plan.axes,
        "part_of": (
            {"programme": plan.part_of[0], "title": plan.part_of[1]} if plan.part_of else None
        ),
        "sub_programmes": [{"programme": k, "title": t} for k, t in plan.sub_programmes],
        "structure": {
            "levels": [{"level": level, "parts": n} for level, n in structure.levels()],
            "parts": [
                {
                    "key": part.key,
                    "title": part.title,
                    "level": part.level,
                    "parent": part.parent,
                    "depth": depth,
                    "path": structure.path_title(part.key),
                }
                for part, depth in structure.walk()
            ],
        },
        "priorities": [
            vars(p)
            | {
                "actions": [vars(a) for a in p.actions],
                "axis_path": path(p.axis),
                "axis_level": structure.parts[p.axis].level
                if p.axis is not None and p.axis in structure
                else None,
            }
            for p in plan.priorities
        ],
    } | (
        # Only where the body accounts for results: other plans read as they did.
        {
            "results": [
                vars(r) | {"proposals": [{"key": k, "title": t} for k, t in r.proposals]}
                for r in plan.results
            ]
        }
        if plan.results
        else {}
    )


@click.command(
    epilog=example(
        "registre history fabrik-medvallee --kind FounderDecided",
        "registre history fabrik-medvallee --actor greffe-medvallee --since 2022-03-01",
    )
)
@click.argument("programme", metavar="SLUG")
@click.option("--actor", help="Only what this actor recorded.")
@click.option(
    "--kind", help="Only this kind of event (e.g. Validated) or of subject (e.g. proposal)."
)
@click.option(
    "--since",
    metavar="DATE",
    help="Only what happened on or after this date (ISO 8601): the date each line shows.",
)
@click.option(
    "--until",
    metavar="DATE",
    help="Only what happened before this date (ISO 8601): the date each line shows.",
)
@click.option("--receipts", is_flag=True, help="Also list the command receipts.")
def history(
    programme: str,
    actor: str | None,
    kind: str | None,
    since: str | None,
    until: str | None,
    receipts: bool,
) -> None:
    """List every recorded event of a programme in store order: when it
    happened, what it did, who recorded it, for whom, when, and its source."""
    app = App.current()
    if kind is not None and kind not in kinds():
        raise CliError(
            f"--kind {kind!r} is not a kind of record or subject "
            f"(for example: {', '.join(sorted(kinds())[:8])}, ...)"
        )
    with projector() as (_, p):
        p.catch_up(["audit"])
        with p.reading("audit") as db:
            if not has_events(db, programme):
                raise NotFound(f"no programme {programme!r} in this store")
            rows = read_history(db, programme, actor, kind, since, until, receipts)
    if app.json:
        emit_json([r | {"what": what(r)} for r in rows])
        return
    for r in rows:
        behalf = f" for {r['on_behalf_of']}" if r["on_behalf_of"] else ""
        source = f" [{r['source']}]" if r["source"] else ""
        click.echo(
            f"#{r['position']:<6} {r['occurred_at'][:10]}  {what(r)} — "
            f"recorded {r['recorded_at'][:16]} by {r['actor']}{behalf}{source}"
        )


@click.command(epilog=example("registre status", "registre --json status"))
def status() -> None:
    """Show the store, and each projection's position and lag behind the log."""
    app = App.current()
    with projector() as (opened, p):
        rows = p.status()
        store = opened.config.display
    if app.json:
        emit_json(
            {
                "store": store,
                "projections": [
                    {
                        "name": s.name,
                        "generation": s.generation,
                        "position": s.position,
                        "head": s.head,
                        "lag": s.lag,
                        "rebuilding_at": s.rebuilding,
                    }
                    for s in rows
                ],
            }
        )
        return
    click.echo(f"store: {store}")
    head = rows[0].head if rows else 0
    click.echo(f"events recorded: {head}")
    for s in rows:
        state = "never built" if s.generation == 0 else f"at #{s.position}, {s.lag} behind"
        rebuilding = f"; replay stopped at #{s.rebuilding}" if s.rebuilding is not None else ""
        click.echo(f"  {s.name:<14} {state}{rebuilding}")


@click.command(epilog=example("registre replay", "registre replay plan"))
@click.argument("projection", required=False)
def replay(projection: str | None) -> None:
    """Rebuild one projection (or all, in one pass over the log) from the
    first event into fresh tables, then swap them in at once; readers never
    see a half-built view. An interrupted replay resumes where it stopped."""
    with projector() as (_, p):
        names = [projection] if projection else list(p.projections)
        unknown = [n for n in names if n not in p.projections]
        if unknown:
            raise CliError(
                f"no projection {unknown[0]!r} (projections: {', '.join(p.projections)})"
            )
        started = time.monotonic()
        with progress_bar(f"replaying {', '.join(names)}") as update:
            p.replay(*names, progress=update)
        elapsed = time.monotonic() - started
        click.echo(f"replayed {', '.join(names)} up to #{p.head()} in {elapsed:.1f} s", err=True)


@click.command(epilog=example("registre follow --interval 2"))
@click.option(
    "--interval", default=1.0, show_default=True, help="Seconds between two looks at the log."
)
@click.option("--once", is_flag=True, help="Catch up once and stop.")
def follow(interval: float, once: bool) -> None:
    """Keep every projection up to date with the log, until interrupted."""
    with projector() as (_, p):
        if not once:
            click.echo("following the log; stop with Ctrl-C", err=True)
        stopping = threading.Event()
        if once:
            stopping.set()
        # A service manager stops a daemon with SIGTERM: finish the page, then stop.
        signal.signal(signal.SIGTERM, lambda *_: stopping.set())
        try:
            p.catch_up()
            p.follow(interval, stopping.is_set)
        except KeyboardInterrupt:
            pass
        if not once:
            click.echo("stopped", err=True)
