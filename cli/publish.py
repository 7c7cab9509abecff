"""``registre publish``: the public restitution site of a programme, as static
pages to open from the folder or to put on any web server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from registre.adapters.ledger.checkpoints import latest_checkpoint
from registre.adapters.ledger.proofs import READABLE_LOG, PublishedLog
from registre.adapters.site import build_sites
from registre.cli.app import App
from registre.cli.output import CliError, emit_json
from registre.cli.queries import projector
from registre.cli.texts import example
from registre.domain.errors import NotFound


@click.command(
    epilog=example(
        "registre publish fabrik-medvallee --out site",
        "xdg-open site/index.html",
    )
)
@click.argument("programme", metavar="SLUG")
@click.option(
    "--out",
    "out",
    metavar="DIR",
    required=True,
    help="The folder to write the site into (created if needed; its pages are replaced).",
)
def publish(programme: str, out: str) -> None:
    """Write the restitution site of a programme: the action plan by axis, a
    page per proposal with its timeline and provenance graph, participation
    charts, how to verify the record, and the open data. The pages work offline
    from the folder and load nothing from elsewhere. The site of each programme
    within it is written in a folder named after it, and linked."""
    app = App.current()
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise CliError(f"--out {out} is a file, not a folder")
    with projector() as (store, views):
        checkpoint = latest_checkpoint(store)
        from registre.adapters.ledger.witness import publication_status

        def publication_of(slug: str) -> dict[str, Any] | None:
            try:
                return publication_status(store, slug)
            except NotFound:
                return None  # build_site names the missing programme

        log = PublishedLog(store)
        written: list[Path] = []
        sites = 0
        try:
            # With the programmes within it, each in a folder of its own.
            for site, files in build_sites(
                views, programme, folder, checkpoint, log, publication_of
            ):
                sites += 1
                # The log itself, as C2SP tlog-tiles for any transparency-log client,
                # and as the readable export of the same events: each site carries it.
                data = site / "donnees"
                written += files + log.write(data / "journal", data / READABLE_LOG)
        except OSError as error:
            raise CliError(f"cannot write the site into {out}: {error.strerror or error}") from None
    pages = [p for p in written if p.suffix == ".html"]
    if app.json:
        emit_json({"programme": programme, "out": str(folder), "files": [str(p) for p in written]})
    else:
        within = (
            f" (with the sites of the {sites - 1} programmes within it, each in its folder)"
            if sites > 1
            else ""
        )
        click.echo(
            f"{len(pages)} pages and {len(written) - len(pages)} other files written to "
            f"{folder}{within}"
        )
        click.echo(f"open {folder / 'index.html'}")
