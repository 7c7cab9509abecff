"""Setting a store up: ``init`` creates or upgrades it, ``demo`` records the worked example."""

from __future__ import annotations

import click

from registre.adapters.stores import schema
from registre.cli import audit
from registre.cli.app import App
from registre.cli.output import CliError, emit_json
from registre.cli.texts import example


@click.command(epilog=example("registre --database postgresql://clerk@db:5432/registre init"))
@audit.key_dir_option
@click.option(
    "--create-role",
    metavar="NAME",
    help="PostgreSQL: create or update the role the application runs as, with SELECT "
    "and INSERT only on the record (run as the tables' owner).",
)
def init(key_dir: str | None, create_role: str | None) -> None:
    """Create or upgrade the store, and say which it is; create its signing key if missing."""
    app = App.current()
    config = app.config()
    if create_role and config.kind != "postgres":
        raise CliError("--create-role is for PostgreSQL stores", 2)
    with app.store(maintenance=True) as store:
        # Opening a store creates its schema if it is new; init upgrades it
        # even when it says it is current, so a damaged one is mended.
        schema.upgrade(store)
        if create_role:
            schema.grant_application_role(store, create_role)
        key_file, created = audit.ensure_deployment_key(store, key_dir)
        deployment = store.deployment
    if app.json:
        emit_json(
            {
                "store": config.display,
                "kind": config.kind,
                "key_file": str(key_file),
                "deployment": deployment,
                "application_role": create_role,
            }
        )
    else:
        click.echo(f"store ready: {config.display} ({config.kind}), deployment {deployment}")
        click.echo(f"signing key {'created' if created else 'found'}: {key_file}")
        if create_role:
            click.echo(
                f"application role {create_role}: SELECT and INSERT only on the record; run "
                "every other command as it (the tables' owner runs only `registre init`)"
            )


@click.command(
    epilog=example(
        "registre --database demo.db demo",
        "registre --database labo258.db demo labo258",
    )
)
@click.argument("name", required=False, metavar="[NAME]")
def demo(name: str | None) -> None:
    """Record a worked example: Fabrik MedVallée (2021–22), and sign a checkpoint
    of the ledger when it publishes its plan; or, given a NAME, one of the five
    source programmes at its published size, from its workbooks.

    \b
    NAME is one of:
      medvallee              Fabrik MedVallée (Montpellier, 2021–22): 3 founders,
                             6 workshops, 431 actors, strategy and action plan
      labo258                Labo258 (Nantes, 2019): 12 axes, 11 neighbourhood
                             labs, and the entrepreneurship lab (40 people,
                             12 themes, 17 work axes, 29 concepts)
      industrie-positive     Industrie Positive (Montpellier, 2019–20): a council
                             of 18 member organisations on 3 strategic axes
      cite-economie          Cité de l'économie (Occitanie, 2018): 6 challenges,
                             a forum of 193 partners
      assemblee-territoires  Assemblée des Territoires (Occitanie, 2016):
                             158 elected officials, 8 workshops, 3 themes
    Each is recorded through `registre import sheet`, from the workbooks
    installed with Registre (adapters/demo/programmes/ in the sources).
    """
    from registre.adapters.demo.programmes import NAMES

    if name is not None and name not in NAMES:
        raise CliError(f"no source programme {name!r}; choose one of {', '.join(NAMES)}", 2)
    app = App.current()
    if name is not None:
        _record_source(app, name)
        return
    from registre.adapters.demo import record_fabrik_medvallee

    with app.registre() as registre:
        # As `init` does: the published plan is pinned by a signed checkpoint.
        audit.ensure_deployment_key(registre.store, None)
        lines = record_fabrik_medvallee(registre)
    if app.json:
        emit_json({"store": registre.config.display, "lines": lines})
    else:
        for line in lines:
            click.echo(line)


def _record_source(app: App, name: str) -> None:
    """One of the five source programmes, workbook by workbook, through the sheet importer."""
    from registre.adapters.demo.programmes import PROGRAMMES, record_programme
    from registre.cli.imports import _progress, _show

    source = PROGRAMMES[name]
    say = not app.json

    def announce(slug: str, n: int, total: int) -> None:
        if say and n == 1:
            click.echo(f"Recording {source.summary}")
        if say:
            click.echo(f"[{n}/{total}] registre import sheet {slug} {slug}.xlsx", err=True)

    from registre.adapters.ledger import checkpoints as cp

    with app.registre() as registre, _progress(say) as progress:
        # As `init` does: every commit's tree head is signed, and a checkpoint
        # pins the whole record for the published site's proofs.
        audit.ensure_deployment_key(registre.store, None)
        reports = record_programme(registre, name, progress, announce)
        signed = cp.create_checkpoint(registre.store, f"registre demo {name}", cp.key_dir(None))
    if app.json:
        emit_json(
            {
                "store": registre.config.display,
                "programme": name,
                "imports": [r.as_dict() for r in reports],
                "checkpoint": signed.as_dict(),
            }
        )
        return
    for report in reports:
        _show(report)
    click.echo(
        f"checkpoint #{signed.id}: {signed.tree_size} events, signed with key {signed.key_id}"
    )
    main = source.slugs[-1] if name == "labo258" else source.slugs[0]
    click.echo(
        f"Recorded {sum(r.events for r in reports):,} events from "
        f"{len(reports)} workbook{'s' if len(reports) > 1 else ''} in {registre.config.display}. "
        f"Next: registre stats {main}; registre plan show {main}; "
        f"registre publish {main} --out site"
    )
