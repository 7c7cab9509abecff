"""Hostile input, generated: the command line, every importer and the site builder.

Hypothesis draws invocations of `registre` (in-process) whose arguments mix
good values with hostile ones (integers past the stores' range, NUL, bytes
that are not UTF-8, megabytes, formulas, markup), and files for every
importer (sheets as CSV and XLSX, Pol.is folders) with such cells. Every
invocation must end as the house promises: no traceback, never an internal
error (70), and one that is refused writes nothing (the events and the
ledger are counted before and after). The runs are seeded (derandomize) and
bounded in examples, so the suite takes seconds and finds the same thing
every time; what it found is kept as explicit cases in
``test_hostile_input.py``.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cli_support import Registre, set_up
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from registre.adapters.application import Registre as Record
from registre.adapters.ledger.leaves import LEDGER_TABLE
from registre.adapters.stores.config import parse_url
from registre.cli.main import main
from registre.domain.bounds import MAX_STORED_INTEGER

LAYER = "e2e"


def fuzz(examples: int) -> settings:
    """Seeded (derandomize: the same examples on every run) and bounded."""
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


HOSTILE = [
    str(MAX_STORED_INTEGER + 1),
    str(MAX_STORED_INTEGER),
    "-9223372036854775809",
    "99999999999999999999999",
    "9" * 5000,
    "-1",
    "0",
    "1.5",
    "",
    " ",
    "a\x00b",
    "fabrik\udce9",
    "\udcff\udcfe",
    "K" * 200_000,
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example")',
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "C-1@99999999999999999999",
    "C-1@0",
    "2021-02-30",
    "9999-12-31T23:59:59",
    "0001-01-01",
    "\u202eevil",
    "e\u0301",
    "\r\n",
]
KEYS = ["fabrik", "P1", "P2", "P3", "C-1", "C-2", "R1", "A1", "P-001", "P-002", "sante", "X-1"]


def value(*good: str) -> st.SearchStrategy[str]:
    """A slot of an invocation: mostly a good value, often a hostile one."""
    return st.one_of(
        st.sampled_from(list(good) or KEYS),
        st.sampled_from(HOSTILE),
        st.text(max_size=12),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
    )


def invocation(out: Path) -> st.SearchStrategy[list[str]]:
    k, n = value(), value("1", "2", "3", "7")
    text = value("Un texte", "Santé publique")
    where = st.sampled_from(["a.csv", "b.json", "x\x00y", "sub/none.csv", "é.csv"]).map(
        lambda name: str(out / name)
    )
    templates = [
        st.tuples(
            st.just("round open fabrik"),
            k,
            st.just("--session"),
            k,
            st.just("--method"),
            value("dots", "approval", "score", "agree"),
            st.just("--limit"),
            n,
            st.just("--proposal"),
            k,
        ),
        st.tuples(
            st.just("vote cast fabrik R1 --by"), k, st.just("--for"), k, st.just("--value"), n
        ),
        st.tuples(st.just("vote retract fabrik"), k, st.just("--by"), k, st.just("--for"), k),
        st.tuples(st.just("round close fabrik"), k),
        st.tuples(st.just("correct fabrik"), n, st.just("--reason"), text),
        st.tuples(
            st.just("contribution submit fabrik --session A1 --key"),
            k,
            st.just("--by"),
            k,
            st.just("--text"),
            text,
        ),
        st.tuples(st.just("contribution amend fabrik"), k, st.just("--text"), text),
        st.tuples(
            st.just("participant register fabrik"),
            k,
            st.just("--name"),
            text,
            st.just("--org"),
            text,
            st.just("--org-type"),
            value("start-up", "association"),
        ),
        st.tuples(
            st.just("proposal synthesise fabrik"),
            k,
            st.just("--title"),
            text,
            st.just("--from"),
            value("C-1", "C-2@1", "C-3"),
        ),
        st.tuples(st.just("programme axis fabrik"), k, st.just("--title"), text),
        st.tuples(
            st.just("session schedule fabrik"),
            k,
            st.just("--kind"),
            value("workshop"),
            st.just("--on"),
            value("2021-10-05"),
        ),
        st.tuples(st.just("validate fabrik"), k, st.just("--body"), text, st.just("--minutes"), k),
        st.tuples(
            st.just("decide fabrik"),
            k,
            st.just("--founder"),
            k,
            st.just("--approve --rationale"),
            text,
        ),
        st.tuples(
            st.just("action progress fabrik"),
            k,
            st.just("--status"),
            value("started"),
            st.just("--percent"),
            n,
        ),
        st.tuples(st.just("history"), k, st.just("--since"), value("2021-10-01")),
        st.tuples(st.just("history fabrik --actor"), text),
        st.tuples(st.just("plan show fabrik --at"), n),
        st.tuples(st.just("plan show fabrik --as-of"), value("2022-01-01")),
        st.tuples(st.just("stats"), k, st.just("--round"), k),
        st.tuples(st.just("trace fabrik"), k, st.just("--format"), value("text", "dot", "prov")),
        st.tuples(st.just("audit prove"), n),
        st.tuples(st.just("audit consistency"), n, n),
        st.tuples(
            st.just("export"),
            value("plan", "tallies", "contributions", "proposals"),
            k,
            st.just("--format"),
            value("csv", "json"),
            st.just("--out"),
            where,
        ),
        st.tuples(st.just("publish"), k, st.just("--out"), where),
        st.tuples(st.just("replay"), value("tallies", "plan")),
    ]
    return st.one_of(templates).map(_argv)


def _argv(parts: tuple[str, ...]) -> list[str]:
    argv: list[str] = []
    for n, part in enumerate(parts):
        # The fixed words of a template are split; the drawn values are single arguments.
        argv += part.split() if n % 2 == 0 or part.startswith("--") else [part]
    return argv


@dataclass
class Tally:
    """What the fuzzing tried and found, reported at the end of the run."""

    invocations: int = 0
    codes: Counter[int] = field(default_factory=Counter)
    tracebacks: list[str] = field(default_factory=list)
    internal: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)


TALLY = Tally()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    print(
        f"\nfuzzing: {TALLY.invocations} invocations, "
        f"exit codes {dict(sorted(TALLY.codes.items()))},"
        f" tracebacks {len(TALLY.tracebacks)}, internal errors {len(TALLY.internal)},"
        f" partial writes {len(TALLY.partial)}"
    )


def _written(url: str) -> tuple[int, int]:
    """(events, ledger leaves) in the store."""
    with Record.open(parse_url(url)) as service, service.store.transaction() as cursor:
        d = service.store.dialect
        events = d.rows(cursor, f"SELECT COUNT(*) AS n FROM {d.table(service.store.events_table)}")
        leaves = d.rows(cursor, f"SELECT COUNT(*) AS n FROM {d.table(LEDGER_TABLE)}")
        return int(events[0]["n"]), int(leaves[0]["n"])


def run(url: str, argv: list[str], expected: tuple[int, ...] = (0, 1, 2)) -> int:
    """One invocation, checked against the house's promises; returns its exit code."""
    before = _written(url)
    result = CliRunner().invoke(main, ["--database", url, *argv], env={"REGISTRE_ACTOR": "fuzz"})
    after = _written(url)
    shown = " ".join(a[:40] for a in argv)[:300]
    TALLY.invocations += 1
    TALLY.codes[result.exit_code] += 1
    found = Tally()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        found.tracebacks.append(f"{shown}: {result.exception!r}")
    elif "Traceback" in result.output or "Traceback" in result.stderr:
        found.tracebacks.append(shown)
    if result.exit_code == 70:
        found.internal.append(f"{shown}: {result.stderr[:300]}")
    if result.exit_code != 0 and after != before:
        found.partial.append(f"{shown}: {before} -> {after}")
    TALLY.tracebacks += found.tracebacks
    TALLY.internal += found.internal
    TALLY.partial += found.partial
    assert found.tracebacks + found.internal + found.partial == []
    assert result.exit_code in expected, (shown, result.exit_code, result.stderr[:300])
    if result.exit_code:
        assert result.stderr.startswith("error: "), (shown, result.stderr[:300])
        assert max(len(line) for line in result.stderr.splitlines()) < 1200
    return result.exit_code


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A programme recorded up to its first vote, shared by every invocation."""
    url = str(tmp_path_factory.mktemp("fuzz") / "registre.db")
    r = Registre(url)
    set_up(r)
    r.ok("validate fabrik P1 --body Comité --minutes CR-1")
    return url


@pytest.mark.slow
@fuzz(150)
@given(data=st.data())
def test_the_command_line_keeps_its_promises(
    store: str, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    out = tmp_path_factory.mktemp("out")
    for argv in data.draw(st.lists(invocation(out), min_size=1, max_size=5)):
        run(store, argv)
    shutil.rmtree(out, ignore_errors=True)


# -- importers ----------------------------------------------------------------------------

SHEETS = {
    "participants": ["key", "name", "organisation", "organisation_type", "contact", "date"],
    "attendance": ["session", "participant", "date"],
    "contributions": ["key", "session", "axis", "authors", "text", "date"],
    "votes": ["round", "participant", "proposal", "value", "date"],
}
GOOD = {
    "key": "P-050",
    "name": "Anne",
    "organisation": "O",
    "organisation_type": "association",
    "contact": "a@example.org",
    "date": "2021-10-05",
    "session": "A1",
    "participant": "P-001",
    "axis": "sante",
    "authors": "P-001;P-002",
    "text": "Un texte",
    "round": "R1",
    "proposal": "P2",
    "value": "1",
}
CELL_HOSTILE = [h for h in HOSTILE if len(h) < 150_000] + ["x" * 140_000, '"unclosed', "a,b"]


def cell(column: str) -> st.SearchStrategy[str]:
    return st.one_of(
        st.just(GOOD[column]),
        st.sampled_from(CELL_HOSTILE),
        st.text(max_size=10),
    )


def sheet_rows(kind: str) -> st.SearchStrategy[list[list[str]]]:
    columns = SHEETS[kind]
    row = st.tuples(*(cell(col) for col in columns)).map(list)
    return st.lists(row, min_size=1, max_size=4)


def _csv_text(columns: list[str], rows: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows(rows)
    return out.getvalue()


@pytest.mark.slow
@fuzz(80)
@given(data=st.data())
def test_every_sheet_import_keeps_its_promises(
    store: str, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("sheet")
    kind = data.draw(st.sampled_from(sorted(SHEETS)))
    rows = data.draw(sheet_rows(kind))
    as_bytes = data.draw(st.sampled_from(["utf-8", "latin-1", "raw", "xlsx"]))
    if as_bytes == "xlsx":
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = kind
        sheet.append(SHEETS[kind])
        path = folder / f"{kind}.xlsx"
        try:
            for row in rows:
                sheet.append(row)
            book.save(path)
        except Exception:  # openpyxl refuses what a workbook cannot hold (control characters)
            return
    else:
        path = folder / f"{kind}.csv"
        text = _csv_text(SHEETS[kind], rows)
        if as_bytes == "raw":
            path.write_bytes(text.encode("utf-8", "surrogateescape") + b"\xff\xfe\x00")
        elif as_bytes == "latin-1":
            path.write_bytes(text.encode("latin-1", "replace"))
        else:
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
    run(store, ["import", "sheet", "fabrik", str(path)])


@pytest.mark.slow
@fuzz(60)
@given(data=st.data())
def test_every_polis_import_keeps_its_promises(
    store: str, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    folder = tmp_path_factory.mktemp("polis")
    number = st.one_of(
        st.integers(min_value=0, max_value=5).map(str),
        st.sampled_from(CELL_HOSTILE),
    )
    comment = st.tuples(
        st.one_of(st.just("1600000000000"), number),
        st.just("x"),
        number,
        number,
        st.just("0"),
        st.just("0"),
        st.one_of(st.sampled_from(["1", "0", "-1"]), number),
        st.one_of(st.just("Une idée"), st.sampled_from(CELL_HOSTILE)),
    ).map(list)
    vote = st.tuples(
        st.one_of(st.just("1600000000500"), number),
        st.just("x"),
        number,
        number,
        st.one_of(st.sampled_from(["1", "-1", "0"]), number),
    ).map(list)
    comments = data.draw(st.lists(comment, min_size=1, max_size=4))
    votes = data.draw(st.lists(vote, max_size=5))
    (folder / "comments.csv").write_bytes(
        _csv_text(
            [
                "timestamp",
                "datetime",
                "comment-id",
                "author-id",
                "agrees",
                "disagrees",
                "moderated",
                "comment-body",
            ],
            comments,
        ).encode("utf-8", "surrogateescape")
    )
    (folder / "votes.csv").write_bytes(
        _csv_text(["timestamp", "datetime", "comment-id", "voter-id", "vote"], votes).encode(
            "utf-8", "surrogateescape"
        )
    )
    session = data.draw(value("EN-LIGNE", "A1"))
    run(store, ["import", "polis", "fabrik", str(folder), "--session", session])


@pytest.mark.slow
def test_the_site_is_built_from_whatever_the_fuzzing_recorded(store: str, tmp_path: Path) -> None:
    """Runs after the fuzzing above (same module, same store): every text the
    invocations got recorded is published, and the pages are written."""
    run(store, ["publish", "fabrik", "--out", str(tmp_path / "site")], expected=(0,))
    assert (tmp_path / "site" / "index.html").is_file()
    for kind in ("plan", "tallies", "contributions", "proposals"):
        run(store, ["export", kind, "fabrik", "--format", "csv"], expected=(0,))
    run(store, ["replay"], expected=(0,))
