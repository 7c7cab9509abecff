"""Erasure that erases: nothing left in the record, its receipts or the
database files can name or confirm an erased person.

Names, contacts and the names of one-person organisations are stored only
sealed with a key per person kept in the key directory; erasure destroys the
key and deletes the sealed row. Receipts keep a fingerprint of what stays
public and an HMAC of the personal fields under that key. The files of both
stores are searched for the erased bytes; a marker that is meant to be
stored (an organisation's name in the public log) is searched for too, so a
search that could not see the data would fail instead of passing.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from service_support import ctx, open_programme

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.application.service import fingerprint, same_command
from registre.adapters.ledger.verify import verify
from registre.adapters.stores import parse_url, schema
from registre.adapters.stores import personal_data as personal
from registre.cli.main import main
from registre.domain import OrganisationType, Participant
from registre.domain.errors import RuleViolation

LAYER = "integration"

P = "prog"
FIXTURES = Path(__file__).parent / "fixtures"


def token(what: str) -> str:
    """A value found nowhere else: a hit in a file can only be this test's."""
    return f"{what}{uuid.uuid4().hex[:12]}"


def registration(
    key: str, name: str, contact: str, organisation: str, *, one_person: bool = False
) -> c.RegisterParticipant:
    return c.RegisterParticipant(
        programme=P,
        key=key,
        name=name,
        contact=contact,
        organisation=organisation,
        organisation_type=OrganisationType.SME,
        organisation_is_person=one_person,
    )


def stored_states(service: Registre) -> list[bytes]:
    return [n.state for n in service.store.notifications(0, 100_000)]


def log_text(service: Registre) -> str:
    return "\n".join(s.decode() for s in stored_states(service))


def receipt_of(service: Registre, command_id: str) -> str:
    found = service.receipt(command_id)
    assert found is not None
    return found.fingerprint


# -- fingerprints ------------------------------------------------------------------------------


def test_a_receipt_cannot_confirm_a_name_or_contact_once_the_person_is_erased(
    service: Registre,
) -> None:
    open_programme(service, P)
    name, contact = token("Nom"), token("courriel")
    true = registration("p1", name, contact, "Coopérative")
    service.handle(true, ctx("reg-p1"))
    mark = receipt_of(service, "reg-p1")
    # What the earlier version kept: the digest of the whole command, name included.
    whole = hashlib.sha256(f"{true.ACTION}\n{true.model_dump_json()}".encode()).hexdigest()
    text = log_text(service)
    assert whole not in text and name not in text and contact not in text
    assert hashlib.sha256(name.encode()).hexdigest() not in text

    # The public half is the same whoever registered; the other half needs the key.
    guess = registration("p1", "Autre Nom", "autre@example.org", "Coopérative")
    public = mark.split(":")[1]
    with_guess = fingerprint(guess, service.store.keys)
    assert with_guess.split(":")[1] == public and with_guess != mark
    assert same_command(mark, true, service.store.keys)
    assert not same_command(mark, guess, service.store.keys)

    service.handle(c.EraseParticipant(programme=P, key="p1", reason="RGPD"), ctx())
    assert service.store.keys.get(P, "p1") is None
    # Without the key, the true name and a wrong guess are told apart by nothing.
    assert same_command(mark, true, service.store.keys)
    assert same_command(mark, guess, service.store.keys)
    assert name not in log_text(service)


def test_a_repeated_registration_is_recognised_and_a_changed_one_refused(
    service: Registre,
) -> None:
    open_programme(service, P)
    name, contact = token("Nom"), token("courriel")
    first = service.handle(registration("p1", name, contact, "Asso"), ctx("reg-p1"))
    assert not first.already_recorded
    again = service.handle(registration("p1", name, contact, "Asso"), ctx("reg-p1"))
    assert again.already_recorded and again.recorded == []
    for changed in (
        registration("p1", name + "x", contact, "Asso"),
        registration("p1", name, contact + "x", "Asso"),
        registration("p1", name, contact, "Asso", one_person=True),
        registration("p1", name, contact, "Autre asso"),
    ):
        with pytest.raises(RuleViolation, match="already used for another command"):
            service.handle(changed, ctx("reg-p1"))

    service.handle(c.EraseParticipant(programme=P, key="p1", reason="RGPD"), ctx())
    head = service.store.head()
    after = service.handle(registration("p1", name, contact, "Asso"), ctx("reg-p1"))
    assert after.already_recorded
    assert service.store.head() == head
    assert service.store.keys.get(P, "p1") is None  # no key made again for an erased person


