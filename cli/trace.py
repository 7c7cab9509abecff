"""``registre trace``: how one proposal or priority came to be, from the
contributions it cites to its adoption and actions."""

from __future__ import annotations

import click

from registre.cli.app import App
from registre.cli.output import CliError
from registre.cli.queries import projector
from registre.cli.texts import example
from registre.domain.errors import NotFound
from registre.projections.plan import read_parts
from registre.projections.trace import has_programme, read_trace
from registre.projections.trace_formats import FORMATS, render


@click.command(
    epilog=example(
        "registre trace fabrik-medvallee P-06",
        "registre trace fabrik-medvallee P-06 --format prov > P-06.prov.json",
        "registre trace fabrik-medvallee P-06 --format dot | dot -Tsvg > P-06.svg",
    )
)
@click.argument("programme", metavar="SLUG")
@click.argument("proposal")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default=None,
    help="text (a timeline; the default), json, prov (W3C PROV-JSON), dot or mermaid.",
)
def trace(programme: str, proposal: str, fmt: str | None) -> None:
    """Trace a proposal back to the contributions and versions it came from,
    and forward through merges, votes, validation, each founder's decision,
    adoption and actions: every step with who recorded it, for whom, when,
    and from which source."""
    app = App.current()
    if app.json and fmt not in (None, "json"):
        raise CliError(f"--json and --format {fmt} contradict each other: give only one of them")
    with projector() as (_, views):
        views.catch_up(["provenance", "plan"])
        with views.reading("plan") as db:
            structure = read_parts(db, programme)
        with views.reading("provenance") as db:
            known = has_programme(db, programme)
            found = read_trace(db, programme, proposal, structure) if known else None
    if not known:
        raise NotFound(f"no programme {programme!r} in this store")
    if found is None:
        raise NotFound(f"programme {programme} has no proposal {proposal!r}")
    click.echo(render(found, fmt or ("json" if app.json else "text")))
