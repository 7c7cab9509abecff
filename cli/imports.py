"""``registre import``: sheets, Pol.is exports and Pabulib budgets, checked whole, then recorded."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from registre.adapters.application import commands as c
from registre.adapters.importers.decidim import plan_decidim
from registre.adapters.importers.pabulib import plan_pabulib
from registre.adapters.importers.polis import plan_polis
from registre.adapters.importers.runner import ImportReport, Plan, Progress, run
from registre.adapters.importers.sheet import KINDS, plan_sheet, write_template
from registre.cli.app import ACTOR_ENV_VAR, App
from registre.cli.output import emit_json, invalid, problem_lines
from registre.cli.texts import example


@click.group("import", epilog=example("registre import template ./modeles"))
def import_() -> None:
    """Import workshop sheets (CSV, XLSX), Pol.is, Decidim and Pabulib exports.

    A file with a bad row records nothing and lists every bad row as
    FILE:LINE: reason. Importing the same file again records nothing; an
    import that was interrupted, run again, records what is missing.
    """


def _recording_options(f: Any) -> Any:
    f = click.option(
        "--occurred-at",
        metavar="WHEN",
        help="Date for rows without one (ISO 8601); default now.",
    )(f)
    f = click.option(
        "--on-behalf-of", metavar="NAME", help="Whom the recorder acts for, if not self."
    )(f)
    return click.option(
        "--as",
        "actor",
        envvar=ACTOR_ENV_VAR,
        metavar="ACTOR",
        help=f"Who is recording (required; or set {ACTOR_ENV_VAR}).",
    )(f)


@import_.command(
    "sheet",
    epilog=example(
        "registre import sheet labo atelier-A1.xlsx --as greffe",
        "registre import sheet labo votes-R1.csv --kind votes --as greffe",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("file", metavar="FILE")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="What a CSV file holds (default: told by its columns); for a workbook, one sheet only.",
)
@_recording_options
def sheet(
    programme: str,
    file: str,
    kind: str | None,
    actor: str | None,
    on_behalf_of: str | None,
    occurred_at: str | None,
) -> None:
    """Import sheets of a programme: a CSV file of one kind, or a workbook.

    \b
    Columns (see `registre import template`); lists are separated by ;
      programme:     title, organiser, founders (ville=Ville de Nantes;
                     metropole=Nantes Métropole), rule, part_of, date
                     (opens the programme SLUG: one row)
      axes:          key, title, parent (the part it hangs under), level
                     (thème, axe de travail, concept...; default axe), date
      sessions:      key, kind, on, title, axes, facilitators, date
      participants:  key, name, organisation, organisation_type, contact,
                     organisation_is_person, date
      attendance:    session, participant, date
      contributions: key, session, authors, text, axis, date
      proposals:     key, title, sources (C-1@2;C-3), text, axis, date
      rounds:        key, session, method, proposals, limit, max_score,
                     min_votes, max_per_proposal, budget, costs (F1=1200;F2=800),
                     date, closed (the date it closed, after its votes)
      votes:         round, participant, proposal, value, date
      validations:   proposal, body, minutes, outcome (validated, returned,
                     rejected), date
      decisions:     proposal, founder, decision (approve, reject, amend),
                     rationale, revise (oui to replace the founder's decision), date
      actions:       key, priority, title, lead, partners, due, date
      progress:      action, status, percent, note, date
    A CSV file's kind is told by its columns. A workbook has a sheet per kind,
    named so, imported in the order above (a round closed after the votes).
    Each row is recorded as the matching command would record it; names and
    contacts are kept beside the record, never in it.
    """
    ctx = _context(actor, on_behalf_of, occurred_at)
    _import(plan_sheet(programme, file, kind), ctx)


@import_.command(
    "polis",
    epilog=example(
        "registre import polis labo exports/vtaiwan.uberx --session EN-LIGNE --as greffe"
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("folder", metavar="FOLDER")
@click.option(
    "--session",
    required=True,
    metavar="KEY",
    help="The online session it is recorded in (scheduled if the programme lacks it).",
)
@click.option("--axis", metavar="AXIS", help="The axis of its contributions and proposals.")
@click.option("--round", "round_key", metavar="KEY", help="The round's key (polis-FOLDER).")
@click.option("--keep-open", is_flag=True, help="Leave the round open after the import.")
@_recording_options
def polis(
    programme: str,
    folder: str,
    session: str,
    axis: str | None,
    round_key: str | None,
    keep_open: bool,
    actor: str | None,
    on_behalf_of: str | None,
    occurred_at: str | None,
) -> None:
    """Import a Pol.is conversation (comments.csv, votes.csv) as an online session.

    Each comment becomes a contribution and a proposal, voted on in one agree
    round; each vote is recorded at its real time, a later vote replacing the
    earlier one; moderation validates or rejects the proposals; the round is
    closed at the end.
    """
    ctx = _context(actor, on_behalf_of, occurred_at)
    _import(plan_polis(programme, folder, session, axis, round_key, keep_open), ctx)


@import_.command(
    "pabulib",
    epilog=example(
        "registre import pabulib budget poland_warszawa_2020_ursynow.pb --as greffe",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("file", metavar="FILE")
@click.option(
    "--session",
    metavar="KEY",
    help="The session of the vote (default: the round's key; scheduled if absent).",
)
@click.option("--round", "round_key", metavar="KEY", help="The round's key (pb-FILE).")
@_recording_options
def pabulib(
    programme: str,
    file: str,
    session: str | None,
    round_key: str | None,
    actor: str | None,
    on_behalf_of: str | None,
    occurred_at: str | None,
) -> None:
    """Import a participatory budget in the Pabulib format (.pb: META, PROJECTS, VOTES).

    Each project becomes a proposal with its cost, listed by the body that ran
    the budget; one round holds the budget and the file's vote type (approval
    with its min/max length, choose-1, cumulative, ordinal), which it
    enforces; each voter is an anonymous participant whose ballot is cast
    whole; the round is closed and the projects it funds are selected by the
    greedy rule. The tallies and the funded set are then compared with the
    file's votes and selected columns, and any difference is listed.
    """
    ctx = _context(actor, on_behalf_of, occurred_at)
    _import(plan_pabulib(programme, file, session, round_key), ctx)


@import_.command(
    "decidim",
    epilog=example(
        "registre import decidim labo ville-open-data.zip --as greffe",
        "registre import decidim labo ./open-data/ --language en --as greffe",
    ),
)
@click.argument("programme", metavar="SLUG")
@click.argument("path", metavar="PATH")
@click.option(
    "--session",
    metavar="KEY",
    help="The session of proposals linked to no meeting (dc-platform; scheduled if absent).",
)
@click.option(
    "--language",
    metavar="LANG",
    default="fr",
    show_default=True,
    help="The language read from translated fields (another one when it is empty).",
)
@_recording_options
def decidim(
    programme: str,
    path: str,
    session: str | None,
    language: str,
    actor: str | None,
    on_behalf_of: str | None,
    occurred_at: str | None,
) -> None:
    """Import a Decidim open-data export (its zip, or a folder of its CSV files).

    Categories and scopes become axes, meetings sessions, proposals
    contributions and proposals with their supports as a tally attested by
    the file (no vote is invented) and their answer as a validation
    (accepted: validated, rejected: rejected); accountability results become
    actions recorded as the body's account, linked to the proposals behind
    them, with their progress.
    """
    ctx = _context(actor, on_behalf_of, occurred_at)
    _import(plan_decidim(programme, path, session, language), ctx)


@import_.command("template", epilog=example("registre import template ./modeles"))
@click.argument("folder", metavar="DIR")
def template(folder: str) -> None:
    """Write the sheet templates: a CSV file per kind and a workbook, one example row each."""
    for path in write_template(Path(folder)):
        click.echo(f"wrote {path}")


def _context(actor: str | None, on_behalf_of: str | None, occurred_at: str | None) -> c.Context:
    problems: list[str] = []
    if not (actor or "").strip():
        problems.append(f"--as is required: say who is recording (or set {ACTOR_ENV_VAR})")
    values = {"actor": actor or "-", "on_behalf_of": on_behalf_of, "occurred_at": occurred_at}
    try:
        ctx = c.Context.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as error:
        names = {"actor": "--as", "on_behalf_of": "--on-behalf-of", "occurred_at": "--occurred-at"}
        problems.extend(problem_lines(error, names))
    if problems:
        raise invalid(problems)
    return ctx


def _import(plan: Plan, ctx: c.Context) -> None:
    app = App.current()
    with app.registre() as registre, _progress(not app.json) as progress:
        report = run(registre, plan, ctx, progress)
    if app.json:
        emit_json(report.as_dict())
    else:
        _show(report)


@contextmanager
def _progress(wanted: bool) -> Iterator[Progress | None]:
    """A progress bar per step on a terminal's stderr; nothing when piped."""
    if not (wanted and sys.stderr.isatty()):
        yield None
        return
    current: dict[str, Any] = {}  # step -> its bar; one step at a time

    def advance(step: str, done: int, total: int) -> None:
        if step not in current:
            _finish(current)
            bar = click.progressbar(length=total, label=step, file=sys.stderr)
            current[step] = bar.__enter__()
        current[step].update(done)

    try:
        yield advance
    finally:
        _finish(current)


