"""What a user types cannot break the record: every value is bounded and checked
at the edge, refused in one short line with exit 2, and nothing is written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from cli_support import Registre, set_up
from domain_support import audit
from pydantic import ValidationError

from registre.adapters.application import commands as c
from registre.cli.main import main
from registre.domain import DecisionRule, Method
from registre.domain.bounds import MAX_STORED_INTEGER, shown, text_problem
from registre.domain.errors import InvalidInput
from registre.domain.voting import Round

LAYER = "e2e"

TOO_BIG = str(MAX_STORED_INTEGER + 1)  # 9223372036854775808


@pytest.fixture
def registre(store_url: str) -> Registre:
    r = Registre(store_url)
    set_up(r)
    return r


def refused(r: Registre, line: str, code: int = 2, says: str = "") -> str:
    """Runs a line that must be refused: one `error:` line, the code, nothing written."""
    before = r.events()
    result = r(line)
    assert result.exit_code == code, (result.exit_code, result.stderr[:300])
    assert result.stderr.startswith("error: "), result.stderr[:300]
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert says in result.stderr, result.stderr[:300]
    assert r.events() == before
    return result.stderr


def test_a_round_limit_beyond_the_stores_integers_is_refused_and_the_views_still_answer(
    registre: Registre, tmp_path: Path
) -> None:
    refused(
        registre,
        f"round open fabrik R9 --session A1 --method dots --limit {TOO_BIG} --proposal P1",
        says="--limit",
    )
    refused(
        registre,
        f"round open fabrik R9 --session A1 --method approval --limit {TOO_BIG} --proposal P1",
        says="--limit",
    )
    # Everything that read the round before still reads it.
    for line in (
        "stats fabrik",
        "export tallies fabrik",
        f"publish fabrik --out {tmp_path / 'site'}",
        "replay tallies",
    ):
        result = registre.plain(line)
        assert result.exit_code == 0, (line, result.stderr)


def test_an_approval_limit_beyond_the_eligible_proposals_is_refused(registre: Registre) -> None:
    says = refused(
        registre,
        "round open fabrik R9 --session A1 --method approval --limit 3 --proposal P1 --proposal P2",
        says="--limit",
    )
    assert "eligible proposals (2)" in says
    registre.ok(
        "round open fabrik R9 --session A1 --method approval --limit 2 --proposal P1 --proposal P2"
    )


def test_a_dots_round_gives_a_sensible_number_of_dots(registre: Registre) -> None:
    refused(
        registre,
        "round open fabrik R9 --session A1 --method dots --limit 1001 --proposal P1",
        says="at most 1000 dots",
    )


def test_the_domain_refuses_a_limit_the_edge_missed() -> None:
    for method, limit in ((Method.DOTS, MAX_STORED_INTEGER + 1), (Method.APPROVAL, 2)):
        with pytest.raises(InvalidInput) as error:
            Round.open("p", "R1", "W1", method, limit, None, ["P-1"], audit())
        assert error.value.field == "limit"


def test_a_position_beyond_the_stores_integers_is_refused_as_bad_input(
    registre: Registre,
) -> None:
    refused(registre, f"correct fabrik {TOO_BIG} --reason x", says="POSITION")
    refused(registre, "correct fabrik 99999999999999999999999 --reason x", says="POSITION")
    result = registre.plain("plan show fabrik --at 99999999999999999999999")
    assert result.exit_code == 2 and "not a position of the record" in result.stderr


def test_an_inclusion_proof_of_a_huge_position_says_it_is_not_covered(
    registre: Registre,
) -> None:
    assert registre.plain("init").exit_code == 0
    assert registre.plain("audit checkpoint").exit_code == 0
    result = registre.plain("audit prove 99999999999999999999999")
    assert result.exit_code == 1, result.stderr
    assert "is not covered by checkpoint" in result.stderr
    result = registre.plain(f"audit consistency 1 {TOO_BIG}")
    assert result.exit_code == 2, result.stderr


def test_arguments_that_are_not_utf8_are_refused_before_anything_runs(
    registre: Registre,
) -> None:
    # A shell hands Python the bytes of `history $'fabrik\xe9'` as a lone surrogate.
    result = registre.runner.invoke(main, ["--database", registre.url, "history", "fabrik\udce9"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: 'fabrik\\udce9' is not valid UTF-8 (byte 0xe9)")
    refused(registre, "programme axis fabrik x --title 'Sant\udce9'", says="--title")


def test_a_nul_character_is_refused_in_any_argument(registre: Registre, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "plan.csv"
    result = registre.runner.invoke(
        main,
        ["--database", registre.url, "export", "plan", "fabrik", "--out", f"{out}\x00x"],
    )
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: --out: ") and "NUL" in result.stderr
    assert list(folder.iterdir()) == []
    before = registre.events()
    result = registre.runner.invoke(
        main,
        ["--database", registre.url, "programme", "axis", "fabrik", "x", "--title", "a\x00b"],
    )
    assert result.exit_code == 2 and "NUL" in result.stderr
    assert registre.events() == before


def test_a_text_that_is_not_text_is_refused_by_the_command_model() -> None:
    with pytest.raises(ValidationError, match="NUL"):
        c.AddAxis(programme="p", key="k", title="a\x00b")
    with pytest.raises(ValidationError, match="UTF-8"):
        c.OpenProgramme(
            programme="p",
            title="t",
            organiser="o",
            founders={"m": "M\udce9"},
            rule=DecisionRule.ANY,
        )
    with pytest.raises(ValidationError, match="UTF-8"):
        c.Context(actor="greffe\udcff")
    assert text_problem("Santé publique") is None


def test_a_megabyte_key_is_quoted_by_its_first_characters_only(registre: Registre) -> None:
    key = "K" * 1_000_000 + "!"
    said = refused(
        registre,
        f"participant register fabrik {key} --name N --org O --org-type start-up",
        says="is not a valid key",
    )
    assert len(said) < 500, len(said)
    assert "1,000,001 characters" in said
    assert shown("abc") == "'abc'"


def _huge_cell_sheet(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["key", "name", "organisation", "organisation_type"])
        writer.writerow(["P-100", "Anne", "O", "start-up"])
        writer.writerow(["P-101", "x" * 140_000, "O", "start-up"])
    return path


def test_a_csv_cell_over_the_csv_modules_limit_is_a_row_problem(
    registre: Registre, tmp_path: Path
) -> None:
    sheet = _huge_cell_sheet(tmp_path / "participants.csv")
    said = refused(registre, f"import sheet fabrik {sheet}", says=f"{sheet}:3: a cell is longer")
    assert len(said) < 500

    folder = tmp_path / "polis"
    folder.mkdir()
    (folder / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1600000000000,x,1,1,0,0,1,Bonjour\n"
        f"1600000000001,x,2,1,0,0,1,{'y' * 140_000}\n",
        encoding="utf-8",
    )
    (folder / "votes.csv").write_text("timestamp,datetime,comment-id,voter-id,vote\n")
    refused(
        registre,
        f"import polis fabrik {folder} --session EN-LIGNE",
        says=f"{folder / 'comments.csv'}:3: a cell is longer",
    )


def test_the_json_export_keeps_a_formula_exactly(registre: Registre) -> None:
    formula = '=HYPERLINK("http://evil.example","clic")'
    registre.ok(f"contribution amend fabrik C-2 --text '{formula}'")
    result = registre.plain("export contributions fabrik --format json")
    assert result.exit_code == 0
    assert formula in set(_texts(json.loads(result.stdout)))


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return []


def test_a_position_is_bounded_by_the_command_model() -> None:
    with pytest.raises(ValidationError):
        c.CorrectRecord(programme="p", position=MAX_STORED_INTEGER + 1, reason="r")
    assert c.CorrectRecord(programme="p", position=MAX_STORED_INTEGER, reason="r")


def test_a_worksheet_whose_xml_cannot_be_read_is_bad_input(
    registre: Registre, tmp_path: Path
) -> None:
    # Found by the fuzzing suite: a read-only workbook parses a sheet's XML as it
    # reads its rows, after the workbook itself opened fine.
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "participants"
    sheet.append(["key", "name", "organisation", "organisation_type"])
    sheet.append(["P-100", "Anne", "O", "start-up"])
    made = tmp_path / "made.xlsx"
    book.save(made)
    damaged = tmp_path / "participants.xlsx"
    with zipfile.ZipFile(made) as source, zipfile.ZipFile(damaged, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<t>Anne</t>", b"<t>&#1;</t>")
            target.writestr(name, data)
    refused(registre, f"import sheet fabrik {damaged}", says="not a readable XLSX worksheet")
