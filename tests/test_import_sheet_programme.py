"""A whole programme from one workbook: axes, sessions, participants,
attendance, contributions, proposals, rounds, votes, validations, founders'
decisions, actions and progress, each row the clerk's command, imported in
the order a programme unfolds and read back through the plan and the trace,
on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from service_support import ctx, max_position, open_programme

from registre.adapters.application import Registre
from registre.adapters.importers.runner import ImportReport, run
from registre.adapters.importers.sheet import COLUMNS, KINDS, plan_sheet, template_files
from registre.cli.main import main
from registre.domain import Round
from registre.domain.errors import InvalidInput
from registre.projections import projector_for
from registre.projections.plan import ActionPlan, read_plan
from registre.projections.trace import Trace, read_trace

LAYER = "integration"

P = "atelier"

# Sheets in the workbook in an order a clerk might choose: the import follows
# the programme's order (a round before its votes, its closing after them).
PROGRAMME: dict[str, list[list[Any]]] = {
    "progress": [
        ["A-1", "in-progress", 50, "Convention signée", "2022-09-01"],
        ["A-1", "done", 100, "", "2022-12-01"],
    ],
    "votes": [
        ["R1", "P-001", "F1", 2, "2022-03-15"],
        ["R1", "P-002", "F1", 1, "2022-03-15"],
        ["R1", "P-002", "F2", 2, "2022-03-15"],
    ],
    "decisions": [
        ["F1", "m", "approve", "Inscrit au budget", None, "2022-05-01"],
        ["F1", "r", "amend", "À chiffrer", "non", "2022-05-02"],
        ["F1", "r", "approve", "Chiffrage reçu", "oui", "2022-06-01"],
    ],
    "axes": [["culture", "Culture", None, None, "2022-02-01"]],
    "sessions": [["W2", "forum", "2022-03-15", "Forum", "health;culture", "Lou; Max", None]],
    "participants": [
        ["P-001", "Anne Dupont", "Coopérative Ouest", "association", None, None, "2022-03-01"],
        ["P-002", "Yves Le Goff", "Start-up Nautile", "start-up", None, None, "2022-03-01"],
    ],
    "attendance": [["W1", "P-001", "2022-03-01"], ["W1", "P-002", "2022-03-01"]],
    "contributions": [
        ["C-1", "W1", "P-001", "Un centre de santé ouvert le soir", "health", "2022-03-01"],
        ["C-2", "W1", "P-002", "Des maisons médicales", "health", "2022-03-01"],
        ["C-3", "W2", "P-001;P-002", "Un festival de quartier", "culture", "2022-03-15"],
    ],
    "proposals": [
        ["F1", "Centres de santé", "C-1;C-2@1", "Ouverts le soir", "health", "2022-03-10"],
        ["F2", "Festival", "C-3", None, "culture", "2022-03-15"],
    ],
    "rounds": [
        ["R1", "W2", "dots", "F1;F2", 3, None, None, None, None, None, "2022-03-15", "2022-03-16"],
    ],
    "validations": [
        ["F1", "Comité de pilotage", "CR-2022-04", None, "2022-04-02"],
        ["F2", "Comité de pilotage", "CR-2022-04", "returned", "2022-04-02"],
    ],
    "actions": [
        ["A-1", "F1", "Ouvrir deux centres", "Métropole", "ARS;CPAM", "2023-06-30", "2022-06-15"],
    ],
}


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


def _import(service: Registre, file: str, kind: str | None = None) -> ImportReport:
    return run(service, plan_sheet(P, file, kind), ctx())


def _plan(service: Registre) -> ActionPlan:
    projector = projector_for(service.store)
    projector.catch_up(["plan"])
    with projector.reading("plan") as db:
        found = read_plan(db, P)
    assert found is not None
    return found


def _trace(service: Registre, proposal: str) -> Trace:
    projector = projector_for(service.store)
    projector.catch_up(["provenance"])
    with projector.reading("provenance") as db:
        found = read_trace(db, P, proposal)
    assert found is not None
    return found


def test_a_whole_programme_loads_from_one_workbook(service: Registre, tmp_path: Path) -> None:
    open_programme(service, P)  # founders m and r, unanimity; axis health, session W1
    book = _book(tmp_path / "programme.xlsx", PROGRAMME)
    report = _import(service, book)
    assert report.rows == sum(len(rows) for rows in PROGRAMME.values()) + 1  # R1's closing
    assert report.counts["Proposal.Synthesised"] == 2
    assert report.counts["Proposal.FounderDecided"] == 3
    assert report.counts["Action.ProgressReported"] == 2

    plan = _plan(service)
    assert [p.key for p in plan.priorities] == ["F1"]
    f1 = plan.priorities[0]
    assert (f1.validated_by, f1.minutes, f1.adopted_on[:10]) == (
        "Comité de pilotage",
        "CR-2022-04",
        "2022-06-01",
    )
    assert {f: d["decision"] for f, d in f1.decisions.items()} == {"m": "approve", "r": "approve"}
    assert [(a.key, a.lead, a.partners, a.status, a.progress) for a in f1.actions] == [
        ("A-1", "Métropole", ["ARS", "CPAM"], "done", 100)
    ]
    assert plan.axes == {"health": "Santé", "culture": "Culture"}

    trace = _trace(service, "F1")
    assert trace.state == "adopted" and trace.actions == ["A-1"]
    cites = {(e.from_key, e.from_version) for e in trace.edges if e.relation == "cites"}
    assert cites == {("C-1", 1), ("C-2", 1)}
    assert trace.organisation_types == {"association": ["P-001"], "start-up": ["P-002"]}
    revised = [s for s in trace.steps if s.kind == "FounderDecided"][-1]
    assert revised.detail["revises_position"] is not None
    assert revised.source == f"{book}[decisions]:4"
    assert revised.occurred_at.startswith("2022-06-01")
    # The round is closed after its votes, each counted, dated by the closed cell.
    tally = next(t for t in trace.tallies if t.proposal == "F1")
    assert (tally.total, tally.voters) == (3, 2)
    assert tally.closed_at is not None
    assert all(v.status == "counted" and v.step.position < tally.closed_at for v in trace.votes)
    closed = next(s for s in trace.steps if s.kind == "Closed")
    assert (closed.source, closed.occurred_at[:10]) == (f"{book}[rounds]:2", "2022-03-16")
    round_ = service.load(Round, P, "R1")
    assert round_ is not None and round_.closed

    f2 = _trace(service, "F2")
    assert f2.state == "returned"
    assert {(e.from_key, e.from_version) for e in f2.edges if e.relation == "cites"} == {("C-3", 1)}


def test_a_workbook_imported_again_records_nothing(service: Registre, tmp_path: Path) -> None:
    open_programme(service, P)
    book = _book(tmp_path / "programme.xlsx", PROGRAMME)
    _import(service, book)
    after = max_position(service)
    again = _import(service, book)
    assert again.already_recorded and again.events == 0
    assert max_position(service) == after


def test_bad_rows_of_every_kind_are_listed_at_once_and_nothing_is_written(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    good = {k: v for k, v in PROGRAMME.items() if k not in ("votes", "progress")}
    bad: dict[str, list[list[Any]]] = {
        "axes": [["mobilite", None, None, None, None]],
        "sessions": [["W3", "forum", "demain", None, None, None, None]],
        "proposals": [
            ["F3", "Sans source", "C-404", None, None, None],
            ["F4", "Mauvaise source", "C-1@0", None, None, None],
        ],
        "rounds": [
            ["R2", "W1", "vote", "F1", None, None, None, None, None, None, None, None],
            ["R3", "W1", "dots", "F1", "trois", None, None, None, None, None, None, None],
            ["R4", "W1", "dots", "F1", None, None, None, None, None, None, None, None],
            ["R5", "W1", "approval", "F1", None, None, None, None, 10, "F1:5", None, None],
            ["R6", "W1", "approval", "F1", None, None, None, None, None, None, None, "demain"],
        ],
        "validations": [["F1", "Comité", "CR-9", "ok", None]],
        "decisions": [
            ["F1", "m", "oui", "Pourquoi pas", None, None],
            ["F2", "m", "approve", "Trop tôt", "peut-être", None],
        ],
        "actions": [["A-2", "F1", "Évaluer", "Métropole", None, "bientôt", None]],
        "progress": [["A-9", "done", 100, None, None], ["A-1", "done", 120, None, None]],
    }
    sheets = {k: good.get(k, []) + bad.get(k, []) for k in KINDS if k in good or k in bad}
    book = _book(tmp_path / "bad.xlsx", sheets)
    before = max_position(service)
    with pytest.raises(InvalidInput) as refused:
        _import(service, book)
    at = {kind: f"{book}[{kind}]" for kind in KINDS}
    # Listed in the order of the programme, each line once, by its first reason.
    assert str(refused.value).splitlines() == [
        f"{at['axes']}:3: title: is required",
        f"{at['sessions']}:3: on: 'demain' is not an ISO 8601 date (YYYY-MM-DD)",
        f"{at['proposals']}:4: programme {P} has no contribution 'C-404'",
        f"{at['proposals']}:5: sources: 'C-1@0' is not a contribution reference: "
        "use KEY or KEY@VERSION (e.g. C-12@2)",
        f"{at['rounds']}:3: method: 'vote' is not one of "
        "'approval', 'dots', 'score', 'agree' or 'ordinal'",
        f"{at['rounds']}:4: limit: 'trois' is not a whole number",
        f"{at['rounds']}:5: limit: a dots round needs a limit: how many dots each participant has",
        f"{at['rounds']}:6: costs: 'F1:5' is not PROPOSAL=COST (e.g. F1=12000)",
        f"{at['rounds']}:7: closed: 'demain' is neither a date (YYYY-MM-DD) nor oui, yes or x",
        f"{at['validations']}:4: outcome: 'ok' is not one of 'validated', 'returned' or 'rejected'",
        f"{at['decisions']}:5: decision: 'oui' is not one of 'approve', 'reject' or 'amend'",
        f"{at['decisions']}:6: revise: 'peut-être' is not oui, yes, x, non, no or empty",
        f"{at['actions']}:3: due: 'bientôt' is not an ISO 8601 date (YYYY-MM-DD)",
        f"{at['progress']}:2: programme {P} has no action 'A-9'",
        f"{at['progress']}:3: percent: must be at most 100",
    ]
    assert max_position(service) == before


def test_each_kind_is_told_by_its_columns_and_its_template_row_is_valid(
    service: Registre, tmp_path: Path
) -> None:
    # Every template, as a CSV of its own, is recognised by its header alone
    # and imports in the programme's order, its example row consistent with
    # the others': the first opens the programme.
    files = dict(template_files())
    assert list(files) == [f"{kind}.csv" for kind in KINDS]
    recorded: dict[str, int] = {}
    for kind in KINDS:
        path = tmp_path / f"{kind}-sheet.csv"  # a name that does not say the kind
        path.write_text(files[f"{kind}.csv"], encoding="utf-8")
        plan = plan_sheet(P, str(path), None)
        assert not plan.problems, plan.problems
        report = run(service, plan, ctx())
        recorded[kind] = report.events
    assert all(recorded.values()), recorded
    assert [p.key for p in _plan(service).priorities] == ["F1"]


def test_import_sheet_help_names_every_kind() -> None:
    result = CliRunner().invoke(main, ["import", "sheet", "--help"])
    assert result.exit_code == 0
    for kind in KINDS:
        assert f"{kind}:" in result.stdout
