"""The whole command line as the PostgreSQL application role (``init --create-role``),
and the role's attempt to reach the owner's rights through what the owner runs."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from cli_support import Registre, set_up
from conftest import AppRole

from registre.adapters.stores.config import parse_url

LAYER = "e2e"
pytestmark = pytest.mark.stores("postgres")

POLIS = Path(__file__).parent / "fixtures" / "polis" / "london.youth.policing"


def _user(url: str) -> str | None:
    return urlsplit(url).username


def test_the_command_line_tests_run_as_the_application_role(
    store_url: str, postgres_url: str, app_role: AppRole
) -> None:
    assert _user(store_url) == app_role.name
    assert _user(postgres_url) != app_role.name
    schema = parse_url(store_url).env["POSTGRES_SCHEMA"]
    with (
        psycopg.connect(store_url.split("?")[0], autocommit=True) as conn,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        conn.execute(f"DELETE FROM {schema}.registre_events")


def test_every_command_runs_as_the_application_role(store_url: str, tmp_path: Path) -> None:
    registre = Registre(store_url)
    assert registre.plain("init").exit_code == 0
    set_up(registre)
    sheet = tmp_path / "participants.csv"
    sheet.write_text(
        "key,name,organisation,organisation_type,contact,organisation_is_person\n"
        "P-9,Yves Le Goff,Start-up Nautile,start-up,,\n",
        encoding="utf-8",
    )
    registre.ok(f"import sheet fabrik {sheet}")
    registre.ok("programme open agora --title Agora --organiser Ville --founder v=Ville --rule any")
    registre.ok(f"import polis agora {POLIS} --session EL1")
    for line in (
        "round close fabrik R1",
        "validate fabrik P1 --body 'Comité de pilotage' --minutes CR-1",
        "decide fabrik P1 --founder metropole --approve --rationale oui",
        "decide fabrik P1 --founder etat --approve --rationale oui",
        "decide fabrik P1 --founder region --approve --rationale oui",
        "participant erase fabrik P-002 --reason 'demande RGPD'",
    ):
        registre.ok(line)
    published = registre.ok("plan publish fabrik --label 'Assises 2022'")
    assert "signed checkpoint #" in published.stdout
    for line in (
        "audit checkpoint --label 'comité'",
        "audit verify",
        "audit prove 3",
        "audit consistency 1 2",
        "audit key",
        "audit key --rotate",
        "audit checkpoint --label 'après rotation'",
        "audit verify",
        "replay",
        "follow --once",
        "status",
        "plan show fabrik",
        "history fabrik",
        "trace fabrik P1",
        "stats fabrik",
        "export plan fabrik --format csv",
        f"export events --all --out {tmp_path / 'events.jsonl'}",
        f"audit checkpoint --export {tmp_path / 'checkpoint.json'}",
        "audit key --export --format base64",
        f"publish fabrik --out {tmp_path / 'site'}",
    ):
        result = registre.plain(line)
        assert result.exit_code == 0, f"{line}: {result.stderr}"
    (tmp_path / "key.pub").write_text(registre.plain("audit key --export").stdout)
    offline = registre.plain(
        f"audit verify --export {tmp_path / 'events.jsonl'} "
        f"--checkpoint {tmp_path / 'checkpoint.json'} --public-key {tmp_path / 'key.pub'}"
    )
    assert offline.exit_code == 0, offline.stderr
    assert (tmp_path / "site" / "index.html").exists()


# -- the escalation ------------------------------------------------------------------------

# A trap the role sets for the owner: a function that, run with the owner's
# rights, takes the append-only triggers away and rewrites event #1.
TRAP = """
CREATE TABLE {s}.trap_fired (who TEXT NOT NULL);
CREATE FUNCTION {s}.trap() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {s}.trap_fired VALUES (current_user);
  IF current_user <> '{role}' THEN
    EXECUTE 'ALTER TABLE {s}.registre_events DISABLE TRIGGER USER';
    EXECUTE 'UPDATE {s}.registre_events SET topic = topic || '' '' WHERE notification_id = 1';
  END IF;
  RETURN NULL;
END $$;
CREATE FUNCTION {s}.trap_read() RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {s}.trap_fired VALUES (current_user);
  IF current_user <> '{role}' THEN
    EXECUTE 'ALTER TABLE {s}.registre_events DISABLE TRIGGER USER';
  END IF;
  RETURN true;
