"""The ``registre`` console script: global options, the error boundary, and the command tree."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from typing import Any

import click
from pydantic import ValidationError

from registre.adapters.stores import schema
from registre.adapters.stores.config import ENV_VAR
from registre.cli import audit, decision, deliberation, programme, queries, voting
from registre.cli.app import App, add_json_option, database_help, example
from registre.cli.exports import export
from registre.cli.imports import import_
from registre.cli.output import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_PIPE,
    CliError,
    emit_json,
    invalid,
    problem_lines,
)
from registre.cli.publish import publish
from registre.cli.stats import stats
from registre.cli.trace import trace
from registre.domain.bounds import shown, text_problem
from registre.domain.errors import RegistreError


class RegistreGroup(click.Group):
    """Turns every failure into one line on stderr and an exit code, once, here."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        # In the order a programme unfolds, not alphabetically.
        return list(self.commands)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Every argument is text before any command reads it: a shell passes bytes
        # that are not UTF-8 as lone surrogates, which no store can keep.
        if ctx.parent is None:
            problem = argument_problem(args)
            if problem is not None:
                raise CliError(problem, EXIT_INPUT)
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.Abort, click.exceptions.NoArgsIsHelpError):
            raise
        except BrokenPipeError:
            # The reader went away (`registre … | head`): stop quietly, as a pipe expects.
            with contextlib.suppress(OSError, ValueError):  # stdout may have no file
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(EXIT_PIPE) from None
        except click.ClickException as error:
            if debug:
                traceback.print_exc()
            if isinstance(error, click.UsageError) and not isinstance(error, CliError):
                raise _usage(error) from None
            raise
        except Exception as error:
            if debug:
                traceback.print_exc()
            raise _translate(error, debug) from None


def argument_problem(args: list[str]) -> str | None:
    """The first argument that is not text (a NUL, bytes that are not UTF-8), said
    with the option it belongs to and a short prefix of it; None if all are."""
    for n, arg in enumerate(args):
        problem = text_problem(arg)
        if problem is None:
            continue
        option, sep, value = arg.partition("=")
        if arg.startswith("--") and sep:
            where, shown_value = option, value
        elif n > 0 and args[n - 1].startswith("-") and not arg.startswith("-"):
            where, shown_value = args[n - 1], arg
        else:
            where, shown_value = "", arg
        said = f"{shown(shown_value)} {problem}; give UTF-8 text without NUL characters"
        return f"{where}: {said}" if where else said
    return None


def _usage(error: click.UsageError) -> CliError:
    """Click's usage errors in one line, with the --help to read."""
    hint = f" (see: {error.ctx.command_path} --help)" if error.ctx else ""
    return CliError(error.format_message() + hint, EXIT_INPUT)


def _translate(error: Exception, debug: bool) -> CliError:
    if isinstance(error, RegistreError):
        return CliError(str(error), error.exit_code)
    if isinstance(error, ValidationError):
        return invalid(problem_lines(error, {}))
    hint = "" if debug else "; rerun with --debug"
    first = str(error).strip().splitlines()[0] if str(error).strip() else ""
    detail = f"{type(error).__name__}: {first}" if first else type(error).__name__
    return CliError(f"internal error: {detail}{hint}", EXIT_INTERNAL)


@click.group(
    "registre",
    cls=RegistreGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog=example(
        "registre init",
        "registre --json programme open fabrik --as clerk --title 'Fabrik MedVallée' ...",
    ),
)
@click.option("--database", envvar=ENV_VAR, metavar="URL", help=database_help())
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")
@click.option("--debug", is_flag=True, help="Show tracebacks of failures.")
@click.version_option(package_name="registre")
@click.pass_context
def main(ctx: click.Context, database: str | None, as_json: bool, debug: bool) -> None:
    """Record public consultation programmes: every step, who recorded it, and why.

    Nothing recorded is ever edited or deleted; a mistake is annulled with
    `registre correct`, and the trail shows both.
    """
    ctx.obj = App(database=database, json=as_json, debug=debug)


@main.command(epilog=example("registre --database postgresql://clerk@db:5432/registre init"))
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
    with app.store() as store:
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
            }
        )
    else:
        click.echo(f"store ready: {config.display} ({config.kind}), deployment {deployment}")
        click.echo(f"signing key {'created' if created else 'found'}: {key_file}")


@main.command(epilog=example("registre --database demo.db demo"))
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


for group in (programme, deliberation, voting, decision):
    for command in group.COMMANDS:
        main.add_command(command)
decision.plan.add_command(queries.plan_show)
for command in (queries.history, queries.status, queries.replay, queries.follow):
    main.add_command(command)
main.add_command(trace)
main.add_command(stats)
main.add_command(export)
main.add_command(publish)
main.add_command(import_)
main.add_command(audit.audit)
export.add_command(audit.export_events)
for command in main.commands.values():
    add_json_option(command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
