"""Exports as they come from real tools: a byte-order mark, Windows-1252 or
Latin-1 text, CRLF line ends, semicolons where commas were expected, empty and
huge cells; and large files, whose rows are read from the file as they are
imported, never held. Each is imported whole or refused in one clear line per
problem, nothing written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner
from service_support import ctx, max_position, open_programme

from registre.adapters.application import Registre
from registre.adapters.importers.pabulib import plan_pabulib
from registre.adapters.importers.polis import plan_polis
from registre.adapters.importers.runner import Stream, run
from registre.adapters.importers.sheet import plan_sheet
from registre.cli.main import main
from registre.domain import Participant
from registre.domain.errors import InvalidInput
from registre.projections import projector_for
from registre.projections.tallies import read_tallies

LAYER = "unit"

P = "messy"
BUDGET = (
    "META\nkey;value\ndescription;Budget participatif de Béziers\nunit;Béziers\n"
    "budget;100000\nvote_type;approval\nmin_length;1\nmax_length;2\n"
    "PROJECTS\nproject_id;cost;votes;name;selected\n"
    "1;60000;3;Jardin partagé « Éole »;1\n2;50000;2;Pistes cyclables;0\n3;30000;1;Préau;1\n"
    "VOTES\nvoter_id;vote\n1;1,2\n2;1\n3;1,3\n4;2\n"
)


def _tally(service: Registre) -> dict[str, int]:
    projector = projector_for(service.store)
    with projector.reading("tallies") as db:
        (tally,) = read_tallies(db, P, "R")
    return {t.proposal: t.voters for t in tally.proposals}


@pytest.mark.parametrize(
    "encoding, newline",
    [("utf-8-sig", "\r\n"), ("cp1252", "\r\n"), ("latin-1", "\n"), ("utf-8", "\r")],
)
def test_a_budget_in_any_common_encoding_and_line_end_imports_whole(
    service: Registre, tmp_path: Path, encoding: str, newline: str
) -> None:
    open_programme(service, P)
    file = tmp_path / "beziers.pb"
    file.write_bytes(BUDGET.replace("\n", newline).encode(encoding))
    report = run(service, plan_pabulib(P, str(file), round_key="R"), ctx())
    assert report.differences == []
    assert _tally(service) == {"pb-1": 3, "pb-2": 2, "pb-3": 1}
    fallback = [r for r in report.remarks if "not UTF-8" in r]
    if encoding in ("cp1252", "latin-1"):
        # The accents survive, and the summary says how the file was read.
        assert fallback == [f"{file} is not UTF-8: its text was read as Windows-1252"]
    else:
        assert fallback == []
    proposal = service.load(Participant, P, "R-city")
    assert proposal is not None and proposal.organisation == "Béziers"


def test_a_file_with_a_byte_windows_1252_leaves_undefined_is_read_as_latin_1(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    file = tmp_path / "budget.pb"
    file.write_bytes(BUDGET.replace("Préau", "Pr\x81au").encode("latin-1"))
    report = run(service, plan_pabulib(P, str(file), round_key="R"), ctx())
    assert f"{file} is not UTF-8: its text was read as Latin-1" in report.remarks


def test_a_large_budgets_rows_are_a_stream_read_again_from_the_file(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    file = tmp_path / "budget.pb"
    votes = "".join(f"{n};{1 + n % 3}\n" for n in range(5, 505))
    file.write_text(
        BUDGET.replace("cost;votes;name", "cost;name")
        .replace("60000;3;", "60000;")
        .replace("50000;2;", "50000;")
        .replace("30000;1;", "30000;")
        + votes
    )
    plan = plan_pabulib(P, str(file), round_key="R")
    assert isinstance(plan.rows, Stream)
    # The header row, 3 projects, the round, 504 ballots and the closing.
    assert len(plan.rows) == len(list(plan.rows)) == len(list(plan.rows)) == 1 + 3 + 1 + 504 + 1
    report = run(service, plan, ctx(), chunk_rows=100)
    assert report.chunks == 6
    assert sum(_tally(service).values()) == 504 + 2  # two ballots of two approvals


def test_a_file_that_grows_while_it_is_imported_is_refused_and_nothing_written(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    file = tmp_path / "budget.pb"
    file.write_text(BUDGET)
    plan = plan_pabulib(P, str(file), round_key="R")
    with file.open("a") as more:
        more.write("".join(f"{n};1\n" for n in range(5, 30)))
    before = max_position(service)
    with pytest.raises(InvalidInput) as refused:
        run(service, plan, ctx(), chunk_rows=5)
    assert str(refused.value) == f"{file} changed while it was being read; nothing was recorded"
    assert max_position(service) == before


def test_empty_cells_of_a_budget_are_listed_by_line(service: Registre, tmp_path: Path) -> None:
    open_programme(service, P)
    file = tmp_path / "budget.pb"
    before = max_position(service)
    file.write_text(BUDGET.replace("2;50000;2;", "2;;2;"))
    with pytest.raises(InvalidInput) as refused:
        run(service, plan_pabulib(P, str(file), round_key="R"), ctx())
    assert str(refused.value).splitlines()[0] == f"{file}:12: cost is empty"
    file.write_text(BUDGET.replace("3;1,3\n", ";1,3\n").replace("4;2\n", "4;9\n"))
    with pytest.raises(InvalidInput) as refused:
        run(service, plan_pabulib(P, str(file), round_key="R"), ctx())
    assert str(refused.value).splitlines() == [
        f"{file}:18: voter_id is empty",
        f"{file}:19: vote: project 9 is not in PROJECTS",
    ]
    assert max_position(service) == before


SHEET = "key,name,organisation,organisation_type,contact\n"


@pytest.mark.parametrize("separator", [",", ";"])
@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_a_participants_sheet_saved_by_a_spreadsheet_imports(
    service: Registre, tmp_path: Path, separator: str, encoding: str
) -> None:
    open_programme(service, P)
    rows = [
        SHEET.strip().split(","),
        ["P-1", "Anne Dupont", "Coopérative Ouest", "association", ""],
        ["P-2", "Zoé Léger", "Mairie de Sète", "local-authority", "zoe@example.org"],
    ]
    file = tmp_path / "participants.csv"
    with file.open("w", encoding=encoding, newline="") as out:
        csv.writer(out, delimiter=separator, lineterminator="\r\n").writerows(rows)
    report = run(service, plan_sheet(P, str(file), None), ctx())
    assert report.counts["Participant.Registered"] == 2
    assert service.personal_names(P) == {"P-1": "Anne Dupont", "P-2": "Zoé Léger"}
    participant = service.load(Participant, P, "P-1")
    assert participant is not None and participant.organisation == "Coopérative Ouest"


def test_a_huge_cell_is_refused_by_its_line_with_no_traceback(
    sqlite_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "participants.csv"
    file.write_text(SHEET + "P-1,Anne,Ville,association,\n" + "P-2," + "x" * 200_000 + ",a,b,\n")
    cli = CliRunner()
    base = ["--database", sqlite_url]
    programme = ["programme", "open", P, "--title", "T", "--organiser", "O", "--founder"]
    opened = cli.invoke(main, [*base, *programme, "v=Ville", "--rule", "any", "--as", "t"])
    assert opened.exit_code == 0, opened.output
    result = cli.invoke(main, [*base, "import", "sheet", P, str(file), "--as", "t"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    said = f"{file}:3: a cell is longer than 131,072 characters; the file was read no further"
    assert said in result.stderr


def test_a_polis_export_resaved_with_semicolons_imports(service: Registre, tmp_path: Path) -> None:
    open_programme(service, P)
    folder = tmp_path / "polis"
    folder.mkdir()
    (folder / "comments.csv").write_bytes(
        "timestamp;datetime;comment-id;author-id;agrees;disagrees;moderated;comment-body\r\n"
        "1600000000000;x;0;0;1;0;0;Une idée à l'école\r\n".encode("cp1252")
    )
    (folder / "votes.csv").write_bytes(
        b"timestamp;datetime;comment-id;voter-id;vote\r\n1600000000500;x;0;1;1\r\n"
    )
    report = run(service, plan_polis(P, str(folder), "S1"), ctx())
    assert report.counts["Proposal.Synthesised"] == 1
    assert report.counts["Ballot.VoteCast"] == 1
    assert any("read as Windows-1252" in r for r in report.remarks)


def test_every_read_model_is_at_the_end_of_the_record_when_an_import_returns(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    file = tmp_path / "budget.pb"
    file.write_text(BUDGET)
    steps: dict[str, list[tuple[int, int]]] = {}

    def progress(step: str, done: int, total: int) -> None:
        steps.setdefault(step, []).append((done, total))

    run(service, plan_pabulib(P, str(file), round_key="R"), ctx(), progress, chunk_rows=3)
    lagging = [s for s in projector_for(service.store).status() if s.lag or s.rebuilding]
    assert lagging == []
    assert list(steps) == ["checking", "recording", "catching up"]
    # Each bar ends full: what advanced adds up to its total.
    for reports in steps.values():
        assert sum(done for done, _ in reports) == reports[0][1]
