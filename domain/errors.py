"""Errors a user can cause, each with a sentence a person can act on.

The command line catches these once and turns them into exit codes:
``RuleViolation`` (and its subclasses) exit 1, ``InvalidInput`` exits 2.

Messages speak of the consultation, never of how a command was typed: an
error about one field of a command names that field in ``field`` (the name
of the command model's field, such as ``"value"`` or ``"authors"``), and the
command line or an importer says where that field came from (a flag, a
file's row and column).
"""

from __future__ import annotations

from typing import Any


class RegistreError(Exception):
    """Base class of every error a user can cause."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        # The command's field the problem is about, or None.
        self.field = field

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword arguments survive pickling (a worker process, a spawn).
        return (_restore, (type(self), self.args, dict(vars(self))))


def _restore(cls: type[RegistreError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls, *args)
    error.args = args
    vars(error).update(state)
    return error


class RuleViolation(RegistreError):
    """A rule of the consultation refuses the command (closed round, limit...)."""


class NotFound(RuleViolation):
    """The command names something the programme does not have."""


class AlreadyExists(RuleViolation):
    """The command creates something that was already recorded."""


class Conflict(RuleViolation):
    """Another writer changed the same records at the same time, repeatedly."""


class Unchanged(RuleViolation):
    """The command would record nothing new.

    ``note`` is a short category of what was already recorded, for the
    summary of an import (``"attendance already listed"``)."""

    def __init__(self, message: str, *, note: str, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.note = note


class InvalidInput(RegistreError):
    """The input is malformed: a date, an empty text, a bad key."""

    exit_code = 2
