"""What every command shares: the store it opens, the recording options, the example in --help."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar

import click
from pydantic import BaseModel, ValidationError

from registre.adapters.application import Registre, Result
from registre.adapters.application import commands as c
from registre.adapters.stores import Store, StoreConfig, open_store, parse_url, resolve_url
from registre.cli.output import CliError, invalid, option_names, problem_lines, show_result
from registre.domain.bounds import MAX_STORED_INTEGER
from registre.domain.errors import RegistreError

M = TypeVar("M", bound=c.Command)
F = TypeVar("F", bound=Callable[..., Any])

ACTOR_ENV_VAR = "REGISTRE_ACTOR"
# A number the store keeps (a checkpoint id): from 1 to the stores' largest integer.
STORED = click.IntRange(1, MAX_STORED_INTEGER)
JSON_META = "registre.json"


def one_of(option: str, group: str, value: str, help: str) -> Callable[[F], F]:
    """A flag that gives ``group`` its ``value`` (``--approve`` gives the
    decision 'approve'); flags of one group that contradict each other are
    refused as bad input, instead of the last one silently winning. The
    command reads the value with ``chosen(group)``."""

    def check(ctx: click.Context, param: click.Parameter, given: bool) -> None:
        if not given:
            return
        flags: dict[str, str] = ctx.meta.setdefault(f"registre.one_of.{group}", {})
        flags[option] = value
        if len(flags) > 1:
            raise CliError(f"{' and '.join(flags)} contradict each other: give only one of them")

    return click.option(option, is_flag=True, expose_value=False, callback=check, help=help)


def chosen(group: str) -> str | None:
    """The value the flags of ``group`` gave (see ``one_of``), or None."""
    flags: dict[str, str] = click.get_current_context().meta.get(f"registre.one_of.{group}", {})
    return next(iter(flags.values()), None)


def _set_json(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        ctx.meta[JSON_META] = True


def add_json_option(command: click.Command) -> None:
    """Lets ``--json`` follow the command name too, on every command of the tree."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            add_json_option(sub)
        return
    if not any(p.name == "json_output" for p in command.params):
        command.params.append(
            click.Option(
                ["--json", "json_output"],
                is_flag=True,
                expose_value=False,
                callback=_set_json,
                help="Print machine-readable JSON on stdout.",
            )
        )


@dataclass(frozen=True)
class App:
    """The global options, carried on click's context object."""

    database: str | None
    json: bool
    debug: bool

    @classmethod
    def current(cls) -> App:
        ctx = click.get_current_context()
        app = ctx.find_object(App) or App(database=None, json=False, debug=False)
        if ctx.meta.get(JSON_META):  # --json given after the command name
            app = replace(app, json=True)
        return app

    def config(self) -> StoreConfig:
        return parse_url(resolve_url(self.database))

    @contextmanager
    def store(self, maintenance: bool = False) -> Iterator[Store]:
        """The store the options name, open for this command (for reading it);
        ``maintenance`` is ``init``'s (see ``open_store``)."""
        with open_store(self.config(), maintenance) as store:
            yield store

    @contextmanager
    def registre(self) -> Iterator[Registre]:
        """The record of the store the options name, open for this command (for recording)."""
        with Registre(open_store(self.config())) as registre:
            yield registre


def choices(enum: type[StrEnum]) -> str:
    """The allowed values, shown in --help; pydantic checks them and names the option."""
    return "|".join(member.value for member in enum)


# -- recording commands ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recording:
    """The --as, --on-behalf-of, --occurred-at, --source and --command-id values, as typed."""

    actor: str | None
    on_behalf_of: str | None
    occurred_at: str | None
    source: str | None
    command_id: str | None


def recording(f: F) -> F:
    """Adds the options every recording command takes and hands them over as ``how``."""

    @functools.wraps(f)
    def wrapper(**kwargs: Any) -> Any:
        how = Recording(**{name: kwargs.pop(name) for name in Recording.__dataclass_fields__})
        return f(how=how, **kwargs)

    options = [
        click.option(
            "--as",
            "actor",
            envvar=ACTOR_ENV_VAR,
            metavar="ACTOR",
            help=f"Who is recording (required; or set {ACTOR_ENV_VAR}).",
        ),
        click.option(
            "--on-behalf-of", metavar="NAME", help="Whom the recorder acts for, if not self."
        ),
        click.option(
            "--occurred-at",
            metavar="WHEN",
            help="When it happened (ISO 8601 date or date-time); default now.",
        ),
        click.option(
            "--source", metavar="REF", help="Where it comes from: minutes, sheet and row…"
        ),
        click.option(
            "--command-id",
            metavar="ID",
            help="Idempotency key: repeating a command with the same id records nothing new.",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper  # type: ignore[return-value]


def record(
    model: type[M],
    how: Recording,
    send: Callable[[Registre, M, c.Context], Result] = Registre.handle,
    **fields: Any,
) -> None:
    """Checks every value, then sends the command (through ``Registre.handle``,
    or ``send``) and prints what it recorded."""
    names = option_names(click.get_current_context().command)
    problems: list[str] = []
    context = _validate(c.Context, vars(how), names, problems)
    if not (how.actor or "").strip():
        # Said in words a clerk can act on, instead of pydantic's "--as: is required".
        problems[:] = [p for p in problems if not p.startswith("--as:")]
        problems.insert(0, f"--as is required: say who is recording (or set {ACTOR_ENV_VAR})")
    command = _validate(model, fields, names, problems)
    if problems or context is None or command is None:
        raise invalid(problems)
    app = App.current()
    with app.registre() as registre:
        try:
            result = send(registre, command, context)
        except RegistreError as error:
            if error.field is None:
                raise
            # The domain names the command's field; a clerk typed an option.
            option = names.get(error.field, "--" + error.field.replace("_", "-"))
            raise CliError(f"{option}: {error}", error.exit_code) from None
    show_result(result, app.json)


def _validate(
    model: type[BaseModel],
    values: Mapping[str, Any],
    names: Mapping[str, str],
    problems: list[str],
) -> Any:
    present = {k: v for k, v in values.items() if v is not None}
    try:
        return model.model_validate(present)
    except ValidationError as error:
        problems.extend(problem_lines(error, names))
        return None


def pairs(values: tuple[str, ...], option: str, example_value: str) -> list[tuple[str, str]]:
    """Splits KEY=VALUE options; a malformed one is refused before anything is opened."""
    parsed = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip() or not rest.strip():
            raise invalid([f"{option}: {value!r} is not KEY=VALUE (e.g. {example_value})"])
        parsed.append((key.strip(), rest.strip()))
    return parsed


def split_list(values: tuple[str, ...]) -> list[str]:
    """Repeated options that also take comma-separated values: --by a,b --by c."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
