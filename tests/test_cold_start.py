"""A clerk runs one command per line of paper: `registre --help` lists the
commands without importing them, and a command imports only what it needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from registre.adapters.stores.config import ENV_VAR
from registre.cli.main import COMMANDS, load_command, main
from registre.cli.texts import DATABASE_ENV

LAYER = "integration"

MARK = "--- modules ---"


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[str, set[str]]:
    """The output of `registre ARGS` in a fresh interpreter, and the modules it imported."""
    code = (
        "import sys\n"
        "from registre.cli.main import main\n"
        "try:\n"
        f"    main({args!r}, prog_name='registre')\n"
        "except SystemExit as end:\n"
        "    assert not end.code, end.code\n"
        f"print({MARK!r})\n"
        "print('\\n'.join(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    output, _, modules = done.stdout.partition(MARK + "\n")
    return output, set(modules.split())


def imported(modules: set[str], *packages: str) -> set[str]:
    return {m for m in modules if any(m == p or m.startswith(p + ".") for p in packages)}


HEAVY = ("psycopg", "jinja2", "openpyxl", "cryptography")


def test_help_imports_neither_the_domain_nor_the_heavy_libraries(tmp_path: Path) -> None:
    output, modules = run_cli(["--help"], tmp_path)
    for name in COMMANDS:
        assert f"\n  {name} " in output
    assert imported(modules, "registre.domain", "registre.adapters", *HEAVY) == set()
    assert imported(modules, "pydantic", "eventsourcing", "registre.projections") == set()


def test_a_recording_command_on_sqlite_imports_only_what_it_needs(tmp_path: Path) -> None:
    env = {"REGISTRE_KEY_DIR": str(tmp_path / "keys"), "REGISTRE_ACTOR": "clerk"}
    db = str(tmp_path / "r.db")
    run_cli(["--database", db, "init"], tmp_path, env)
    opened, _ = run_cli(
        [
            *("--database", db, "programme", "open", "p", "--title", "P", "--organiser", "O"),
            *("--founder", "m=Métropole", "--rule", "any"),
        ],
        tmp_path,
        env,
    )
    assert "opened programme p" in opened
    output, modules = run_cli(
        ["--database", db, "programme", "axis", "p", "a1", "--title", "Axe"], tmp_path, env
    )
    assert "added axis a1" in output
    assert "registre.domain.programme" in modules  # it did record, through the domain
    # The signing library, to sign the commit's tree head with the deployment's key.
    assert "cryptography.hazmat.primitives.asymmetric.ed25519" in modules
    assert "signed tree head" in output
    assert imported(modules, *(h for h in HEAVY if h != "cryptography")) == set()
    assert imported(modules, "eventsourcing.postgres") == set()
    # Nor the projections (the store is at the current schema: no DDL), the
    # signing library's key file reader, the offline verifier, a batch's spill
    # file, or any aggregate the command does not touch.
    assert imported(modules, "registre.projections") == set()
    assert imported(modules, "cryptography.hazmat.primitives.serialization") == set()
    assert "registre.adapters.ledger.offline_verify" not in modules
    assert "registre.adapters.stores.spill" not in modules
    touched = ("audit", "base", "bounds", "errors", "ids", "kinds", "programme", "receipt")
    assert imported(modules, "registre.domain") == {
        "registre.domain",
        *(f"registre.domain.{m}" for m in (*touched, "structure")),
    }


def test_a_recording_command_without_a_signing_key_imports_no_signing_library(
    tmp_path: Path,
) -> None:
    env = {"REGISTRE_KEY_DIR": str(tmp_path / "keys"), "REGISTRE_ACTOR": "clerk"}
    db = str(tmp_path / "r.db")  # no `registre init`: the deployment has no key
    output, modules = run_cli(
        [
            *("--database", db, "programme", "open", "p", "--title", "P", "--organiser", "O"),
            *("--founder", "m=Métropole", "--rule", "any"),
        ],
        tmp_path,
        env,
    )
    assert "NOT signed: this deployment has no signing key yet" in output
    assert imported(modules, *HEAVY, "eventsourcing.postgres") == set()


def test_a_fresh_process_decodes_events_of_aggregates_it_never_named(tmp_path: Path) -> None:
    """Annulling a record loads whatever aggregate holds it: the library
    imports the event's module from its topic, in a process that imported
    no aggregate but the programme."""
    env = {"REGISTRE_KEY_DIR": str(tmp_path / "keys"), "REGISTRE_ACTOR": "clerk"}
    db = ["--database", str(tmp_path / "r.db")]
    run_cli([*db, "init"], tmp_path, env)
    run_cli(
        [
            *(*db, "programme", "open", "p", "--title", "P", "--organiser", "O"),
            *("--founder", "m=Métropole", "--rule", "any"),
        ],
        tmp_path,
        env,
    )
    scheduled, _ = run_cli(
        [*db, "session", "schedule", "p", "s1", "--kind", "workshop", "--on", "2024-05-02"],
        tmp_path,
        env,
    )
    position = scheduled.split("#")[1].split()[0]
    output, modules = run_cli(
        [*db, "correct", "p", f"#{position}", "--reason", "wrong day"], tmp_path, env
    )
    assert f"annulled record {position}" in output
    assert "registre.domain.session" in modules
    assert imported(modules, "registre.domain.voting", "registre.domain.action") == set()


def test_the_domain_package_names_each_aggregate_from_its_module() -> None:
    import importlib

    import registre.domain as domain

    for name in domain.__all__:
        found = getattr(domain, name)
        assert found.__name__ == name
        assert getattr(importlib.import_module(found.__module__), name) is found
    with pytest.raises(AttributeError):
        _ = domain.Nothing


def test_a_store_at_the_current_schema_runs_no_ddl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a current store reads its version and its deployment, and
    creates, alters or drops nothing."""
    import sqlite3

    env = {"REGISTRE_KEY_DIR": str(tmp_path / "keys"), "REGISTRE_ACTOR": "clerk"}
    db = ["--database", str(tmp_path / "r.db")]
    run_cli([*db, "init"], tmp_path, env)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    statements: list[str] = []
    connect = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection: sqlite3.Connection = connect(*args, **kwargs)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(sqlite3, "connect", traced)
    result = CliRunner().invoke(
        main,
        [
            *(*db, "programme", "open", "p", "--title", "P", "--organiser", "O"),
            *("--founder", "m=Métropole", "--rule", "any"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert statements  # the trace saw the store's connection
    words = {statement.split()[0].upper() for statement in statements}
    assert words <= {"PRAGMA", "BEGIN", "SELECT", "INSERT", "COMMIT", "ROLLBACK"}, words


@pytest.mark.parametrize("limit", [20, 45, 74, 200])
def test_the_listed_summaries_are_the_commands_own(limit: int) -> None:
    ctx = click.Context(main)
    assert main.list_commands(ctx) == list(COMMANDS)
    for name, (_, _, summary) in COMMANDS.items():
        command = load_command(name)
        assert command.name == name
        stand_in = click.Command(name, help=summary)
        assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit)


def test_the_database_variable_is_the_stores_own() -> None:
    assert DATABASE_ENV == ENV_VAR
