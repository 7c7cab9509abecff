"""Recording a structure that nests and a programme within a larger one: the
commands, their refusals (one clear line, nothing written), and a whole
programme recorded from one workbook whose structure comes in any order."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_support import Registre as Cli
from openpyxl import Workbook
from service_support import ctx, max_position

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.importers.runner import run
from registre.adapters.importers.sheet import COLUMNS, plan_sheet
from registre.domain import DecisionRule, Programme, Session, SessionKind
from registre.domain.errors import AlreadyExists, InvalidInput, NotFound, RuleViolation

LAYER = "unit"


def _open(service: Registre, slug: str, part_of: str | None = None) -> None:
    service.handle(
        c.OpenProgramme(
            programme=slug,
            title=f"Programme {slug}",
            organiser="Ville de Nantes",
            founders={"ville": "Ville de Nantes"},
            rule=DecisionRule.ANY,
            part_of=part_of,
        ),
        ctx(),
    )


def test_parts_nest_through_the_commands(service: Registre) -> None:
    _open(service, "labo")
    said = service.handle(
        c.AddAxis(programme="labo", key="T1", title="Financer", level="thème"), ctx()
    )
    assert said.summary == "added thème T1 (Financer) to labo"
    said = service.handle(
        c.AddAxis(programme="labo", key="A1", title="Prêts", parent="T1", level="axe de travail"),
        ctx(),
    )
    assert said.summary == "added axe de travail A1 (Prêts) under T1 to labo"
    service.handle(c.AddAxis(programme="labo", key="C1", title="Guichet", parent="A1"), ctx())
    prog = service.load(Programme, "labo", "labo")
    assert prog is not None
    assert prog.structure.path_title("C1") == "Financer > Prêts > Guichet"
    assert prog.parts["C1"].level == "axe"
    # A session, a contribution or a proposal may cite a part at any level.
    service.handle(
        c.ScheduleSession(
            programme="labo", key="S1", kind=SessionKind.COUNCIL, on=date(2019, 3, 1), axes=["A1"]
        ),
        ctx(),
    )
    session = service.load(Session, "labo", "S1")
    assert session is not None and session.axes == ["A1"]


def test_a_part_under_an_unknown_parent_is_refused_and_nothing_written(
    service: Registre,
) -> None:
    _open(service, "labo")
    before = max_position(service)
    with pytest.raises(NotFound) as refused:
        service.handle(c.AddAxis(programme="labo", key="A1", title="A", parent="T9"), ctx())
    assert refused.value.field == "parent"
    assert "no part 'T9'" in str(refused.value)
    assert max_position(service) == before


def test_a_part_added_twice_is_refused(service: Registre) -> None:
    _open(service, "labo")
    service.handle(c.AddAxis(programme="labo", key="T1", title="A", level="thème"), ctx())
    with pytest.raises(AlreadyExists):
        service.handle(c.AddAxis(programme="labo", key="T1", title="B", parent="T1"), ctx())


def test_a_programme_is_part_of_a_larger_one_of_the_same_store(service: Registre) -> None:
    _open(service, "labo")
    _open(service, "labo-nord", part_of="labo")
    lab = service.load(Programme, "labo-nord", "labo-nord")
    assert lab is not None and lab.part_of == "labo"
    before = max_position(service)
    with pytest.raises(NotFound) as refused:
        _open(service, "labo-sud", part_of="ailleurs")
    assert refused.value.field == "part_of"
    assert str(refused.value) == (
        "no programme 'ailleurs' in this store to be part of; open it first"
    )
    with pytest.raises(RuleViolation, match="cannot be part of itself"):
        _open(service, "labo-est", part_of="labo-est")
    assert max_position(service) == before


@pytest.mark.e2e
def test_the_command_line_records_and_refuses_a_structure(store_url: str) -> None:
    cli = Cli(store_url)
    cli.ok(
        "programme open labo --title Labo258 --organiser 'Ville de Nantes' "
        "--founder ville='Ville de Nantes' --rule any"
    )
    cli.ok(
        "programme open labo-nord --title 'Labo Nord' --organiser 'Ville de Nantes' "
        "--founder ville='Ville de Nantes' --rule any --part-of labo"
    )
    cli.ok("programme axis labo T1 --title Financer --level thème")
    out = cli.ok("programme axis labo A1 --title Prêts --parent T1 --level 'axe de travail'")
    assert "added axe de travail A1 (Prêts) under T1 to labo" in out.stdout
    events = cli.events()
    refusals = [
        ("programme axis labo C1 --title Guichet --parent T9", 1, "--parent: programme labo"),
        ("programme axis labo C1 --title Guichet --level ''", 2, "--level:"),
        ("programme axis labo 'C 1' --title Guichet --parent T1", 2, "KEY"),
        (
            "programme open labo-sud --title Sud --organiser V --founder v=V --rule any "
            "--part-of nulle-part",
            1,
            "--part-of: no programme 'nulle-part' in this store to be part of",
        ),
    ]
    for line, code, says in refusals:
        result = cli(line)
        assert result.exit_code == code, (line, result.stderr)
        assert says in result.stderr, (line, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert cli.events() == events


# -- a whole programme from one workbook ------------------------------------------------

STRUCTURE: list[list[Any]] = [
    # key, title, parent, level, date: children before their parents, on purpose.
    ["C1", "Un guichet unique", "A1", "concept", "2019-03-14"],
    ["A1", "Prêts d'honneur", "T1", "axe de travail", "2019-03-14"],
    ["T1", "Financer", None, "thème", "2019-03-14"],
    ["A2", "Fonds local", "T1", "axe de travail", "2019-03-14"],
    ["T2", "Se former", None, "thème", "2019-03-14"],
    ["lev", "Levier", None, None, "2019-03-14"],
]


def _book(path: Path, sheets: dict[str, list[list[Any]]]) -> str:
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for kind, rows in sheets.items():
        sheet = book.create_sheet(kind)
        sheet.append(COLUMNS[kind][0] + COLUMNS[kind][1])
        for row in rows:
            sheet.append(row)
    book.save(path)
    return str(path)


PROGRAMME_ROW = [
    "Labo258 Nord",
    "Ville de Nantes",
    "ville=Ville de Nantes; region=Région Pays de la Loire",
    "majority",
    "labo",
    "2019-03-01",
]


def test_a_workbook_opens_the_programme_and_records_its_nested_structure(
    service: Registre, tmp_path: Path
) -> None:
    _open(service, "labo")
    book = _book(
        tmp_path / "nord.xlsx",
        {
            "axes": STRUCTURE,
            "sessions": [["S1", "council", "2019-04-02", "Conseil", "A1", "", None]],
            "programme": [PROGRAMME_ROW],
        },
    )
    report = run(service, plan_sheet("labo-nord", book, None), ctx())
    assert report.counts["Programme.Opened"] == 1
    assert report.counts["Programme.PartOfRecorded"] == 1
    assert report.counts["Programme.PartAdded"] == 5
    assert report.counts["Programme.AxisAdded"] == 1
    prog = service.load(Programme, "labo-nord", "labo-nord")
    assert prog is not None
    assert prog.founders == {"ville": "Ville de Nantes", "region": "Région Pays de la Loire"}
    assert prog.rule is DecisionRule.MAJORITY and prog.part_of == "labo"
    assert prog.structure.path_title("C1") == "Financer > Prêts d'honneur > Un guichet unique"
    assert prog.structure.levels_phrase() == "2 thèmes, 1 axe, 2 axes de travail, 1 concept"
    # The parents were recorded first, the sheet's order kept otherwise.
    assert list(prog.parts) == ["T1", "A1", "C1", "A2", "T2", "lev"]


def test_an_unknown_parent_in_a_sheet_is_reported_at_its_row(
    service: Registre, tmp_path: Path
) -> None:
    rows = [*STRUCTURE, ["X1", "Orphelin", "T9", "concept", None]]
    book = _book(tmp_path / "bad.xlsx", {"programme": [PROGRAMME_ROW[:4]], "axes": rows})
    before = max_position(service)
    with pytest.raises(InvalidInput) as refused:
        run(service, plan_sheet("seul", book, None), ctx())
    assert str(refused.value) == (
        f"{book}[axes]:8: parent: programme seul has no part 'T9' to put 'X1' under "
        "(parts: A1, A2, C1, T1, T2, lev)"
    )
    assert max_position(service) == before


def test_a_programme_sheet_with_bad_founders_or_a_missing_larger_programme(
    service: Registre, tmp_path: Path
) -> None:
    book = _book(
        tmp_path / "bad.xlsx",
        {"programme": [["Labo", "Ville", "ville Ville de Nantes", "any", None, None]]},
    )
    with pytest.raises(InvalidInput) as refused:
        run(service, plan_sheet("labo", book, None), ctx())
    assert str(refused.value) == (
        f"{book}[programme]:2: founders: 'ville Ville de Nantes' is not KEY=NAME "
        "(e.g. ville=Ville de Nantes)"
    )
    book = _book(
        tmp_path / "orphan.xlsx",
        {"programme": [["Labo", "Ville", "ville=Ville", "any", "nulle-part", None]]},
    )
    with pytest.raises(InvalidInput) as refused:
        run(service, plan_sheet("labo", book, None), ctx())
    assert str(refused.value) == (
        f"{book}[programme]:2: part_of: no programme 'nulle-part' in this store to be part of; "
        "open it first"
    )
    assert max_position(service) == 0
