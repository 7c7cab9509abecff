"""The schema is made on first use and upgraded by `registre init`; an ordinary
command on a current store runs no DDL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from registre.adapters.stores import open_store, parse_url, schema
from registre.cli.main import main

LAYER = "integration"


def test_a_new_store_is_made_at_the_current_version(store_url: str) -> None:
    with open_store(parse_url(store_url)) as store:
        assert schema.version(store) == schema.VERSION


def test_opening_a_current_store_runs_no_ddl(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(parse_url(store_url)).close()

    def no_ddl(*_: object) -> None:
        raise AssertionError("an upgrade was attempted on a current store")

    monkeypatch.setattr(schema, "upgrade", no_ddl)
    monkeypatch.setattr(schema, "_create", no_ddl)
    result = CliRunner().invoke(main, ["--database", store_url, "status"])
    assert result.exit_code == 0, result.stderr


def test_a_store_from_a_newer_version_is_refused_in_one_line(store_url: str) -> None:
    with open_store(parse_url(store_url)) as store, store.transaction(commit=True) as cursor:
        d = store.dialect
        cursor.execute(
            d.sql(f"UPDATE {d.table(schema.VERSION_TABLE)} SET version = ?"), (schema.VERSION + 1,)
        )
    result = CliRunner().invoke(main, ["--database", store_url, "status"])
    assert result.exit_code == 2
    assert "written by a newer version of Registre" in result.stderr
    assert result.stderr.count("\n") == 1


def test_init_on_an_existing_store_keeps_it_current(store_url: str) -> None:
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(main, ["--database", store_url, "init"])
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("store ready: ")
    with open_store(parse_url(store_url)) as store:
        assert schema.version(store) == schema.VERSION
