"""Decidim open data (the zip or its CSV files): axes, sessions, proposals with
their supports attested by the file, answers as validations, results as the
body's account of actions linked to the proposals behind them, on both stores.

The fixtures in tests/fixtures/decidim were built for these tests, column for
column as Decidim's serializers write them (ProposalSerializer,
MeetingSerializer, accountability's ResultSerializer, flattened ``a/b/c`` by
its CSV exporter, ``;``-separated), with HTML bodies, several languages and
a machine translation."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from service_support import ctx, max_position, open_programme

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.importers.decidim import plain, plan_decidim
from registre.adapters.importers.runner import ImportReport, run
from registre.cli.main import main
from registre.domain import Action, ActionStatus, Contribution, Outcome, Proposal, Session
from registre.domain.errors import InvalidInput
from registre.projections import projector_for
from registre.projections.plan import read_plan
from registre.projections.trace import read_trace

LAYER = "unit"

P = "ville"
FIXTURES = Path(__file__).parent / "fixtures" / "decidim"


def _rows(kind: str) -> list[dict[str, str]]:
    """A fixture file's rows, read here on their own (not with the importer's code)."""
    (file,) = FIXTURES.glob(f"*-{kind}.csv")
    with file.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter=";"))


def _import(service: Registre, path: Path = FIXTURES) -> ImportReport:
    return run(service, plan_decidim(P, str(path)), ctx())


@pytest.mark.stores("ram", "postgres")
def test_proposals_are_recorded_with_their_supports_attested_and_their_answers(
    service: Registre,
) -> None:
    open_programme(service, P)
    report = _import(service)
    rows = _rows("proposals")
    assert report.counts["Proposal.Synthesised"] == len(rows)
    assert report.counts["Proposal.TallyAttested"] == len(rows)
    # No vote is invented from a count of supports.
    assert not any(kind.startswith("Ballot.") for kind in report.counts)
    outcomes = {"accepted": Outcome.VALIDATED, "rejected": Outcome.REJECTED}
    for row in rows:
        proposal = service.load(Proposal, P, f"dc-p{row['id']}")
        assert proposal is not None
        (tally,) = proposal.attested_tallies.items()
        assert tally[1] == int(row["supports"])
        validation = proposal.current_validation
        if row["state"] in outcomes:
            assert validation is not None and validation.outcome is outcomes[row["state"]]
        else:
            assert validation is None, row["state"]
        assert "<" not in proposal.text
    # The source cites the file and the line where the row starts (101's body spans two).
    first = service.load(Proposal, P, "dc-p101")
    second = service.load(Proposal, P, "dc-p102")
    assert first is not None and second is not None
    assert list(first.attested_tallies) == [f"{FIXTURES}/ville-open-data-proposals.csv:2"]
    assert list(second.attested_tallies) == [f"{FIXTURES}/ville-open-data-proposals.csv:4"]


def test_languages_html_meetings_and_axes_are_read_as_decidim_writes_them(
    service: Registre,
) -> None:
    open_programme(service, P)
    _import(service)
    first = service.load(Proposal, P, "dc-p101")
    assert first is not None
    assert first.title == "Des pistes cyclables sûres"  # title/fr over title/en
    assert first.text.splitlines() == [
        "Des pistes séparées de la route ; partout.",
        "rue A & rue B",
        "avenue C",
    ]
    assert first.axis == "dc-cat7"
    # No French written: the words its author wrote, not the machine's translation.
    trees = service.load(Proposal, P, "dc-p102")
    assert trees is not None and trees.title == "More trees in the north"
    assert trees.axis == "dc-scope3"
    # Proposals are contributed in the meeting they are linked to.
    contribution = service.load(Contribution, P, "dc-p101")
    assert contribution is not None and contribution.session == "dc-m31"
    for row in _rows("meetings"):
        session = service.load(Session, P, f"dc-m{row['id']}")
        assert session is not None
        assert session.on.isoformat() == row["start_time"][:10]
        assert session.kind.value == ("online" if row["type_of_meeting"] == "online" else "forum")
    # An amendment cites the proposal it amends as a source.
    amendment = service.load(Proposal, P, "dc-p104")
    assert amendment is not None
    assert [s["contribution"] for s in amendment.sources] == ["dc-p104", "dc-p101"]


@pytest.mark.stores("ram", "postgres")
def test_a_result_is_an_action_behind_which_the_trace_shows_its_proposals(
    service: Registre,
) -> None:
    open_programme(service, P)
    report = _import(service)
    linked = [r for r in _rows("results") if r["proposal_urls"]]
    assert report.counts["Action.ResultRecorded"] == len(linked)
    assert report.notes["results linked to no proposal of the export"] == 1
    for row in linked:
        action = service.load(Action, P, f"dc-r{row['id']}")
        assert action is not None
        behind = [f"dc-p{u.rsplit('/', 1)[1]}" for u in row["proposal_urls"].split(", ")]
        assert action.proposals == behind
        assert action.progress == round(float(row["progress"]))
        assert action.status is ActionStatus.IN_PROGRESS
        projector = projector_for(service.store)
        with projector.reading("provenance") as db:
            for proposal in behind:
                trace = read_trace(db, P, proposal)
                assert trace is not None and f"dc-r{row['id']}" in trace.actions, proposal


@pytest.mark.stores("ram", "postgres")
def test_the_zip_imports_as_its_files_and_a_second_import_records_nothing(
    service: Registre, tmp_path: Path
) -> None:
    archive = tmp_path / "ville-open-data.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for file in FIXTURES.glob("*.csv"):
            z.write(file, file.name)
        z.writestr("ville-open-data-proposal_comments.csv", "id;body/fr\n1;hors sujet\n")
    open_programme(service, P)
    first = _import(service, archive)
    assert first.counts["Proposal.TallyAttested"] == len(_rows("proposals"))
    position = max_position(service)
    again = _import(service, archive)
    assert again.already_recorded and max_position(service) == position
    proposal = service.load(Proposal, P, "dc-p101")
    assert proposal is not None
    assert list(proposal.attested_tallies) == [f"{archive}/ville-open-data-proposals.csv:2"]


def test_bad_rows_are_listed_at_once_and_nothing_is_written(
    service: Registre, tmp_path: Path
) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    text = (FIXTURES / "ville-open-data-proposals.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    header = lines[0].split(";")
    supports = header.index("supports")
    bad = lines[3].split(";")  # proposal 102 (101 spans lines 2 and 3)
    bad[supports] = "beaucoup"
    lines[3] = ";".join(bad)
    lines = [*filter(None, lines), ";".join(["x"] + [""] * (len(header) - 1))]
    (folder / "v-proposals.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    open_programme(service, P)
    position = max_position(service)
    with pytest.raises(InvalidInput) as raised:
        _import(service, folder)
    said = str(raised.value)
    assert f"{folder}/v-proposals.csv:4: supports 'beaucoup' is not a count" in said
    assert f"{folder}/v-proposals.csv:{len(lines)}: id 'x' is not a Decidim id" in said
    assert max_position(service) == position


def test_html_is_read_as_text() -> None:
    assert plain("<p>Un &amp; deux</p><p>trois<br>quatre</p>") == "Un & deux\ntrois\nquatre"
    assert plain("sans balise") == "sans balise"


def test_the_command_line_imports_an_export_and_refuses_a_folder_without_one(
    sqlite_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    base = ["--database", sqlite_url]
    programme = ["programme", "open", P, "--title", "T", "--organiser", "O", "--founder"]
    opened = runner.invoke(main, [*base, *programme, "v=Ville", "--rule", "any", "--as", "clerk"])
    assert opened.exit_code == 0, opened.output
    done = runner.invoke(
        main, ["--json", *base, "import", "decidim", P, str(FIXTURES), "--as", "clerk"]
    )
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["recorded"]["Action.ResultRecorded"] == 1
    traced = runner.invoke(main, [*base, "trace", P, "dc-p104"])
    assert traced.exit_code == 0 and "dc-r501" in traced.stdout
    empty = runner.invoke(main, [*base, "import", "decidim", P, str(tmp_path), "--as", "c"])
    assert empty.exit_code == 2 and "no Decidim open-data file" in empty.stderr
    assert "Traceback" not in empty.output


def test_the_site_shows_a_result_on_the_page_of_each_proposal_behind_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    base = ["--database", sqlite_url]
    programme = ["programme", "open", P, "--title", "T", "--organiser", "O", "--founder"]
    assert (
        runner.invoke(main, [*base, *programme, "v=V", "--rule", "any", "--as", "c"]).exit_code == 0
    )
    assert (
        runner.invoke(main, [*base, "import", "decidim", P, str(FIXTURES), "--as", "c"]).exit_code
        == 0
    )
    out = tmp_path / "site"
    assert runner.invoke(main, [*base, "publish", P, "--out", str(out)]).exit_code == 0
    showing = sorted(p.name for p in out.glob("proposition-*.html") if "dc-r501" in p.read_text())
    assert showing == ["proposition-dc-p101.html", "proposition-dc-p104.html"]


@pytest.mark.stores("ram", "postgres")
def test_the_plan_lists_a_result_with_the_proposals_behind_it_until_it_is_annulled(
    service: Registre,
) -> None:
    open_programme(service, P)
    _import(service)
    projector = projector_for(service.store)
    projector.catch_up(["plan"])
    with projector.reading("plan") as db:
        plan = read_plan(db, P)
    assert plan is not None
    (result,) = plan.results
    action = service.load(Action, P, "dc-r501")
    assert action is not None
    assert (result.key, result.status, result.progress) == (
        "dc-r501",
        action.status.value,
        action.progress,
    )
    titles = {
        k: p.title for k in action.proposals if (p := service.load(Proposal, P, k)) is not None
    }
    assert result.proposals == [(k, titles[k]) for k in ["dc-p101", "dc-p104"]]
    # Not a priority's action: the proposals behind it need not be adopted.
    assert all(a.key != "dc-r501" for p in plan.priorities for a in p.actions)
    (recorded,) = [
        n.id
        for n in service.store.notifications(0, max_position(service))
        if n.topic.endswith("ResultRecorded")
    ]
    service.handle(c.CorrectRecord(programme=P, position=recorded, reason="doublon"), ctx())
    projector.catch_up(["plan"])
    with projector.reading("plan") as db:
        after = read_plan(db, P)
    assert after is not None and after.results == []


def test_plan_show_and_the_site_list_a_result_with_its_proposals(
    sqlite_url: str, tmp_path: Path
) -> None:
    runner = CliRunner()
    base = ["--database", sqlite_url]
    programme = ["programme", "open", P, "--title", "T", "--organiser", "O", "--founder"]
    assert (
        runner.invoke(main, [*base, *programme, "v=V", "--rule", "any", "--as", "c"]).exit_code == 0
    )
    assert (
        runner.invoke(main, [*base, "import", "decidim", P, str(FIXTURES), "--as", "c"]).exit_code
        == 0
    )
    (row,) = [r for r in _rows("results") if r["proposal_urls"]]
    shown = runner.invoke(main, [*base, "plan", "show", P])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith("result dc-r501:"))
    assert f"{round(float(row['progress']))}%" in lines[at]
    assert [line.split()[0] for line in lines[at + 1 : at + 3]] == ["dc-p101", "dc-p104"]
    as_json = runner.invoke(main, ["--json", *base, "plan", "show", P])
    assert as_json.exit_code == 0, as_json.output
    (result,) = json.loads(as_json.stdout)["results"]
    assert result["key"] == "dc-r501"
    assert [p["key"] for p in result["proposals"]] == ["dc-p101", "dc-p104"]
    out = tmp_path / "site"
    assert runner.invoke(main, [*base, "publish", P, "--out", str(out)]).exit_code == 0
    index = (out / "index.html").read_text()
    listed = index[index.index('id="resultats"') :]
    assert "proposition-dc-p101.html" in listed and "proposition-dc-p104.html" in listed
