"""Domain errors speak of the consultation; the field a problem is about is
given apart, for the command line or an importer to name as it was typed."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

from registre.domain.errors import InvalidInput, RegistreError, RuleViolation, Unchanged

LAYER = "unit"

DOMAIN = Path(__file__).parent.parent / "domain"


def test_an_error_is_its_message_and_may_name_a_field() -> None:
    error = InvalidInput("the number of dots must be at least 1", field="value")
    assert str(error) == "the number of dots must be at least 1"
    assert error.field == "value"
    assert error.exit_code == 2
    assert RuleViolation("closed").field is None


def test_unchanged_is_a_rule_violation_with_a_note() -> None:
    error = Unchanged("session W1 already lists p1 as attending", note="attendance already listed")
    assert isinstance(error, RuleViolation) and isinstance(error, RegistreError)
    assert error.exit_code == 1
    assert str(error) == "session W1 already lists p1 as attending"
    assert error.note == "attendance already listed"
    assert error.field is None


def test_errors_survive_pickling_with_their_keywords() -> None:
    for error in (
        Unchanged("same vote", note="repeated vote", field="value"),
        InvalidInput("bad", field="limit"),
        RuleViolation("refused"),
    ):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error) and vars(copy) == vars(error)


def test_no_domain_message_names_a_command_line_flag() -> None:
    flag = re.compile(r"""["'][^"'\n]*--[a-z][^"'\n]*["']""")
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(DOMAIN.glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if flag.search(line)
    ]
    assert offenders == []
