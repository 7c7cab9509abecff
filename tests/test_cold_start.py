"""A clerk runs one command per line of paper: `registre --help` lists the
commands without importing them, and a command imports only what it needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest

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
    read_models = ("plan", "tallies", "participation", "provenance", "audit_log")
    # The signing library, to sign the commit's tree head with the deployment's key.
    assert "cryptography.hazmat.primitives.asymmetric.ed25519" in modules
    assert "signed tree head" in output
    assert imported(modules, *(h for h in HEAVY if h != "cryptography")) == set()
    assert imported(modules, "eventsourcing.postgres") == set()
    assert imported(modules, *(f"registre.projections.{m}" for m in read_models)) == set()


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
