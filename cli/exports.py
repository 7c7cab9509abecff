"""``registre export``: open data of a programme as CSV or JSON, with
participants named only by their pseudonymous key and organisation type."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click
from click.core import ParameterSource

from registre.adapters.exporters import FORMATS, KINDS, build, render
from registre.cli.app import App
from registre.cli.output import CliError
from registre.cli.queries import projector
from registre.cli.texts import example


@click.group(
    "export",
    epilog=example(
        "registre export plan fabrik-medvallee --format csv --out plan.csv",
        "registre export contributions fabrik-medvallee --format json",
    ),
)
def export() -> None:
    """Export open data of a programme: the plan, proposals, contributions
    (each text version) and tallies, as CSV or JSON, without names or contacts."""


def write_out(text: str, out: str | None) -> None:
    """Prints to stdout, or replaces FILE at once so a reader never sees half of it."""
    if out is None:
        click.echo(text, nl=False)
        return
    target = Path(out)
    try:
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", newline="", dir=target.parent, delete=False
        ) as f:
            f.write(text)
        os.replace(f.name, target)
    except OSError as error:
        raise CliError(f"cannot write {out}: {error.strerror or error}") from None


def _command(kind: str, summary: str) -> click.Command:
    @click.command(
        kind,
        help=summary,
        epilog=example(f"registre export {kind} fabrik-medvallee --format csv --out {kind}.csv"),
    )
    @click.argument("programme", metavar="SLUG")
    @click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="csv",
        show_default=True,
        help="csv (UTF-8, one row per item) or json.",
    )
    @click.option("--out", metavar="FILE", help="Write to FILE instead of stdout.")
    def command(programme: str, fmt: str, out: str | None) -> None:
        if App.current().json:
            source = click.get_current_context().get_parameter_source("fmt")
            if source is ParameterSource.COMMANDLINE and fmt != "json":
                raise CliError(
                    f"--json and --format {fmt} contradict each other: give only one of them"
                )
            fmt = "json"
        with projector() as (_, views):
            data = build(views, kind, programme)
        write_out(render(data, fmt), out)

    return command


SUMMARIES = {
    "plan": "Export the action plan: each adopted priority by axis, its validation, "
    "each founder's decision and its actions.",
    "proposals": "Export every proposal: its state, validation, founders' decisions, the "
    "contributions behind it and their kinds of organisation.",
    "contributions": "Export every text version of every contribution, with its session, "
    "axis, authors' pseudonymous keys and organisation types.",
    "tallies": "Export the tally of each voting round, per proposal.",
}
assert set(SUMMARIES) == set(KINDS)
for _kind in KINDS:
    export.add_command(_command(_kind, SUMMARIES[_kind]))