END $$;
"""


def _arm(conn: psycopg.Connection[tuple[object, ...]], schema: str, role: str) -> list[str]:
    """Sets the trap on every table the role owns (statement triggers on every
    change) and on a view where the owner once kept personal data; returns the
    tables trapped."""
    conn.execute(TRAP.format(s=schema, role=role))
    owned = [
        str(r[0])
        for r in conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' AND pg_get_userbyid(c.relowner) = %s "
            "AND c.relname <> 'trap_fired'",
            (schema, role),
        ).fetchall()
    ]
    for table in owned:
        conn.execute(
            f"CREATE TRIGGER trap AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {schema}.{table} FOR EACH STATEMENT EXECUTE FUNCTION {schema}.trap()"
        )
    conn.execute(
        f"CREATE VIEW {schema}.registre_personal_data AS SELECT '' AS programme, "
        f"'' AS participant, '' AS name, '' AS contact WHERE {schema}.trap_read()"
    )
    return owned


def test_the_role_cannot_reach_the_owner_through_what_the_owner_runs(
    postgres_url: str, app_role: AppRole, tmp_path: Path
) -> None:
    owner = Registre(postgres_url)
    owner_name = parse_url(postgres_url).env["POSTGRES_USER"]
    assert owner.plain("init").exit_code == 0
    role_url = app_role.url(postgres_url)
    role = Registre(role_url)
    set_up(role)
    assert role.plain("plan show fabrik").exit_code == 0  # the read models exist, the role's
    schema = parse_url(postgres_url).env["POSTGRES_SCHEMA"]
    with psycopg.connect(role_url.split("?")[0], autocommit=True) as conn:
        trapped = _arm(conn, schema, app_role.name)
        topic = conn.execute(
            f"SELECT topic FROM {schema}.registre_events WHERE notification_id = 1"
        ).fetchone()
    assert {"registre_projection", "registre_personal_sealed"} <= set(trapped)
    assert any(t.startswith("rp_plan_") for t in trapped)

    # Every command of the owner but init is refused before it reads anything.
    for line in (
        "plan show fabrik",
        "status",
        "replay",
        "follow --once",
        "audit verify",
        "audit checkpoint",
        f"publish fabrik --out {tmp_path / 'site'}",
        "history fabrik",
    ):
        refused = owner.plain(line)
        assert refused.exit_code == 2, line
        assert refused.stderr.startswith(f"error: {owner_name} owns the tables"), refused.stderr
        assert f"run this command as that role (postgresql://{app_role.name}@" in refused.stderr
    refused = owner("contribution submit fabrik --key C-9 --session A1 --by P-001 --text Non")
    assert refused.exit_code == 2 and "owns the tables" in refused.stderr
    # init (and the grant again) runs, reading nothing of the role's.
    assert owner.plain("init").exit_code == 0
    again = owner.plain(f"init --create-role {app_role.name}")
    assert again.exit_code == 0, again.stderr

    with psycopg.connect(postgres_url.split("?")[0], autocommit=True) as conn:
        fired = conn.execute(f"SELECT who FROM {schema}.trap_fired").fetchall()
        enabled = conn.execute(
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE c.relname = 'registre_events' AND t.tgenabled = 'D' "
            "AND c.relnamespace = %s::regnamespace",
            (schema,),
        ).fetchone()
        after = conn.execute(
            f"SELECT topic FROM {schema}.registre_events WHERE notification_id = 1"
        ).fetchone()
    assert fired == []  # the owner ran none of it
    assert enabled == (0,)  # no append-only trigger was disabled
    assert after == topic

    # The trap was armed: the role's own next command sets it off, with its own
    # rights, which change nothing of the record.
    assert role.plain("replay").exit_code == 0
    with psycopg.connect(role_url.split("?")[0], autocommit=True) as conn:
        whom = {r[0] for r in conn.execute(f"SELECT who FROM {schema}.trap_fired").fetchall()}
    assert whom == {app_role.name}
    verified = role.plain("--json audit verify")
    assert verified.exit_code == 0, verified.stdout
    assert json.loads(verified.stdout)["ok"] is True


def test_the_owner_of_a_new_database_runs_every_command_in_its_public_schema(
    postgres_admin: psycopg.Connection[tuple[object, ...]], postgres_database: str
) -> None:
    """PostgreSQL 15 gives a new database's public schema to pg_database_owner,
    which may create objects there: that is the database's owner, not another
    role, so a store kept there by that owner, without an application role,
    runs every command."""
    name = f"{postgres_database.rsplit('/', 1)[1]}_public"
    postgres_admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = f"{postgres_database.rsplit('/', 1)[0]}/{name}"
        registre = Registre(url)
        assert registre("init", actor=None).exit_code == 0
        set_up(registre)
        status = registre("status", actor=None)
        assert status.exit_code == 0 and "events recorded" in status.stdout, status.stderr
    finally:
        postgres_admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
