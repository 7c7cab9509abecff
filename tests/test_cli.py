"""The clerk's command line, end to end: on a SQLite file, and the whole programme
from opening to a published plan on PostgreSQL too."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import OPEN, SETUP, Registre, set_up
from click.testing import CliRunner

from registre.adapters.application import Registre as Record
from registre.adapters.stores.config import parse_url
from registre.cli.main import main

LAYER = "e2e"


@pytest.fixture
def registre(store_url: str) -> Registre:
    return Registre(store_url)


@pytest.mark.stores("sqlite", "postgres")
def test_a_programme_is_recorded_from_opening_to_a_published_plan(registre: Registre) -> None:
    init = registre.plain("init")
    assert init.exit_code == 0 and init.stdout.startswith("store ready: ")
    set_up(registre)
    steps = [
        "vote cast fabrik R1 --by P-002 --for P1",
        "vote cast fabrik R1 --by P-002 --for P2",
        "vote retract fabrik R1 --by P-002 --for P2",
        "round close fabrik R1",
        "contribution amend fabrik C-2 --text 'Des locaux partagés au Biopôle'",
        "proposal reword fabrik P2 --title 'Locaux partagés au Biopôle'",
        "proposal merge fabrik P4 --from P2 --from P3 --title 'Locaux et fonds'",
        "proposal split fabrik P4 --into P5=Locaux --into P6=Fonds",
        "contribution withdraw fabrik C-3 --reason 'retirée par son auteur'",
        "validate fabrik P1 --body 'Comité de pilotage' --minutes CR-2022-03",
        "validate fabrik P5 --body 'Comité de pilotage' --minutes CR-2022-03 --return",
        "decide fabrik P1 --founder metropole --approve --rationale 'Priorité du mandat'",
        "decide fabrik P1 --founder etat --amend --rationale 'Préciser le budget'",
        "decide fabrik P1 --founder etat --approve --revise --rationale 'Budget précisé'",
        "decide fabrik P1 --founder region --approve --rationale 'Conforme au SRDEII' "
        "--on-behalf-of 'Région Occitanie' --source 'courrier 2022-118'",
        "action assign fabrik A-01 --priority P1 --title 'Ouvrir le guichet' "
        "--lead 'CHU de Montpellier' --partner 'AD Occitanie' --due 2023-06-30",
        "action progress fabrik A-01 --status in-progress --percent 40 --note 'appel lancé'",
        "plan publish fabrik --label 'Assises 2022'",
        "action complete fabrik A-01 --note 'guichet ouvert'",
        "participant erase fabrik P-002 --reason 'demande RGPD 12'",
    ]
    # The last output of each command, by its first two words.
    outputs = {" ".join(line.split()[:2]): registre.ok(line).stdout for line in steps}

    assert "priority adopted into the plan" in outputs["decide fabrik"]
    assert outputs["round close"].startswith("closed round R1\n  #")
    assert outputs["plan publish"].startswith("published plan version 1 of fabrik")
    assert outputs["action complete"].startswith("action A-01 is done at 100%")

    amended = outputs["contribution amend"].splitlines()[1].split()[0]  # "#N"
    before = registre.events()
    correction = registre.ok(f"correct fabrik {amended} --reason 'texte saisi par erreur'")
    assert correction.stdout.startswith(f"annulled record {amended[1:]} ")
    assert registre.events() > before


def test_each_recorded_event_is_printed_with_its_position_kind_and_subject(
    registre: Registre,
) -> None:
    result = registre.ok(OPEN)
    lines = result.stdout.splitlines()
    assert lines[0] == "opened programme fabrik (unanimity of Métropole, État, Région)"
    assert lines[1] == "  #1 Programme.Opened (programme fabrik)"
    assert lines[2].startswith("  #2 ") and lines[2].endswith("(command receipt)")


def test_json_output_is_the_result_as_data(registre: Registre) -> None:
    result = registre(f"{OPEN} --command-id open-1", as_json=True)
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["command"] == "programme open"
    assert data["command_id"] == "open-1"
    assert data["already_recorded"] is False
    assert data["recorded"][0]["kind"] == "Programme.Opened"
    assert data["recorded"][0]["position"] == 1

    init = registre.runner.invoke(main, ["--json", "--database", registre.url, "init"])
    assert json.loads(init.stdout)["kind"] in ("sqlite", "postgres")


def test_warnings_go_to_stderr_and_the_command_still_records(registre: Registre) -> None:
    for line in SETUP[:7]:
        registre.ok(line)
    again = registre("session attend fabrik A1 P-001 P-002")
    assert again.exit_code == 0
    assert again.stderr == "warning: already listed, not recorded again: P-001\n"


def test_a_repeated_command_id_records_nothing_new_and_says_so(registre: Registre) -> None:
    registre.ok(f"{OPEN} --command-id open-fabrik")
    before = registre.events()
    again = registre.ok(f"{OPEN} --command-id open-fabrik")
    assert again.stdout == (
        "already recorded (command id open-fabrik): opened programme fabrik "
        "(unanimity of Métropole, État, Région) — nothing new recorded\n"
    )
    assert registre.events() == before
    as_json = registre(f"{OPEN} --command-id open-fabrik", as_json=True)
    assert json.loads(as_json.stdout)["already_recorded"] is True
    assert registre.events() == before


def test_a_recording_command_without_an_actor_is_refused(registre: Registre) -> None:
    registre.plain("init")
    before = registre.events()
    result = registre(OPEN, actor=None, env={"REGISTRE_ACTOR": ""})
    assert result.exit_code == 2
    assert (
        result.stderr == "error: --as is required: say who is recording (or set REGISTRE_ACTOR)\n"
    )
    assert registre.events() == before


def test_the_actor_can_come_from_the_environment(registre: Registre) -> None:
    result = registre(OPEN, actor=None, env={"REGISTRE_ACTOR": "greffe"})
    assert result.exit_code == 0, result.stderr
    with Record.open(parse_url(registre.url)) as service:
        _, first = next(iter(service.notifications()))
    assert first.audit.actor == "greffe"


def test_the_store_comes_from_the_environment_too(sqlite_url: str) -> None:
    result = CliRunner().invoke(main, ["init"], env={"REGISTRE_DATABASE_URL": sqlite_url})
    assert result.exit_code == 0
    assert Path(sqlite_url).exists()


def test_every_command_and_group_has_help_with_an_example() -> None:
    runner = CliRunner()

    def walk(path: list[str], command: object) -> Iterator[list[str]]:
        yield path
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk([*path, name], sub)

    paths = list(walk([], main))
    assert len(paths) > 25
    for path in paths:
        result = runner.invoke(main, [*path, "--help"])
        assert result.exit_code == 0, path
        assert re.search(r"Example:\n +registre ", result.stdout), path


def test_the_installed_script_records_into_a_sqlite_file(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "registre"
    database = tmp_path / "registre.db"
    env = {**os.environ, "REGISTRE_DATABASE_URL": str(database), "REGISTRE_ACTOR": "clerk"}
    env.pop("REGISTRE_DEBUG", None)
    opened = subprocess.run(
        [str(script), *shlex.split(OPEN)], capture_output=True, text=True, env=env, check=False
    )
    assert opened.returncode == 0, opened.stderr
    assert "#1 Programme.Opened" in opened.stdout
    refused = subprocess.run(
        [str(script), *shlex.split("programme axis nowhere x --title X")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stderr.startswith("error: no programme 'nowhere' in this store")
    assert "Traceback" not in refused.stderr


def test_the_demo_prints_what_it_recorded(registre: Registre) -> None:
    pytest.importorskip("registre.adapters.demo")
    result = registre.plain("demo")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    recorded = registre.events()
    assert recorded > 0

    again = registre.runner.invoke(main, ["--json", "--database", registre.url, "demo"])
    assert again.exit_code == 1  # a record is never rewritten: the demo refuses a second run
    assert again.stderr.startswith("error: ") and again.stderr.count("\n") == 1
    assert registre.events() == recorded


def test_the_demo_lines_come_as_json_too(sqlite_url: str) -> None:
    pytest.importorskip("registre.adapters.demo")
    result = CliRunner().invoke(main, ["--json", "--database", sqlite_url, "demo"])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["lines"]
