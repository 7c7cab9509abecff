"""Participatory budgets (Pabulib .pb files): projects with their costs, the
budget, anonymous voters, ballots under the file's rule, and the funded
projects; the tallies equal the file's votes column and the funded set its
selected column, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from service_support import ctx, max_position, open_programme

from registre.adapters.application import Registre
from registre.adapters.importers.pabulib import plan_pabulib
from registre.adapters.importers.runner import ImportReport, run
from registre.cli.main import main
from registre.domain import Participant, Round
from registre.domain.errors import InvalidInput
from registre.projections import projector_for
from registre.projections.tallies import read_tallies

LAYER = "unit"

P = "budget"
FIXTURES = Path(__file__).parent / "fixtures" / "pabulib"
FILES = sorted(FIXTURES.glob("*.pb"))


def _import(service: Registre, file: Path, round_key: str = "R") -> ImportReport:
    return run(service, plan_pabulib(P, str(file), round_key=round_key), ctx())


def _projects(file: Path) -> list[dict[str, str]]:
    """The PROJECTS rows, read here on their own (not with the importer's code)."""
    lines = file.read_text(encoding="utf-8").splitlines()
    start, end = lines.index("PROJECTS") + 1, lines.index("VOTES")
    return list(csv.DictReader(lines[start:end], delimiter=";"))


def _tally(service: Registre, round_key: str = "R") -> dict[str, tuple[int, int]]:
    projector = projector_for(service.store)
    with projector.reading("tallies") as db:  # caught up by the import itself
        (tally,) = read_tallies(db, P, round_key)
    assert tally.closed
    return {t.proposal.removeprefix("pb-"): (t.voters, t.total) for t in tally.proposals}


@pytest.mark.parametrize("file", FILES, ids=lambda f: f.stem)
def test_a_budget_is_recorded_with_the_files_tallies_and_selected_projects(
    service: Registre, file: Path
) -> None:
    open_programme(service, P)
    report = _import(service, file)
    assert report.differences == []
    projects = _projects(file)
    assert report.counts["Proposal.Synthesised"] == len(projects)
    tally = _tally(service)
    for project in projects:
        assert tally[project["project_id"]][0] == int(project["votes"]), project
        if "score" in project:
            assert tally[project["project_id"]][1] == int(project["score"]), project
    round_ = service.load(Round, P, "R")
    assert round_ is not None and round_.budget is not None
    assert sorted(round_.funded or []) == sorted(
        f"pb-{p['project_id']}" for p in projects if p["selected"] == "1"
    )
    assert round_.costs == {f"pb-{p['project_id']}": int(p["cost"]) for p in projects}
    # Voters are anonymous: a key, no personal data.
    voter = service.load(Participant, P, "R-v1")
    assert voter is not None and voter.anonymous
    assert service.personal_names(P) == {}


def test_the_approval_rule_of_the_file_is_enforced_and_bad_rows_listed_at_once(
    service: Registre, tmp_path: Path
) -> None:
    text = (FIXTURES / "poland_testowo_2023_approval.pb").read_text(encoding="utf-8")
    text = text.replace("6;19;M;2;internet", "6;19;M;1,2,3,4;internet")  # over max_length 3
    text += "7;30;F;9;internet\n"  # no project 9
    text += "5;31;F;1;paper\n"  # voter 5 again
    text += "8;30;F;;internet\n"  # an empty ballot: registered, nothing cast
    bad = tmp_path / "bad.pb"
    bad.write_text(text, encoding="utf-8")
    open_programme(service, P)
    before = max_position(service)
    with pytest.raises(InvalidInput) as refused:
        _import(service, bad)
    lines = str(refused.value).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        f"{bad}:30",
        f"{bad}:31",
        f"{bad}:32",
    ]
    assert "has used 3 of 3 votes" in lines[0]
    assert "project 9 is not in PROJECTS" in lines[1]
    assert "already has a participant 'R-v5'" in lines[2]
    assert max_position(service) == before


