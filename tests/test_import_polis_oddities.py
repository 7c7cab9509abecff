"""Pol.is exports as Pol.is's own export code writes them: blanked comments,
votes on comments it does not list, timestamps in seconds, unquoted bodies,
rows in velocity or id order. Each imports whole, and each comment's tally is
each voter's latest vote on it."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest
from service_support import ctx, open_programme
from test_import_polis import LONDON, SHARED, P, _same, expected_tally, recorded_tally

from registre.adapters.application import Registre
from registre.adapters.importers.polis import NO_TEXT, NOTE_EMPTY, NOTE_UNLISTED, plan_polis
from registre.adapters.importers.runner import ImportReport, run
from registre.domain import Contribution

LAYER = "unit"

HEADER = "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body"
JS_DATE = "Mon Jul 17 2023 16:10:15 GMT+0200 (Central European Summer Time)"
T0 = 1_689_602_000  # seconds


def _import(service: Registre, folder: Path) -> ImportReport:
    return run(service, plan_polis(P, str(folder), "EL1"), ctx())


def _odd_export(folder: Path) -> None:
    """An export in the shape of Pol.is's later export code: seconds, comments by
    velocity, votes by comment then voter, one body unquoted with commas, one
    quoted with a newline and quotes, one blanked, votes on a comment not listed."""
    folder.mkdir()
    comments = [
        HEADER,
        # velocity order, not time order
        f"{T0 + 50},{JS_DATE},2,7,1,1,1,Bus lanes, bike lanes, and wider pavements",
        f'{T0 + 10},{JS_DATE},0,5,2,0,1,"Say ""yes"" to trams\nand to night buses"',
        f"{T0 + 30},{JS_DATE},1,6,0,1,-1,",
        f"{T0 + 40},{JS_DATE},3,6,0,0,0,",
    ]
    (folder / "comments.csv").write_text("\n".join(comments) + "\n", encoding="utf-8")
    votes = ["timestamp,datetime,comment-id,voter-id,vote"]
    rows = [
        # (comment, voter, vote, seconds after T0), ordered by comment then voter
        (0, 5, 1, 12),
        (0, 8, -1, 60),
        (0, 8, 1, 20),  # earlier in time than the row above: the -1 stands
        (1, 8, 1, 31),
        (1, 9, -1, 35),
        (1, 9, 0, 36),  # replaces the -1
        (2, 5, 1, 55),
        (2, 9, 1, 56),
        (3, 8, -1, 41),
        (4, 8, 1, 70),  # comment 4 is not in comments.csv
        (4, 9, -1, 71),
    ]
    votes += [f"{T0 + s},{JS_DATE},{cm},{voter},{v}" for cm, voter, v, s in rows]
    (folder / "votes.csv").write_text("\n".join(votes) + "\n", encoding="utf-8")
    (folder / "summary.csv").write_text('topic,"Getting about, ""better"""\n', encoding="utf-8")


def _latest(folder: Path) -> dict[str, Counter[int]]:
    """The expected tally, without the votes on comments the export does not list."""
    listed = {r["comment-id"] for r in csv.DictReader((folder / "comments.csv").open())}
    return {k: v for k, v in expected_tally(folder).items() if k in listed}


def test_an_export_with_every_oddity_of_the_polis_export_imports_whole(
    service: Registre, tmp_path: Path
) -> None:
    folder = tmp_path / "odd"
    _odd_export(folder)
    open_programme(service, P)
    report = _import(service, folder)
    assert report.counts["Contribution.Submitted"] == 4
    assert report.notes[NOTE_UNLISTED] == 2
    assert report.remarks == Counter({NOTE_EMPTY: 2})
    tally = recorded_tally(service, folder)
    assert _same(tally, _latest(folder))
    assert tally["0"] == Counter({-1: 1, 1: 1})  # voter 8's later vote stands
    assert tally["1"] == Counter({1: 1, 0: 1})  # the blanked comment keeps its votes

    def text(key: str) -> str:
        found = service.load(Contribution, P, f"polis-odd-{key}")
        assert found is not None
        return found.text

    assert text("2") == "Bus lanes, bike lanes, and wider pavements"
    assert text("0") == 'Say "yes" to trams\nand to night buses'
    assert text("1") == text("3") == NO_TEXT
    vote_times = [
        e.audit.occurred_at.timestamp()
        for _, e in service.notifications()
        if type(e).__qualname__ == "Ballot.VoteCast"
    ]
    assert min(vote_times) == T0 + 12  # read as seconds, not milliseconds
    assert _import(service, folder).already_recorded


@pytest.mark.parametrize("source", [LONDON, SHARED / "15-per-hour-seattle"], ids=lambda p: p.name)
def test_a_real_conversation_with_its_rejected_comments_blanked_imports_with_its_tally(
    service: Registre, tmp_path: Path, source: Path
) -> None:
    """What a published export with moderated-out comments looks like: the body
    of each rejected comment is empty, and its votes are still in votes.csv."""
    if not source.is_dir():
        pytest.skip(f"{source} is not here")
    folder = tmp_path / source.name
    shutil.copytree(source, folder)
    with (folder / "comments.csv").open(encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields, rows = list(reader.fieldnames or []), list(reader)
    blanked = [r["comment-id"] for r in rows if r["moderated"] == "-1"]
    assert blanked  # the conversation has rejected comments, with votes
    for r in rows:
        if r["moderated"] == "-1":
            r["comment-body"] = ""
    with (folder / "comments.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        writer.writerows(rows)
    open_programme(service, P)
    report = _import(service, folder)
    assert report.remarks == Counter({NOTE_EMPTY: len(blanked)})
    moderated = sum(r["moderated"] != "0" for r in rows)
    assert report.counts["Proposal.Validated"] == moderated  # the rejections included
    tally = recorded_tally(service, folder)
    assert _same(tally, expected_tally(folder))
    voted_on = [key for key in blanked if expected_tally(folder).get(key)]
    assert [key for key in voted_on if tally.get(key)] == voted_on


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        (f"{T0},{JS_DATE},0,5,0,0,0,body,", None),  # an unquoted trailing comma: body "body,"
        ("-5,x,0,5,0,0,0,body", "timestamp -5 is before 1970"),
        ("later,x,0,5,0,0,0,body", "timestamp 'later' is not a whole number"),
    ],
)
def test_comment_rows_are_read_as_the_export_wrote_them(
    service: Registre, tmp_path: Path, line: str, problem: str | None
) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    (folder / "comments.csv").write_text(f"{HEADER}\n{line}\n", encoding="utf-8")
    (folder / "votes.csv").write_text(
        f"timestamp,datetime,comment-id,voter-id,vote\n{T0},x,0,1,1\n", encoding="utf-8"
    )
    plan = plan_polis(P, str(folder), "EL1")
    if problem is None:
        assert not plan.problems
    else:
        assert plan.problems == [f"{folder}/comments.csv:2: {problem}"]
