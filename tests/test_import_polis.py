"""Pol.is imports: a conversation recorded as an online session, checked whole,
saved in chunks, idempotent and resumable; the tally of each comment is the
count of each voter's latest vote in votes.csv. Unit tests; the interrupted
import, which the store decides, runs on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from service_support import ctx, max_position, open_programme

from registre.adapters.application import Registre
from registre.adapters.application.unit_of_work import UnitOfWork
from registre.adapters.importers import runner
from registre.adapters.importers.polis import conversation_name, plan_polis
from registre.adapters.importers.runner import ImportReport, run
from registre.cli.main import main
from registre.domain.errors import InvalidInput
from registre.projections import projector_for
from registre.projections.tallies import read_tallies

LAYER = "unit"

P = "online"
LONDON = Path(__file__).parent / "fixtures" / "polis" / "london.youth.policing"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "polis"
CONVERSATIONS = [
    "london.youth.policing",
    "brexit-consensus",
    "15-per-hour-seattle",
    "vtaiwan.uberx",
]


def _import(service: Registre, folder: Path, **options: Any) -> ImportReport:
    chunk_rows = options.pop("chunk_rows", runner.CHUNK_ROWS)
    plan = plan_polis(P, str(folder), "EL1", **options)
    return run(service, plan, ctx(), chunk_rows=chunk_rows)


def expected_tally(folder: Path) -> dict[str, Counter[int]]:
    """Each voter's latest vote on each comment (by timestamp, then file order), counted."""
    with (folder / "votes.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: int(r["timestamp"]))  # stable: file order among equal times
    latest = {(r["voter-id"], r["comment-id"]): int(r["vote"]) for r in rows}
    counts: dict[str, Counter[int]] = {}
    for (_, comment), vote in latest.items():
        counts.setdefault(comment, Counter())[vote] += 1
    return counts


def recorded_tally(service: Registre, folder: Path) -> dict[str, Counter[int]]:
    projector = projector_for(service.store)
    projector.catch_up(["tallies"])
    conv = conversation_name(str(folder))
    with projector.reading("tallies") as db:
        (tally,) = read_tallies(db, P, f"polis-{conv}")
    assert tally.closed and not tally.late
    prefix = f"polis-{conv}-"
    return {
        t.proposal.removeprefix(prefix): Counter({1: t.agree, -1: t.disagree, 0: t.passes})
        for t in tally.proposals
        if t.voters
    }


def _same(a: dict[str, Counter[int]], b: dict[str, Counter[int]]) -> bool:
    return {k: +v for k, v in a.items()} == {k: +v for k, v in b.items()}


def _events(service: Registre, start: int) -> list[tuple[int, Any]]:
    return list(service.notifications(start))


def test_a_conversation_is_recorded_and_its_tally_is_each_voters_latest_vote(
    service: Registre,
) -> None:
    open_programme(service, P)
    before = max_position(service)
    report = _import(service, LONDON)
    assert report.counts["Contribution.Submitted"] == 39
    assert report.counts["Proposal.Synthesised"] == 39
    assert report.counts["Round.Opened"] == report.counts["Round.Closed"] == 1
    assert report.counts["Session.Scheduled"] == 1
    # Two votes in the file repeat the voter's standing vote: left out, and said so.
    assert report.notes == Counter({"repeated vote equal to the voter's standing vote": 2})
    assert report.counts["Ballot.VoteCast"] == 640 - 2
    assert report.events == max_position(service) - before - report.chunks
    assert _same(recorded_tally(service, LONDON), expected_tally(LONDON))


def test_every_imported_event_cites_its_file_and_line_and_happened_when_polis_says(
    service: Registre,
) -> None:
    open_programme(service, P)
    start = max_position(service) + 1
    _import(service, LONDON)
    votes = {
        i: int(r["timestamp"])
        for i, r in enumerate(csv.DictReader((LONDON / "votes.csv").open()), start=2)
    }
    for _, event in _events(service, start):
        source = event.audit.source
        assert re.fullmatch(r".+/(comments|votes)\.csv:\d+", source), source
        assert event.audit.actor == "clerk"
        if type(event).__qualname__ == "Ballot.VoteCast":
            line = int(source.rsplit(":", 1)[1])
            assert event.audit.occurred_at.timestamp() * 1000 == pytest.approx(votes[line])


def test_importing_the_same_conversation_again_records_nothing(service: Registre) -> None:
    open_programme(service, P)
    _import(service, LONDON)
    after = max_position(service)
    again = _import(service, LONDON)
    assert again.already_recorded and again.events == 0
    assert max_position(service) == after


def test_a_folder_with_bad_rows_records_nothing_and_lists_every_one(
    service: Registre, tmp_path: Path
) -> None:
    open_programme(service, P)
    folder = tmp_path / "london"
    shutil.copytree(LONDON, folder)
    votes = (folder / "votes.csv").read_text().splitlines()
    votes[3] = votes[3].rsplit(",", 1)[0] + ",2"  # a vote that is not -1, 0 or 1
    votes[6] = "1658933844092,Wed,999,2,-1,0"  # more cells than columns
    (folder / "votes.csv").write_text("\n".join(votes) + "\n")
    comments = (folder / "comments.csv").read_text().splitlines()
    comments[2] = comments[2].split(",", 1)[0] + ",Wed,38,23,3,0,5,body"  # moderated 5
    (folder / "comments.csv").write_text("\n".join(comments) + "\n")
    before = max_position(service)
    with pytest.raises(InvalidInput) as refused:
        _import(service, folder)
    lines = str(refused.value).splitlines()
    assert lines == [
        f"{folder}/comments.csv:3: moderated 5 is not one of -1, 0, 1",
        f"{folder}/votes.csv:4: vote 2 is not one of -1, 0, 1",
        f"{folder}/votes.csv:7: more cells than columns",
    ]
    assert max_position(service) == before


def test_a_conversation_needs_an_online_session(service: Registre) -> None:
    open_programme(service, P)  # W1 is a workshop
    before = max_position(service)
    with pytest.raises(InvalidInput, match=r"comments\.csv:1: session W1 is a workshop"):
        run(service, plan_polis(P, str(LONDON), "W1"), ctx())
    assert max_position(service) == before


@pytest.mark.integration
def test_an_interrupted_import_run_again_completes_without_duplicates(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_programme(service, P)
    save = UnitOfWork.commit
    calls = {"n": 0}

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("the connection dropped")
        return save(*args, **kwargs)

    monkeypatch.setattr(UnitOfWork, "commit", failing_once)
    with pytest.raises(OSError):
        _import(service, LONDON, chunk_rows=200)
    first = _import(service, LONDON, chunk_rows=200)
    assert first.chunks == 4 and first.chunks_before == 1
    assert _import(service, LONDON, chunk_rows=200).already_recorded
    kinds = Counter(type(e).__qualname__ for _, e in _events(service, 1))
    assert kinds["Ballot.VoteCast"] == 638
    assert kinds["Contribution.Submitted"] == 39
    assert kinds["CommandReceipt.Received"] == 3 + 4  # open_programme's three, one per chunk
    assert _same(recorded_tally(service, LONDON), expected_tally(LONDON))


def test_keep_open_leaves_the_round_open(service: Registre) -> None:
    open_programme(service, P)
    report = _import(service, LONDON, keep_open=True)
    assert "Round.Closed" not in report.counts


@pytest.mark.e2e
def test_the_command_line_imports_and_reports_bad_input_in_one_line(sqlite_url: str) -> None:
    runner = CliRunner()
    base = ["--database", sqlite_url]
    programme = ["programme", "open", P, "--title", "T", "--organiser", "O", "--founder"]
    opened = runner.invoke(main, [*base, *programme, "v=Ville", "--rule", "any", "--as", "clerk"])
    assert opened.exit_code == 0, opened.output
    line = [*base, "import", "polis", P, str(LONDON), "--session", "EL1"]
    missing_actor = runner.invoke(main, line)
    assert missing_actor.exit_code == 2
    assert "--as is required" in missing_actor.stderr
    done = runner.invoke(main, [*line, "--as", "clerk"])
    assert done.exit_code == 0, done.output
    assert "events" in done.stdout and "638  Ballot.VoteCast" in done.stdout
    again = runner.invoke(main, [*line, "--as", "clerk"])
    assert again.exit_code == 0 and "already imported" in again.stdout
    absent = runner.invoke(
        main, [*base, "import", "polis", P, "/nowhere", "--session", "EL1", "--as", "clerk"]
    )
    assert absent.exit_code == 2
    assert absent.stderr == (
        "error: /nowhere is not a folder (a Pol.is export: comments.csv, votes.csv)\n"
    )


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_the_shared_conversations_import_with_the_independent_tally(
    service: Registre, conversation: str
) -> None:
    folder = SHARED / conversation
    if not folder.is_dir():
        pytest.skip(f"{folder} is not here")
    open_programme(service, P)
    _import(service, folder)
    assert _same(recorded_tally(service, folder), expected_tally(folder))
