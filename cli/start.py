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


@click.command(epilog=example("registre --database demo.db demo"))
def demo() -> None:
    """Record a worked example: Fabrik MedVallée (2021–22), and sign a checkpoint
    of the ledger when it publishes its plan."""
    from registre.adapters.demo import record_fabrik_medvallee

    app = App.current()
    with app.registre() as registre:
        # As `init` does: the published plan is pinned by a signed checkpoint.
        audit.ensure_deployment_key(registre.store, None)
        lines = record_fabrik_medvallee(registre)
    if app.json:
        emit_json({"store": registre.config.display, "lines": lines})
    else:
        for line in lines:
            click.echo(line)