def test_a_file_whose_selected_projects_differ_from_the_greedy_rule_is_reported(
    service: Registre, tmp_path: Path
) -> None:
    text = (FIXTURES / "poland_testowo_2023_approval.pb").read_text(encoding="utf-8")
    text = text.replace("rule;greedy", "rule;equalshares")
    text = text.replace("2;50000;4;Bike lanes;transport;adults;0", "2;50000;4;Bike lanes;t;a;1")
    text = text.replace(
        "3;30000;3;Library books; culture, education;seniors;1", "3;30000;3;L;c;s;0"
    )
    other = tmp_path / "equal.pb"
    other.write_text(text, encoding="utf-8")
    open_programme(service, P)
    report = _import(service, other)
    (difference,) = report.differences
    assert "the round funds 2 projects by the greedy rule, the file selects 2" in difference
    assert "only funded: pb-3; only selected: pb-2" in difference
    assert "equalshares" in difference


def test_importing_a_budget_again_records_nothing_and_an_interrupted_one_resumes(
    service: Registre,
) -> None:
    file = FIXTURES / "testland_cumulative.pb"
    open_programme(service, P)
    plan = plan_pabulib(P, str(file), round_key="R")
    first = run(service, plan, ctx(), chunk_rows=3)
    after = max_position(service)
    again = run(service, plan_pabulib(P, str(file), round_key="R"), ctx(), chunk_rows=3)
    assert again.already_recorded and again.events == 0 and again.differences == []
    assert max_position(service) == after
    assert first.counts["Round.FundingSelected"] == 1
    kinds = Counter(type(e).__qualname__ for _, e in service.notifications())
    assert kinds["Round.FundingSelected"] == 1


def test_every_event_cites_the_file_and_line_it_came_from(service: Registre) -> None:
    file = FIXTURES / "testland_ordinal.pb"
    open_programme(service, P)
    start = max_position(service) + 1
    _import(service, file)
    lines = file.read_text(encoding="utf-8").splitlines()
    for _, event in service.notifications(start):
        source = event.audit.source
        if type(event).__qualname__ == "Ballot.VoteCast":
            number = int(source.rsplit(":", 1)[1])
            assert lines[number - 1].split(";")[0] in {"1", "2", "3"}
        assert source.startswith(str(file)), source


def test_the_command_line_imports_a_budget_and_says_where_it_differs(
    sqlite_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    base = ["--database", sqlite_url]
    programme = ["programme", "open", P, "--title", "T", "--organiser", "O", "--founder"]
    opened = runner.invoke(main, [*base, *programme, "v=Ville", "--rule", "any", "--as", "clerk"])
    assert opened.exit_code == 0, opened.output
    file = FIXTURES / "testland_choose1.pb"
    done = runner.invoke(main, [*base, "import", "pabulib", P, str(file), "--as", "clerk"])
    assert done.exit_code == 0, done.output
    assert "4  Ballot.VoteCast" in done.stdout
    assert "differs" not in done.stdout
    tallies = runner.invoke(main, [*base, "export", "tallies", P, "--format", "json"])
    assert tallies.exit_code == 0 and "pb-p1" in tallies.stdout
    missing = runner.invoke(main, [*base, "import", "pabulib", P, "/nowhere.pb", "--as", "c"])
    assert missing.exit_code == 2
    assert missing.stderr.startswith("error: cannot read /nowhere.pb")


def test_a_sheet_registers_anonymous_voters_without_names(
    service: Registre, tmp_path: Path
) -> None:
    from registre.adapters.importers.sheet import plan_sheet

    open_programme(service, P)
    sheet = tmp_path / "voters.csv"
    sheet.write_text(
        "key,name,organisation,organisation_type\nV-1,,,anonymous\nV-2,Lou,,anonymous\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as refused:
        run(service, plan_sheet(P, str(sheet), None), ctx())
    assert str(refused.value) == (
        f"{sheet}:3: name: an anonymous participant has none; leave it empty"
    )
    sheet.write_text("key,name,organisation,organisation_type\nV-1,,,anonymous\n", encoding="utf-8")
    run(service, plan_sheet(P, str(sheet), None), ctx())
    voter = service.load(Participant, P, "V-1")
    assert voter is not None and voter.anonymous
    assert service.personal_names(P) == {}
