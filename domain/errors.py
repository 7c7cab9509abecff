"""Errors a user can cause, each with a sentence a person can act on.

The command line catches these once and turns them into exit codes:
``RuleViolation`` (and its subclasses) exit 1, ``InvalidInput`` exits 2.
"""

from __future__ import annotations


class RegistreError(Exception):
    """Base class of every error a user can cause."""

    exit_code = 1


class RuleViolation(RegistreError):
    """A rule of the consultation refuses the command (closed round, limit...)."""


class NotFound(RuleViolation):
    """The command names something the programme does not have."""


class AlreadyExists(RuleViolation):
    """The command creates something that was already recorded."""


class Conflict(RuleViolation):
    """Another writer changed the same records at the same time, repeatedly."""


class InvalidInput(RegistreError):
    """The input is malformed: a date, an empty text, a bad key."""

    exit_code = 2