def _finish(current: dict[str, Any]) -> None:
    for bar in current.values():
        with suppress(Exception):  # a bar that cannot draw must not fail the import
            bar.__exit__(None, None, None)
    current.clear()


def _show(report: ImportReport) -> None:
    what = f"{report.label} into {report.programme}"
    if report.already_recorded:
        click.echo(
            f"already imported: {what} ({report.chunks} "
            f"chunk{'' if report.chunks == 1 else 's'} found) — nothing new recorded"
        )
        return
    if report.chunks_before:
        click.echo(
            f"resumed: {report.chunks_before} of {report.chunks} chunks were already recorded"
        )
    span = f" at #{report.first} to #{report.last}" if report.first is not None else ""
    rows = f"{report.rows:,} row{'' if report.rows == 1 else 's'}"
    events = f"{report.events:,} event{'' if report.events == 1 else 's'}"
    click.echo(
        f"imported {what}: {rows}, {events}{span} "
        f"in {report.seconds:.1f} s ({report.per_second:,.0f} events/s)"
    )
    for kind, count in sorted(report.counts.items()):
        click.echo(f"  {count:>8,}  {kind}")
    for note, count in sorted(report.notes.items()):
        click.echo(f"  {count:>8,}  not recorded: {note}")
    for remark, count in sorted(report.remarks.items()):
        click.echo(f"  {count:>8,}  {remark}")
    if report.differences:
        click.echo(f"the record differs from the file's own figures ({len(report.differences)}):")
        for difference in report.differences:
            click.echo(f"  {difference}")
    if report.tree_head is not None:
        if report.tree_heads > 1:
            click.echo(f"each of its {report.tree_heads} commits ended with a tree head; the last:")
        for line in report.tree_head.lines():
            click.echo(line)
