"""A clerk's mistakes: one clear line on stderr, the right exit code, and nothing recorded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_support import Registre
from click.testing import CliRunner

from registre.adapters.application import commands as c
from registre.adapters.application import handlers
from registre.cli.main import main

LAYER = "e2e"


@pytest.fixture
def registre(store_url: str) -> Registre:
    """An empty store."""
    return Registre(store_url)


@pytest.fixture
def set_up_registre(set_up_url: str) -> Registre:
    """A store of its own holding ``SETUP`` (recorded once per run, see conftest)."""
    return Registre(set_up_url)


@dataclass(frozen=True)
class Mistake:
    line: str  # as typed after `registre`, without --as
    exit_code: int
    says: str
    first: tuple[str, ...] = ()  # recorded before the mistake


VALIDATED = ("validate fabrik P1 --body Comité --minutes CR-1",)

MISTAKES = {
    "unknown programme": Mistake("programme axis nowhere x --title X", 1, "no programme 'nowhere'"),
    "programme opened twice": Mistake(
        "programme open fabrik --title T --organiser O --founder m=M --rule any",
        1,
        "already open",
    ),
    "closed round": Mistake(
        "vote cast fabrik R1 --by P-002 --for P1",
        1,
        "round R1 is closed",
        first=("round close fabrik R1",),
    ),
    "vote over the limit": Mistake("vote cast fabrik R1 --by P-001 --for P2 --value 2", 1, "R1"),
    "proposal not in the round": Mistake(
        "vote cast fabrik R1 --by P-001 --for P9", 1, "not eligible"
    ),
    "unknown participant": Mistake("vote cast fabrik R1 --by P-999 --for P1", 1, "P-999"),
    "dots that are not a number": Mistake(
        "vote cast fabrik R1 --by P-002 --for P1 --value two", 2, "'two' is not a whole number"
    ),
    "founder not listed": Mistake(
        "decide fabrik P1 --founder prefecture --approve --rationale R",
        1,
        "prefecture",
        first=VALIDATED,
    ),
    "not-validated proposal decided": Mistake(
        "decide fabrik P2 --founder etat --approve --rationale R", 1, "P2"
    ),
    "decision not said": Mistake(
        "decide fabrik P1 --founder etat --rationale R",
        2,
        "--approve, --reject or --amend",
        first=VALIDATED,
    ),
    "malformed date": Mistake(
        "session schedule fabrik A2 --kind forum --on 2021-13-01",
        2,
        "--on: '2021-13-01' is not an ISO 8601 date",
    ),
    "malformed occurred-at": Mistake(
        "programme axis fabrik x --title X --occurred-at 05/10/2021",
        2,
        "--occurred-at: '05/10/2021' is not an ISO 8601 date",
    ),
    "occurred-at in the future": Mistake(
        "programme axis fabrik x --title X --occurred-at 2999-01-01", 2, "is in the future"
    ),
    "empty text": Mistake(
        "contribution amend fabrik C-1 --text '  '", 2, "--text: must not be empty"
    ),
    "bad org type": Mistake(
        "participant register fabrik P-003 --name N --org O --org-type ministry",
        2,
        "--org-type: 'ministry' is not one of",
    ),
    "participant registered twice": Mistake(
        "participant register fabrik P-001 --name N --org O --org-type citizen",
        1,
        "already has a participant 'P-001'",
    ),
    "unknown session kind": Mistake(
        "session schedule fabrik A2 --kind party --on 2021-11-05",
        2,
        "--kind: 'party' is not one of",
    ),
    "unknown axis": Mistake(
        "session schedule fabrik A2 --kind forum --on 2021-11-05 --axis energie", 1, "energie"
    ),
    "key with a space": Mistake(
        "contribution submit fabrik --key 'C 9' --session A1 --by P-001 --text T",
        2,
        "--key: 'C 9' is not a valid key",
    ),
    "malformed contribution reference": Mistake(
        "proposal synthesise fabrik P9 --title T --from C-1@x",
        2,
        "--from: 'C-1@x' is not a contribution reference",
    ),
    "malformed split part": Mistake(
        "proposal split fabrik P1 --into P8 --into P9=Neuf", 2, "--into: 'P8' is not KEY=VALUE"
    ),
    "unknown method": Mistake(
        "round open fabrik R2 --session A1 --method lottery --proposal P1",
        2,
        "--method: 'lottery' is not one of",
    ),
    "percent out of range": Mistake(
        "action progress fabrik A-01 --status done --percent 140",
        2,
        "--percent: must be at most 100",
    ),
    "correcting a position that does not exist": Mistake(
        "correct fabrik '#9999' --reason R", 1, "no record at position 9999"
    ),
    "missing option": Mistake("programme axis fabrik x", 2, "Missing option '--title'"),
    "command id reused for another command": Mistake(
        "programme axis fabrik x --title X --command-id same",
        1,
        "already used for another command",
        first=("programme axis fabrik y --title Y --command-id same",),
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES.values(), ids=list(MISTAKES))
def test_a_mistake_is_refused_in_one_line_and_records_nothing(
    set_up_registre: Registre, mistake: Mistake
) -> None:
    registre = set_up_registre
    for line in mistake.first:
        registre.ok(line)
    before = registre.events()

    result = registre(mistake.line)

    assert result.exit_code == mistake.exit_code, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert mistake.says in lines[0]
    assert registre.events() == before


def test_each_problem_with_the_input_gets_its_own_line(registre: Registre) -> None:
    result = registre(
        "programme open 'a b' --title ' ' --organiser O --founder m=M --rule everyone"
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "error: SLUG: 'a b' is not a valid key: start with a letter or digit, then letters, "
        "digits, '.', '_' or '-' (at most 80)",
        "error: --title: must not be empty",
        "error: --rule: 'everyone' is not one of 'unanimity', 'majority' or 'any'",
    ]


def test_a_malformed_command_opens_no_store(tmp_path: Path) -> None:
    database = tmp_path / "never.db"
    result = CliRunner().invoke(
        main, ["--database", str(database), "programme", "axis", "fabrik", "x", "--title", ""]
    )
    assert result.exit_code == 2
    assert not database.exists()


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("postgresql://postgres@127.0.0.1:1/registre", "cannot open the PostgreSQL store"),
        ("mysql://db/registre", "unsupported database URL"),
        ("/no/such/folder/registre.db", "folder /no/such/folder does not exist"),
    ],
)
def test_a_store_that_cannot_be_opened_is_one_line(url: str, says: str) -> None:
    result = CliRunner().invoke(main, ["--database", url, "init"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and says in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_that_is_not_a_store_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just notes\n" * 100)
    result = CliRunner().invoke(main, ["--database", str(path), "init"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot open the store ")
    assert result.stderr.count("\n") == 1


def test_an_unexpected_failure_is_one_line_unless_debugging(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_: object) -> str:
        raise RuntimeError("disk on fire")

    command: type[c.Command] = c.AddAxis
    monkeypatch.setitem(handlers.COMMAND_HANDLERS, command, boom)
    args = ["programme", "axis", "fabrik", "x", "--title", "X", "--as", "clerk"]
    quiet = CliRunner().invoke(main, ["--database", sqlite_url, *args])
    assert quiet.exit_code == 70
    assert quiet.stderr == "error: internal error: RuntimeError: disk on fire; rerun with --debug\n"

    loud = CliRunner().invoke(main, ["--debug", "--database", sqlite_url, *args])
    assert loud.exit_code == 70
    assert "Traceback" in loud.stderr and "disk on fire" in loud.stderr
