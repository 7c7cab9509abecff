"""What the command line prints, and how every failure becomes one line and an exit code."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # what --help never needs is imported when a command runs
    from pydantic import ValidationError

    from registre.adapters.application import Result

# Exit codes (see docs: 0 done, 1 refused by a rule, 2 bad input); 70 is sysexits' EX_SOFTWARE.
EXIT_RULE = 1
EXIT_INPUT = 2
EXIT_TAMPERED = 4  # the record does not match its ledger or its checkpoints
EXIT_INTERNAL = 70
EXIT_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a closed pipe


class CliError(click.ClickException):
    """A refusal to show as ``error: …`` lines on stderr, with its exit code."""

    def __init__(self, message: str, exit_code: int = EXIT_INPUT) -> None:
        super().__init__(message)
        # Click types exit_code per class; a refusal carries the code of its cause.
        self.exit_code = exit_code  # type: ignore[misc]

    def show(self, file: IO[Any] | None = None) -> None:
        for line in self.format_message().splitlines() or [""]:
            click.echo(f"error: {_short(line)}", err=True, file=file)


# A message line longer than this is cut: whatever it quotes, the reader needs
# its beginning, not a megabyte of it.
LONGEST_LINE = 500


def _short(line: str) -> str:
    if len(line) <= LONGEST_LINE:
        return line
    return f"{line[:LONGEST_LINE]}… ({len(line) - LONGEST_LINE:,} more characters)"


def warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


def emit_json(data: Mapping[str, Any] | list[Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def show_result(result: Result, as_json: bool) -> None:
    for warning in result.warnings:
        warn(warning)
    if as_json:
        emit_json(result.as_dict())
        return
    if result.already_recorded:
        click.echo(
            f"already recorded (command id {result.command_id}): {result.summary}"
            " — nothing new recorded"
        )
        return
    click.echo(result.summary)
    for r in result.recorded:
        click.echo(f"  #{r.position} {r.kind} ({r.subject})")
    if result.tree_head is not None:
        for line in result.tree_head.lines():
            click.echo(line)


# -- pydantic problems, one line each, named by the option the user typed ----------------------


def option_names(command: click.Command | None) -> dict[str, str]:
    """Maps a parameter's name (the model field it feeds) to what the user typed."""
    names: dict[str, str] = {}
    for param in command.params if command else []:
        if param.name is None:
            continue
        if isinstance(param, click.Option):
            # The longest spelling reads best ("--org-type", not "-t").
            names.setdefault(param.name, max(param.opts, key=len))
        else:
            names.setdefault(param.name, param.human_readable_name)
    return names


def problem_lines(error: ValidationError, names: Mapping[str, str]) -> list[str]:
    lines = []
    for problem in error.errors(include_url=False):
        loc = problem["loc"]
        field = str(loc[0]) if loc else ""
        where = names.get(field, field.replace("_", "-"))
        if len(loc) > 1 and isinstance(loc[1], str):
            where += f" {loc[1]}"
        lines.append(f"{where}: {_explain(problem)}")
    return lines


def _explain(problem: Mapping[str, Any]) -> str:
    kind: str = problem["type"]
    ctx: Mapping[str, Any] = problem.get("ctx") or {}
    value = problem.get("input")
    from registre.domain.bounds import shown as quoted

    shown = quoted(value) if isinstance(value, str) else ""
    if kind == "missing":
        return "is required"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "string_pattern_mismatch":
        return (
            f"{shown} is not a valid key: start with a letter or digit, then letters, "
            "digits, '.', '_' or '-' (at most 80)"
        )
    if kind == "enum":
        return f"{shown} is not one of {ctx.get('expected', '')}".replace("  ", " ")
    if kind.startswith("date_"):
        return f"{shown} is not an ISO 8601 date (YYYY-MM-DD)"
    if kind.startswith("datetime_"):
        return f"{shown} is not an ISO 8601 date or date-time (YYYY-MM-DD[THH:MM[+02:00]])"
    if kind in ("int_parsing", "int_from_float"):
        return f"{shown} is not a whole number"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}"
    if kind == "too_short":
        return f"give at least {ctx.get('min_length')}"
    if kind == "value_error":
        return str(ctx.get("error", problem["msg"]))
    message: str = problem["msg"]
    return message[:1].lower() + message[1:]


def invalid(lines: Iterable[str]) -> CliError:
    return CliError("\n".join(lines), EXIT_INPUT)
