"""A published plan version and the checkpoint that covers it: signed together,
or the command says what stands and what to run; a retry publishes nothing twice."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from cli_support import Registre, set_up
from conftest import AppRole

from registre.adapters.stores.config import parse_url

LAYER = "e2e"

PUBLISH = "plan publish fabrik --label 'Assises 2022'"


def _versions(registre: Registre) -> int:
    history = json.loads(registre.plain("--json history fabrik --kind PlanPublished").stdout)
    return len(history)


def _checkpoints(registre: Registre) -> list[int]:
    found = json.loads(registre.plain("--json audit verify").stdout)
    return [found["checkpoints"], found["events"]]


@pytest.mark.stores("sqlite", "postgres")
def test_a_retry_without_a_command_id_publishes_nothing_twice(store_url: str) -> None:
    registre = Registre(store_url)
    registre.plain("init")
    set_up(registre)
    first = registre.ok(PUBLISH)
    assert first.stdout.startswith("published plan version 1 of fabrik: Assises 2022; signed")
    before = registre.events()
    again = registre(PUBLISH)
    assert again.exit_code == 1
    assert again.stderr == (
        "error: plan version 1 of fabrik is already published as 'Assises 2022': nothing "
        "recorded (a new version needs a new label); checkpoint #1 covers it\n"
    )
    assert registre.events() == before and _versions(registre) == 1
    second = registre.ok("plan publish fabrik --label 'Assises 2023'")
    assert second.stdout.startswith("published plan version 2 of fabrik: Assises 2023; signed")


def test_a_store_that_cannot_sign_publishes_nothing(store_url: str, tmp_path: Path) -> None:
    registre = Registre(store_url)
    registre.plain("init")
    set_up(registre)
    before = registre.events()
    refused = registre(PUBLISH, env={"REGISTRE_KEY_DIR": str(tmp_path / "elsewhere")})
    assert refused.exit_code == 1
    assert refused.stderr.startswith(
        "error: nothing published: a plan version is published with a checkpoint signed "
        "over it, and no signing key of deployment "
    )
    assert registre.events() == before and _versions(registre) == 0


@pytest.mark.stores("postgres")
def test_a_checkpoint_that_fails_after_the_publication_says_what_stands(
    store_url: str, postgres_url: str, app_role: AppRole
) -> None:
    registre = Registre(store_url)
    registre.plain("init")
    set_up(registre)
    schema = parse_url(store_url).env["POSTGRES_SCHEMA"]
    # The tables' owner, on the same store (the test runs as the application role).
    with psycopg.connect(postgres_url.split("?")[0], autocommit=True) as conn:
        # The store refuses the checkpoint once the publication is committed.
        conn.execute(f"REVOKE INSERT ON {schema}.registre_checkpoints FROM {app_role.name}")
        published = registre(PUBLISH)
        assert published.exit_code == 0
        assert published.stdout.startswith("published plan version 1 of fabrik: Assises 2022\n")
        assert published.stderr.startswith(
            "warning: published plan version 1 of fabrik: Assises 2022 (#"
        )
        assert published.stderr.rstrip().endswith(
            "stands, but no checkpoint covers it yet: permission denied for table "
            "registre_checkpoints. Do not publish it again: run "
            "`registre audit checkpoint --label 'Assises 2022'`"
        )
        conn.execute(f"GRANT INSERT ON {schema}.registre_checkpoints TO {app_role.name}")
    before = registre.events()
    # The clerk retries anyway: nothing is published twice, the checkpoint is signed.
    retried = registre.ok(PUBLISH)
    assert retried.stdout.startswith(
        "plan version 1 of fabrik is already published as 'Assises 2022': nothing recorded"
    )
    assert "; signed checkpoint #1, which covers the " in retried.stdout
    assert registre.events() == before and _versions(registre) == 1
    assert _checkpoints(registre) == [1, before]