def test_receipts_of_an_earlier_store_still_recognise_their_commands(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    shutil.copyfile(FIXTURES / "store_v0.db", path)
    slug, key = "fabrik-medvallee", "P-03"
    with Registre.open(parse_url(str(path))) as service:
        registered = next(
            e
            for _, e in service.notifications()
            if isinstance(e, Participant.Registered) and e.programme == slug and e.key == key
        )
        command_id = registered.audit.command_id
        mark = receipt_of(service, command_id)
        assert not mark.startswith("k1:")  # the earlier fingerprint, kept as it was
        original = c.RegisterParticipant(
            programme=slug,
            key=key,
            name="Sophie Marchand",
            organisation="Commune de Vallon-sur-Lez",
            organisation_type=OrganisationType.LOCAL_AUTHORITY,
        )
        assert service.handle(original, ctx(command_id)).already_recorded
        changed = original.model_copy(update={"name": "Sophie Marchant"})
        with pytest.raises(RuleViolation, match="already used"):
            service.handle(changed, ctx(command_id))


# -- the plain table of earlier stores ------------------------------------------------------


def test_an_earlier_store_has_its_names_sealed_and_the_plain_ones_gone(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    shutil.copyfile(FIXTURES / "store_v0.db", path)
    name = b"Sophie Marchand"
    assert name in path.read_bytes()  # the earlier version kept it in plain text
    with Registre.open(parse_url(str(path))) as service:
        assert schema.version(service.store) == schema.VERSION
        with service.store.transaction() as cursor:
            assert not service.store.dialect.table_exists(cursor, personal.PLAIN_TABLE)
        assert service.personal_names("fabrik-medvallee")["P-03"] == "Sophie Marchand"
        assert verify(service.store).ok
    found = [p.name for p in tmp_path.iterdir() if p.is_file() and name in p.read_bytes()]
    assert found == []


# -- the files of the stores ----------------------------------------------------------------------


def _sqlite_files(url: str) -> list[Path]:
    db = Path(url)
    return [p for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]


def _postgres_files(service: Registre) -> list[Path]:
    with service.store.transaction(commit=True) as cursor:
        cursor.execute("CHECKPOINT")
        rows = service.store.dialect.rows(
            cursor,
            "SELECT current_setting('data_directory') AS dir, d.oid AS oid "
            "FROM pg_database d WHERE d.datname = current_database()",
        )
    folder = Path(rows[0]["dir"])
    try:
        files = [p for p in (folder / "base" / str(rows[0]["oid"])).iterdir() if p.is_file()]
        files += [p for p in (folder / "pg_wal").iterdir() if p.is_file()]
    except PermissionError:
        pytest.skip(f"the PostgreSQL data directory {folder} cannot be read by this user")
    except FileNotFoundError:
        pytest.skip(f"the PostgreSQL data directory {folder} is on another machine")
    return files


def files_holding(files: list[Path], needle: str) -> list[str]:
    data = needle.encode()
    held = []
    for path in files:
        try:
            if data in path.read_bytes():
                held.append(path.name)
        except FileNotFoundError:  # a WAL segment recycled meanwhile
            continue
    return held


def test_an_erased_persons_bytes_are_absent_from_the_database_files(
    service: Registre, store_url: str
) -> None:
    open_programme(service, P)
    name, contact, shop = token("Nom"), token("courriel"), token("Atelier")
    public = token("Organisation")  # meant to be in the log: the search's witness
    service.handle(registration("p1", name, contact, shop, one_person=True), ctx())
    service.handle(registration("p2", token("Nom"), token("mail"), public), ctx())
    assert service.personal_names(P)["p1"] == name  # held, and readable, before the erasure

    service.handle(c.EraseParticipant(programme=P, key="p1", reason="RGPD"), ctx())
    assert verify(service.store).ok
    files = (
        _postgres_files(service)
        if service.store.dialect.kind == "postgres"
        else _sqlite_files(store_url)
    )
    assert files_holding(files, public), "the search does not see what the store wrote"
    for erased in (name, contact, shop):
        assert files_holding(files, erased) == [], erased
    assert "p1" not in service.personal_names(P)


# -- organisations of one person --------------------------------------------------------------


def test_an_organisation_of_one_person_stays_out_of_the_log(service: Registre) -> None:
    open_programme(service, P)
    shop = token("Atelier")
    result = service.handle(
        registration("p1", token("Nom"), token("mail"), shop, one_person=True), ctx()
    )
    assert result.summary == "registered participant p1 (organisation withheld, sme)"
    assert [r.kind for r in result.recorded] == [
        "Participant.RegisteredOrganisationWithheld",
        "CommandReceipt.Received",
    ]
    assert shop not in log_text(service)
    found = service.load(Participant, P, "p1")
    assert found is not None and found.organisation_withheld
    assert found.organisation_type is OrganisationType.SME
    with service.store.transaction() as cursor:
        sealed = personal.sealed_rows(cursor, service.store.dialect, P, "p1")["p1"]
    assert personal.opened(service.store.keys, P, "p1", sealed).organisation == shop
    # It takes part like anyone: listed, counted by its type.
    service.handle(c.RecordAttendance(programme=P, session="W1", participants=["p1"]), ctx())


@pytest.fixture
def cli(sqlite_url: str) -> Iterator[Any]:
    runner = CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(main, ["--database", sqlite_url, *args])

    run(
        "programme",
        "open",
        P,
        "--as",
        "greffe",
        "--title",
        "T",
        "--organiser",
        "V",
        "--founder",
        "v=Ville",
        "--rule",
        "any",
    )
    run(
        "session", "schedule", P, "A1", "--as", "greffe", "--kind", "workshop", "--on", "2019-03-14"
    )
    yield run


def test_a_sheet_marks_an_organisation_of_one_person(cli: Any, tmp_path: Path) -> None:
    sheet = tmp_path / "participants.csv"
    sheet.write_text(
        "key,name,organisation,organisation_type,contact,organisation_is_person\n"
        "P-1,Anne Zorglub,Atelier Zorglub,sme,,oui\n"
        "P-2,Yves Le Goff,Start-up Nautile,start-up,,\n",
        encoding="utf-8",
    )
    result = cli("import", "sheet", P, str(sheet), "--as", "greffe")
    assert result.exit_code == 0, result.stderr
    history = cli("--json", "history", P)
    assert "Atelier Zorglub" not in history.stdout
    export = json.loads(cli("--json", "participant", "export", P, "P-1").stdout)
    assert export["registration"]["organisation_withheld"] is True
    assert export["personal_data"]["organisation"] == "Atelier Zorglub"
    other = json.loads(cli("--json", "participant", "export", P, "P-2").stdout)
    assert other["registration"]["organisation"] == "Start-up Nautile"

    sheet.write_text(
        "key,name,organisation,organisation_type,organisation_is_person\n"
        "P-3,Lou,Atelier Lou,sme,peut-être\n",
        encoding="utf-8",
    )
    refused = cli("import", "sheet", P, str(sheet), "--as", "greffe")
    assert refused.exit_code == 2
    assert "participants.csv:2: organisation_is_person" in refused.stderr
    assert "Traceback" not in refused.stderr


# -- the subject access request -------------------------------------------------------------------


def test_a_person_gets_everything_held_about_them_and_then_what_was_erased(cli: Any) -> None:
    as_clerk = ("--as", "greffe")
    assert (
        cli(
            "participant",
            "register",
            P,
            "P-1",
            *as_clerk,
            "--name",
            "Anne Zorglub",
            "--org",
            "Atelier Zorglub",
            "--org-type",
            "sme",
            "--org-is-person",
            "--contact",
            "anne@zorglub.example",
        ).exit_code
        == 0
    )
    cli(
        "participant",
        "register",
        P,
        "P-2",
        *as_clerk,
        "--name",
        "Yves",
        "--org",
        "Nautile",
        "--org-type",
        "start-up",
    )
    cli("session", "attend", P, "A1", "P-1", "P-2", *as_clerk)
    cli(
        "contribution",
        "submit",
        P,
        "--key",
        "C-1",
        "--session",
        "A1",
        "--by",
        "P-1,P-2",
        "--text",
        "Un fonds",
        *as_clerk,
    )
    cli(
        "contribution",
        "submit",
        P,
        "--key",
        "C-2",
        "--session",
        "A1",
        "--by",
        "P-2",
        "--text",
        "Une navette",
        *as_clerk,
    )
    cli("proposal", "synthesise", P, "F1", "--title", "Fonds", "--from", "C-1", *as_clerk)
    cli(
        "round",
        "open",
        P,
        "R1",
        "--session",
        "A1",
        "--method",
        "dots",
        "--limit",
        "3",
        "--proposal",
        "F1",
        *as_clerk,
    )
    assert (
        cli(
            "vote", "cast", P, "R1", "--by", "P-1", "--for", "F1", "--value", "2", *as_clerk
        ).exit_code
        == 0
    )

    found = json.loads(cli("--json", "participant", "export", P, "P-1").stdout)
    assert found["personal_data"]["status"] == "held"
    assert found["personal_data"]["name"] == "Anne Zorglub"
    assert found["personal_data"]["contact"] == "anne@zorglub.example"
    assert found["erasure"] is None
    kinds = [(e["about"], e["kind"]) for e in found["events"]]
    for expected in (
        ("participant", "RegisteredOrganisationWithheld"),
        ("session", "AttendanceRecorded"),
        ("contribution", "Submitted"),
        ("ballot", "Started"),
        ("ballot", "VoteCast"),
    ):
        assert expected in kinds
    texts = [e["fields"].get("text") for e in found["events"]]
    assert "Un fonds" in texts and "Une navette" not in texts  # only what names them
    assert all(e["fields"].get("command_id") != "" for e in found["events"])
    text = cli("participant", "export", P, "P-1")
    assert text.exit_code == 0
    assert "name: Anne Zorglub" in text.stdout and "VoteCast" in text.stdout

    erased = cli("participant", "erase", P, "P-1", "--reason", "demande 12", *as_clerk)
    assert erased.exit_code == 0
    assert cli("audit", "verify").exit_code == 0
    after = json.loads(cli("--json", "participant", "export", P, "P-1").stdout)
    assert after["personal_data"]["status"] == "erased"
    assert after["personal_data"]["name"] is None
    assert after["erasure"]["reason"] == "demande 12"
    assert after["erasure"]["position"] > found["events"][-1]["position"]
    assert "Anne Zorglub" not in json.dumps(after) and "Atelier Zorglub" not in json.dumps(after)
    words = cli("participant", "export", P, "P-1").stdout
    assert "Erased: #" in words and "reason: demande 12" in words

    cli("participant", "erase", P, "P-2", "--reason", "demande 13", *as_clerk)
    assert cli("audit", "verify").exit_code == 0


def test_an_export_of_nobody_is_refused_in_one_line(cli: Any) -> None:
    unknown = cli("participant", "export", P, "P-404")
    assert unknown.exit_code == 1
    assert unknown.stderr.strip() == f"error: programme {P} has no participant 'P-404'"
    bad = cli("participant", "export", P, "a b")
    assert bad.exit_code == 2 and "Traceback" not in bad.stderr
    assert cli("participant", "export", "nowhere", "P-1").exit_code == 1


def test_a_lost_key_directory_leaves_the_data_unreadable_and_says_so(
    cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keys = tmp_path / "cles"
    monkeypatch.setenv("REGISTRE_KEY_DIR", str(keys))
    cli(
        "participant",
        "register",
        P,
        "P-1",
        "--as",
        "greffe",
        "--name",
        "Anne",
        "--org",
        "Asso",
        "--org-type",
        "association",
    )
    held = json.loads(cli("--json", "participant", "export", P, "P-1").stdout)
    assert held["personal_data"]["name"] == "Anne"
    shutil.rmtree(keys)
    found = json.loads(cli("--json", "participant", "export", P, "P-1").stdout)
    assert found["personal_data"]["status"].startswith("unreadable: the key of participant P-1")
    assert found["personal_data"]["name"] is None
