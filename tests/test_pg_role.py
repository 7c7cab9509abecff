"""The PostgreSQL application role: it records, erases personal data and
rebuilds projections, but the privileges themselves refuse it UPDATE, DELETE
and TRUNCATE on the record, triggers or not."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.stores import open_store
from registre.adapters.stores import schema as store_schema
from registre.adapters.stores.config import parse_url
from registre.domain import DecisionRule, OrganisationType
from registre.projections import projector_for

LAYER = "integration"

pytestmark = pytest.mark.postgres
CTX = c.Context(actor="greffe")


def _as(url: str, role: str) -> str:
    parts = urlsplit(url)
    netloc = f"{role}@{parts.hostname}:{parts.port or 5432}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


@pytest.fixture
def role_url(postgres_url: str) -> Iterator[str]:
    role = f"registre_app_{uuid.uuid4().hex[:8]}"
    with open_store(parse_url(postgres_url)) as owner:
        protected = store_schema.grant_application_role(owner, role)
    assert protected == [
        "registre_checkpoints",
        "registre_cosignatures",
        "registre_events",
        "registre_keys",
        "registre_ledger",
        "registre_tree_heads",
    ]
    try:
        yield _as(postgres_url, role)
    finally:
        schema = parse_url(postgres_url).env["POSTGRES_SCHEMA"]
        with psycopg.connect(postgres_url.split("?")[0], autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def test_init_create_role_grants_it(postgres_url: str, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from registre.cli.main import main

    role = f"registre_cli_{uuid.uuid4().hex[:8]}"
    args = ["--database", postgres_url, "init", "--key-dir", str(tmp_path), "--create-role", role]
    try:
        result = CliRunner().invoke(main, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert result.stdout.splitlines()[-1] == (
            f"application role {role}: SELECT and INSERT only on the record; run every other "
            "command as it (the tables' owner runs only `registre init`)"
        )
        # From now on the owner runs only init.
        refused = CliRunner().invoke(main, ["--database", postgres_url, "status"])
        assert refused.exit_code == 2 and "run this command as that role" in refused.stderr
        with psycopg.connect(postgres_url.split("?")[0]) as conn:
            schema = parse_url(postgres_url).env["POSTGRES_SCHEMA"]
            rights = conn.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants "
                "WHERE grantee = %s AND table_schema = %s AND table_name = 'registre_events'",
                (role, schema),
            ).fetchall()
        assert sorted(r[0] for r in rights) == ["INSERT", "SELECT"]
    finally:
        schema = parse_url(postgres_url).env["POSTGRES_SCHEMA"]
        with psycopg.connect(postgres_url.split("?")[0], autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f'DROP OWNED BY "{role}"')
            conn.execute(f'DROP ROLE "{role}"')


def test_the_role_records_erases_and_rebuilds_but_cannot_change_the_record(
    role_url: str,
) -> None:
    with Registre.open(parse_url(role_url)) as service:
        service.handle(
            c.OpenProgramme(
                programme="alpha",
                title="T",
                organiser="O",
                founders={"m": "M"},
                rule=DecisionRule.ANY,
            ),
            CTX,
        )
        service.handle(
            c.RegisterParticipant(
                programme="alpha",
                key="p1",
                name="Anne Martin",
                organisation="Asso",
                organisation_type=OrganisationType.ASSOCIATION,
            ),
            CTX,
        )
        service.handle(c.EraseParticipant(programme="alpha", key="p1", reason="RGPD"), CTX)
        assert service.personal_names("alpha") == {}
        projector = projector_for(service.store)
        for name in projector.projections:
            projector.replay(name)
        assert service.store.app.recorder.max_notification_id() == 6

    env = parse_url(role_url).env
    schema = env["POSTGRES_SCHEMA"]
    with psycopg.connect(role_url.split("?")[0], autocommit=True) as conn:
        assert conn.execute(f"SELECT count(*) FROM {schema}.registre_ledger").fetchone() == (6,)
        for table in ("registre_events", "registre_ledger"):
            for statement in (
                f"UPDATE {schema}.{table} SET {'topic' if 'events' in table else 'position'} "
                f"= {'topic' if 'events' in table else 'position'}",
                f"DELETE FROM {schema}.{table}",
                f"TRUNCATE {schema}.{table}",
            ):
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
                    conn.execute(statement)
        # Nor can it take the triggers away: only the owner may.
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
            conn.execute(f"ALTER TABLE {schema}.registre_events DISABLE TRIGGER ALL")
