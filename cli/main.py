"""The ``registre`` console script: global options, the error boundary, and the command tree.

A clerk runs one command per line of paper: the tree is lazy, so that
``registre --help`` lists the commands without importing their modules, and a
command imports only what it needs (the site, the spreadsheet reader, the
signing library and the PostgreSQL driver are imported where they are used).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
import traceback
from typing import Any

import click

from registre.cli.output import (
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_PIPE,
    CliError,
    invalid,
    problem_lines,
)
from registre.cli.texts import DATABASE_ENV, database_help, example

# The commands in the order a programme unfolds: (module of registre.cli, its
# attribute, the first paragraph of its help, which `registre --help` lists).
# tests/test_cold_start.py checks each against the command it names.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": (
        "start",
        "init",
        "Create or upgrade the store, and say which it is; create its signing key if missing.",
    ),
    "demo": (
        "start",
        "demo",
        "Record a worked example: Fabrik MedVallée (2021–22), and sign a checkpoint "
        "of the ledger when it publishes its plan; or, given a NAME, one of the five "
        "source programmes at its published size, from its workbooks.",
    ),
    "programme": ("programme", "programme", "Open a programme and set its axes."),
    "participant": (
        "programme",
        "participant",
        "Register participants; erase their personal data.",
    ),
    "session": ("programme", "session", "Schedule sessions and record who attended."),
    "contribution": (
        "deliberation",
        "contribution",
        "Submit, amend and withdraw contributions.",
    ),
    "proposal": ("deliberation", "proposal", "Synthesise, reword, merge and split proposals."),
    "round": ("voting", "round_", "Open and close voting rounds."),
    "vote": ("voting", "vote", "Cast and retract votes while a round is open."),
    "validate": (
        "decision",
        "validate",
        "Record a body's validation of a proposal as a priority.",
    ),
    "decide": ("decision", "decide", "Record a founder's decision on a validated priority."),
    "action": ("decision", "action", "Assign actions and follow their progress."),
    "correct": ("decision", "correct", "Annul a mistaken record by its position (#N)."),
    "plan": ("decision", "plan", "Publish versions of the action plan."),
    "history": (
        "queries",
        "history",
        "List every recorded event of a programme in store order: when it happened, "
        "what it did, who recorded it, for whom, when, and its source.",
    ),
    "status": (
        "queries",
        "status",
        "Show the store, and each projection's position and lag behind the log.",
    ),
    "replay": (
        "queries",
        "replay",
        "Rebuild one projection (or all, in one pass over the log) from the first event "
        "into fresh tables, then swap them in at once; readers never see a half-built view. "
        "An interrupted replay resumes where it stopped.",
    ),
    "follow": (
        "queries",
        "follow",
        "Keep every projection up to date with the log, until interrupted.",
    ),
    "trace": (
        "trace",
        "trace",
        "Trace a proposal back to the contributions and versions it came from, and forward "
        "through merges, votes, validation, each founder's decision, adoption and actions: "
        "every step with who recorded it, for whom, when, and from which source.",
    ),
    "stats": (
        "stats",
        "stats",
        "Show who took part (by organisation type, session and axis), the tally of each "
        "voting round, and how many kinds of organisation fed each proposal.",
    ),
    "export": (
        "exports",
        "export",
        "Export open data of a programme: the plan, proposals, contributions (each text "
        "version) and tallies, as CSV or JSON, without names or contacts.",
    ),
    "publish": (
        "publish",
        "publish",
        "Write the restitution site of a programme: the action plan by axis, a page per "
        "proposal with its timeline and provenance graph, participation charts, how to "
        "verify the record, and the open data. The pages work offline from the folder "
        "and load nothing from elsewhere.",
    ),
    "import": (
        "imports",
        "import_",
        "Import workshop sheets (CSV, XLSX), Pol.is, Decidim and Pabulib exports.",
    ),
    "audit": (
        "audit",
        "audit",
        "Check that nothing in the record was altered: signed checkpoints of the audit "
        "ledger (a Merkle tree of every event), verification, and proofs; receipts (the "
        "signed tree head every record ends with) and the founders' cosignatures.",
    ),
}


def load_command(name: str) -> click.Command:
    """The command ``name`` of the tree, importing its module, with the
    subcommands other modules give it and ``--json`` after its name."""
    from registre.cli.app import add_json_option

    module, attribute, _ = COMMANDS[name]
    command: click.Command = getattr(importlib.import_module(f"registre.cli.{module}"), attribute)
    if isinstance(command, click.Group):
        if name == "plan" and "show" not in command.commands:
            from registre.cli.queries import plan_show

            command.add_command(plan_show)
        if name == "export" and "events" not in command.commands:
            from registre.cli.audit import export_events

            command.add_command(export_events)
    add_json_option(command)
    return command


class RegistreGroup(click.Group):
    """Turns every failure into one line on stderr and an exit code, once, here."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        # In the order a programme unfolds, not alphabetically.
        return [*COMMANDS, *(name for name in self.commands if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.add_command(load_command(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listed from their summaries, as click words them, without importing them.
        shown = {
            name: self.commands.get(name) or click.Command(name, help=COMMANDS[name][2])
            for name in self.list_commands(ctx)
        }
        rows = [(name, command) for name, command in shown.items() if not command.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, c.get_short_help_str(limit)) for name, c in rows])

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # Every argument is text before any command reads it: a shell passes bytes
        # that are not UTF-8 as lone surrogates, which no store can keep.
        if ctx.parent is None and not all(arg.isascii() and "\x00" not in arg for arg in args):
            # Plain ASCII without NUL is text: only other arguments need the rule.
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
    from registre.domain.bounds import shown, text_problem

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
    from pydantic import ValidationError

    from registre.domain.errors import RegistreError

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
@click.option("--database", envvar=DATABASE_ENV, metavar="URL", help=database_help())
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")
@click.option("--debug", is_flag=True, help="Show tracebacks of failures.")
@click.version_option(package_name="registre")
@click.pass_context
def main(ctx: click.Context, database: str | None, as_json: bool, debug: bool) -> None:
    """Record public consultation programmes: every step, who recorded it, and why.

    Nothing recorded is ever edited or deleted; a mistake is annulled with
    `registre correct`, and the trail shows both.
    """
    from registre.cli.app import App

    ctx.obj = App(database=database, json=as_json, debug=debug)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
