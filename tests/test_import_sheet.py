"""Workshop sheets: CSV files and XLSX workbooks of participants, attendance,
contributions and votes, checked whole, saved in chunks, idempotent. Names
and contacts never enter the events. Unit tests; the interrupted import, which
the store decides, runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook
from service_support import contribute, ctx, max_position, open_programme, register, synthesise

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.application.unit_of_work import UnitOfWork
from registre.adapters.importers.runner import ImportReport, run
from registre.adapters.importers.sheet import COLUMNS, KINDS, plan_sheet, write_template
from registre.cli.main import main
from registre.domain import Method, Participant, Session
from registre.domain.errors import InvalidInput

LAYER = "unit"

P = "atelier"

PARTICIPANTS = """key,name,organisation,organisation_type,contact,date
P-001,Anne Dupont,Coopérative Ouest,association,anne@example.org,2022-03-01
P-002,Yves Le Goff,Start-up Nautile,start-up,,2022-03-01
P-003,"Martin, Jeanne",Université de Nantes,university,jm@example.org,
"""
ATTENDANCE = """session,participant,date
W1,P-001,2022-03-01
W1,P-002,2022-03-01
W1,P-001,2022-03-01
"""
CONTRIBUTIONS = """key,session,axis,authors,text,date
C-10,W1,health,P-001;P-002,"Un centre de santé, ouvert le soir",2022-03-01T10:30:00+01:00
C-11,W1,,P-003,Des maisons médicales,2022-03-01
"""


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _import(service: Registre, file: str, kind: str | None = None, **kw: Any) -> ImportReport:
    return run(service, plan_sheet(P, file, kind), ctx(), **kw)


def test_csv_sheets_record_participants_attendance_and_contributions(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    start = max_position(service) + 1
    people = _import(service, _write(tmp_path, "participants.csv", PARTICIPANTS))
    assert people.counts == {"Participant.Registered": 3}
    came = _import(service, _write(tmp_path, "emargement.csv", ATTENDANCE))
    assert came.counts == {"Session.AttendanceRecorded": 2}
    assert came.notes == {"attendance already listed": 1}
    ideas = _import(service, _write(tmp_path, "contributions.csv", CONTRIBUTIONS))
    assert ideas.counts == {"Contribution.Submitted": 2}

    session = service.load(Session, P, "W1")
    assert session is not None and set(session.attendance) == {"P-001", "P-002"}
    names = service.personal_names(P)
    assert names == {"P-001": "Anne Dupont", "P-002": "Yves Le Goff", "P-003": "Martin, Jeanne"}
    events = [e for _, e in service.notifications(start)]
    for event in events:
        # Every event cites its file and line; no name or contact is in any event.
        assert re.fullmatch(r".+\.csv:\d+", event.audit.source)
        assert "Dupont" not in repr(event.__dict__) and "example.org" not in repr(event.__dict__)
    submitted = [e for e in events if type(e).__qualname__ == "Contribution.Submitted"]
    assert submitted[0].audit.source.endswith("contributions.csv:2")
    assert submitted[0].audit.occurred_at.isoformat() == "2022-03-01T10:30:00+01:00"
    assert submitted[0].authors == ["P-001", "P-002"]


def test_a_workbook_records_its_sheets_in_order_votes_included(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    register(service, P, "p1")
    contribute(service, P, "C1")
    synthesise(service, P, "F1", "C1")
    service.handle(
        c.OpenRound(
            programme=P, key="R1", session="W1", method=Method.DOTS, limit=3, proposals=["F1"]
        ),
        ctx(),
    )
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    rows: dict[str, list[list[Any]]] = {
        "votes": [["R1", "P-009", "F1", 2, "2022-03-02"]],  # after participants, whatever order
        "participants": [["P-009", "Lou Bas", "Ville", "local-authority", None, None]],
    }
    for kind, cells in rows.items():
        sheet = book.create_sheet(kind)
        sheet.append(COLUMNS[kind][0] + COLUMNS[kind][1])
        for row in cells:
            sheet.append(row)
    path = tmp_path / "atelier.xlsx"
    book.save(path)
    report = _import(service, str(path))
    assert report.counts == {
        "Participant.Registered": 1,
        "Ballot.Started": 1,
        "Ballot.VoteCast": 1,
    }
    sources = [e.audit.source for _, e in service.notifications(report.first or 0)]
    assert sources[:3] == [f"{path}[participants]:2", f"{path}[votes]:2", f"{path}[votes]:2"]


def test_a_sheet_with_bad_rows_records_nothing_and_lists_every_bad_row(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    _import(service, _write(tmp_path, "participants.csv", PARTICIPANTS))
    before = max_position(service)
    file = _write(
        tmp_path,
        "bad.csv",
        "key,session,axis,authors,text,date\n"
        "C-1,W1,health,P-001,Bon,2022-03-01\n"
        "C-2,W9,,P-001,Séance inconnue,2022-03-01\n"
        "C-3,W1,,P-404,Auteur inconnu,2022-03-01\n"
        "C-1,W1,,P-002,Clé en double,2022-03-01\n"
        "C 4,W1,,P-002,Clé invalide,01/03/2022\n"
        "C-5,W1,,P-002,,2022-03-01\n",
    )
    with pytest.raises(InvalidInput) as refused:
        _import(service, file)
    assert str(refused.value).splitlines() == [
        f"{file}:3: programme {P} has no session 'W9'",
        f"{file}:4: programme {P} has no participant 'P-404'",
        f"{file}:5: programme {P} already has a contribution 'C-1'",
        f"{file}:6: date: '01/03/2022' is not an ISO 8601 date (YYYY-MM-DD)",
        f"{file}:7: text: is required",
    ]
    assert max_position(service) == before


def test_a_sheet_imported_again_records_nothing(service: Registre, tmp_path: Path) -> None:
    open_programme(service, P)
    file = _write(tmp_path, "participants.csv", PARTICIPANTS)
    _import(service, file)
    after = max_position(service)
    assert _import(service, file).already_recorded
    assert max_position(service) == after


@pytest.mark.integration
def test_an_interrupted_sheet_import_completes_when_run_again(
    service: Registre, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_programme(service, P)
    file = _write(tmp_path, "participants.csv", PARTICIPANTS)
    save = UnitOfWork.commit
    calls = {"n": 0}

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("the connection dropped")
        return save(*args, **kwargs)

    monkeypatch.setattr(UnitOfWork, "commit", failing_once)
    with pytest.raises(OSError):
        _import(service, file, chunk_rows=1)
    resumed = _import(service, file, chunk_rows=1)
    assert (resumed.chunks, resumed.chunks_before) == (3, 1)
    assert resumed.counts == {"Participant.Registered": 2}
    for key in ("P-001", "P-002", "P-003"):
        assert service.load(Participant, P, key) is not None
    assert set(service.personal_names(P)) == {"P-001", "P-002", "P-003"}


def test_the_template_has_every_kind_and_its_participants_import(
    service: Registre, tmp_path: Path
) -> None:
    paths = write_template(tmp_path / "modeles")
    assert sorted(p.name for p in paths) == sorted(
        [*(f"{k}.csv" for k in KINDS), "registre-import.xlsx"]
    )
    book = load_workbook(tmp_path / "modeles" / "registre-import.xlsx")
    assert book.sheetnames == KINDS
    for kind in KINDS:
        header = (tmp_path / "modeles" / f"{kind}.csv").read_text().splitlines()[0]
        assert header.split(",") == COLUMNS[kind][0] + COLUMNS[kind][1]
    open_programme(service, P)
    report = _import(service, str(tmp_path / "modeles" / "participants.csv"))
    assert report.counts == {"Participant.Registered": 1}
    with pytest.raises(InvalidInput, match="already exists"):
        write_template(tmp_path / "modeles")


@pytest.mark.e2e
def test_the_command_line_lists_bad_rows_and_exits_2(sqlite_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--database", sqlite_url]
    programme = ["programme", "open", P, "--title", "T", "--organiser", "O", "--founder"]
    opened = runner.invoke(main, [*base, *programme, "v=Ville", "--rule", "any", "--as", "clerk"])
    assert opened.exit_code == 0
    bad = _write(
        tmp_path,
        "p.csv",
        "key,name,organisation,organisation_type\nP-1,,Org,association\nP-2,Lou,Org,club\n",
    )
    result = runner.invoke(main, [*base, "import", "sheet", P, bad, "--as", "clerk"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: {bad}:2: name: is required",
        f"error: {bad}:3: organisation_type: 'club' is not one of "
        "'local-authority', 'state', 'elected-official', 'start-up', 'sme', 'large-company', "
        "'research-lab', 'university', 'association', 'chamber', 'citizen', 'other' or "
        "'anonymous'",
    ]
    unknown = _write(tmp_path, "u.csv", "who,what\nx,y\n")
    result = runner.invoke(main, [*base, "import", "sheet", P, unknown, "--as", "clerk"])
    assert result.exit_code == 2 and "cannot tell the kind of sheet" in result.stderr
    good = _write(tmp_path, "participants.csv", PARTICIPANTS)
    result = runner.invoke(main, [*base, "--json", "import", "sheet", P, good, "--as", "clerk"])
    assert result.exit_code == 0, result.output
    assert '"Participant.Registered": 3' in result.stdout
    template = runner.invoke(main, ["import", "template", str(tmp_path / "t")])
    assert template.exit_code == 0 and "registre-import.xlsx" in template.stdout
