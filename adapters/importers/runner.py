"""What every import shares: every row checked before anything is saved, then
the events saved in chunks, each with its receipt.

An importer reads its files into a ``Plan``: rows, each one line of a file
(``FILE:LINE``) turned into the recording commands it stands for, the same
command models a clerk's command line builds. A large file's rows are a
``Stream``: read again from the file each time they are walked, never held
whole, so an import uses the memory of one chunk however long its file.
The runner sends every command through the application service
(``Registre.batch``), so an import is checked by exactly the handlers and
rules of the clerk's path; importers hold no rule of the consultation. All
rows are checked first, on the state the rows before them leave; a file
with a bad row records nothing, and every bad row is listed as
``FILE:LINE: reason``. Only then are the events written, a
chunk of rows per transaction, each chunk with a command receipt whose id
derives from the import's digest (the files' SHA-256, the programme and the
options) and the chunk's number. So:

- importing the same file again finds every receipt and records nothing;
- an import interrupted between two chunks is run again as it was: the
  chunks already saved are skipped, and the rest is checked against the
  record as those chunks left it and saved.

A command that would record nothing new (``Unchanged``: an attendance
already listed, a repeated vote) is left out and counted in the summary.

When the last chunk is saved (or found saved), the plan's ``after`` commands,
which read the record as stored (the funding of a budget round reads its
tally), run on the clerk's path under ids derived from the digest, so a
repeat finds them done; then every read model is brought up to the end of
the record, so the next query answers at once, and the plan's ``verify``
compares the record with the file's own figures.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TextIO, TypeVar

from pydantic import BaseModel, ValidationError

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.ledger.heads import TreeHead
from registre.domain.errors import InvalidInput, RegistreError, Unchanged
from registre.projections import projector_for

M = TypeVar("M", bound=BaseModel)

# Rows per chunk: a few thousand events per transaction. Part of the receipts'
# ids, so changing it makes earlier imports unrecognisable: keep it fixed.
CHUNK_ROWS = 2000

# Called as progress(step, advance, total) with step "checking", "recording" or
# "catching up" (the read models brought up to the end of the import).
Progress = Callable[[str, int, int], None]


@dataclass
class Row:
    source: str  # "FILE:LINE", cited by every event the row records
    commands: list[c.Command] = field(default_factory=list)
    occurred_at: datetime | None = None  # when it happened; None: --occurred-at, or now
    problem: str | None = None  # why the line could not be read into commands


def csv_rows(reader: Any, file: str, plan: Plan | list[str]) -> Iterator[Any]:
    """The rows of a CSV reader (``csv.reader``, ``csv.DictReader``), until one
    cannot be read: that one is noted as a problem of its line (FILE:LINE) and the
    file is read no further.
    A cell longer than the csv module takes is such a row, as is a stray NUL."""
    while True:
        line = reader.line_num + 1  # where the next row starts
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            said = str(error)
            if "field larger than field limit" in said:
                said = f"a cell is longer than {csv.field_size_limit():,} characters"
            problems = plan if isinstance(plan, list) else plan.problems
            problems.append(f"{file}:{line}: {said}; the file was read no further")
            return
        yield row


@dataclass
class Stream:
    """The rows of a file too large to hold: ``read()`` reads them from the
    file again each time they are walked; ``length`` is how many it yields,
    counted when the file was first read (it names the chunks' receipts)."""

    read: Callable[[], Iterator[Row]]
    length: int

    def __iter__(self) -> Iterator[Row]:
        return self.read()

    def __len__(self) -> int:
        return self.length


@dataclass
class Plan:
    """An import, read from its files: the rows in order, and what was wrong on reading."""

    name: str  # "import sheet", "import polis"
    programme: str
    label: str  # what is imported, for messages: the file or folder
    digest: str  # SHA-256 of the files and of the options
    rows: Sequence[Row] | Stream = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # A command's field -> the column of the file it came from, where they differ.
    columns: dict[str, str] = field(default_factory=dict)
    # Rows the importer read and, by its documented choice, left out (why -> how
    # many), and rows recorded otherwise than they read (how -> how many): both
    # said in the summary.
    skipped: Counter[str] = field(default_factory=Counter)
    remarks: Counter[str] = field(default_factory=Counter)
    # Commands that need every row stored first (they read the record as
    # stored), each run on the clerk's path once the last chunk is saved.
    after: list[c.Command] = field(default_factory=list)
    # Compares the record with the file's own figures once all is stored;
    # returns each difference, one line each.
    verify: Callable[[Registre], list[str]] | None = None


@dataclass
class ImportReport:
    name: str
    programme: str
    label: str
    rows: int
    chunks: int
    chunks_before: int = 0  # chunks found already saved (a repeat or a resumed import)
    events: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)  # rows left out, by why
    remarks: Counter[str] = field(default_factory=Counter)  # rows recorded otherwise
    first: int | None = None
    last: int | None = None
    seconds: float = 0.0
    differences: list[str] = field(default_factory=list)  # the record against the file
    # The signed tree head of the import's last commit, which covers every
    # chunk (each chunk's commit ends with its own), and how many were signed.
    tree_head: TreeHead | None = None
    tree_heads: int = 0

    @property
    def already_recorded(self) -> bool:
        return self.chunks_before == self.chunks

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.name,
            "programme": self.programme,
            "source": self.label,
            "rows": self.rows,
            "chunks": self.chunks,
            "chunks_already_recorded": self.chunks_before,
            "already_recorded": self.already_recorded,
            "events": self.events,
            "recorded": dict(sorted(self.counts.items())),
            "not_recorded": dict(sorted(self.notes.items())),
            "remarks": dict(sorted(self.remarks.items())),
            "positions": [self.first, self.last] if self.first is not None else None,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.per_second, 1),
            "differences_from_the_file": self.differences,
            "tree_heads": self.tree_heads,
            "tree_head": self.tree_head.as_dict() if self.tree_head else None,
        }


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        # Length-prefixed, so two different lists of parts never hash alike.
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def decode(file: str, data: bytes, plan: Plan) -> str:
    """A file's text: UTF-8 (a byte-order mark skipped), else Windows-1252, else
    Latin-1, the fallback said in the import's summary."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    cp1252 = _NOT_CP1252.isdisjoint(data)
    name = "Windows-1252" if cp1252 else "Latin-1"
    plan.remarks[f"{file} is not UTF-8: its text was read as {name}"] += 1
    return data.decode("cp1252" if cp1252 else "latin-1")


def delimiter(text: str, usual: str) -> str:
    """The cell separator of a CSV text, told by its first line: ``usual``,
    unless the other of comma and semicolon is more frequent there (a sheet
    saved by a spreadsheet set to a language that writes decimal commas)."""
    first = text[: text.find("\n")] if "\n" in text else text
    other = ";" if usual == "," else ","
    return other if first.count(other) > first.count(usual) else usual


# Bytes that Windows-1252 leaves undefined: a file holding one is read as Latin-1.
_NOT_CP1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")
_READ = 1 << 20


@dataclass
class TextFile:
    """A file read once through, in pieces: its digest (as ``digest(*parts,
    data)`` gives it for the whole of its bytes ``data``), and the encoding
    its text is read in: UTF-8 (a byte-order mark skipped), else Windows-1252,
    else Latin-1, which every byte sequence is. ``note`` says a fallback."""

    path: str
    digest: str
    encoding: str
    note: str | None = None

    @classmethod
    def read(cls, path: str, *parts: str | bytes) -> TextFile:
        h = hashlib.sha256()
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            h.update(len(data).to_bytes(8, "big") + data)
        utf8 = codecs.getincrementaldecoder("utf-8")()
        is_utf8, cp1252 = True, True
        try:
            with open(path, "rb") as f:
                h.update(os.fstat(f.fileno()).st_size.to_bytes(8, "big"))
                while piece := f.read(_READ):
                    h.update(piece)
                    if is_utf8:
                        try:
                            utf8.decode(piece)
                        except UnicodeDecodeError:
                            is_utf8 = False
                    if cp1252 and not _NOT_CP1252.isdisjoint(piece):
                        cp1252 = False
            if is_utf8:
                utf8.decode(b"", final=True)
        except UnicodeDecodeError:
            is_utf8 = False
        except OSError as error:
            raise InvalidInput(f"cannot read {path}: {error.strerror or error}") from None
        if is_utf8:
            return cls(path, h.hexdigest(), "utf-8-sig")
        encoding = "cp1252" if cp1252 else "latin-1"
        name = "Windows-1252" if cp1252 else "Latin-1"
        note = f"{path} is not UTF-8: its text was read as {name}"
        return cls(path, h.hexdigest(), encoding, note)

    def open(self) -> TextIO:
        """The file's text, for ``csv.reader`` (lines ending in CRLF, LF or CR)."""
        return open(self.path, encoding=self.encoding, newline="")


def run(
    registre: Registre,
    plan: Plan,
    ctx: c.Context,
    progress: Progress | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> ImportReport:
    """Checks every row, then saves them in chunks; raises ``InvalidInput``
    listing every bad row, before anything is saved, if any is bad."""
    started = time.perf_counter()
    count = len(plan.rows)
    if plan.problems and not count:
        raise InvalidInput("\n".join(plan.problems))
    if not count:
        raise InvalidInput(f"{plan.label}: no rows to import")
    chunks = -(-count // chunk_rows)
    report = ImportReport(plan.name, plan.programme, plan.label, count, chunks)
    report.notes.update(plan.skipped)
    report.remarks.update(plan.remarks)
    ids = [_command_id(plan, n, chunks) for n in range(chunks)]
    saved = [registre.receipt(command_id) is not None for command_id in ids]
    report.chunks_before = sum(saved)
    if not report.already_recorded:
        _record(registre, plan, ctx, progress, _chunks(plan.rows, chunk_rows), ids, saved, report)
    _finish(registre, plan, ctx, progress, report)
    report.seconds = time.perf_counter() - started
    return report


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """The rows, walked once, a chunk at a time."""
    walked = iter(rows)
    while chunk := list(itertools.islice(walked, size)):
        yield chunk


def _record(
    registre: Registre,
    plan: Plan,
    ctx: c.Context,
    progress: Progress | None,
    chunks: Iterator[list[Row]],
    ids: list[str],
    saved: list[bool],
    report: ImportReport,
) -> None:
    """Checks the rows a chunk at a time (each checked chunk waits on disk,
    see ``service.Batch``), then, if none is bad, writes the chunks."""
    problems: list[str] = []
    checking = report.rows
    failed: set[str] = set()  # a line is reported once, by its first reason
    changed = InvalidInput(f"{plan.label} changed while it was being read; nothing was recorded")
    walked = 0
    with registre.batch(hold=True) as batch:
        for n, chunk in enumerate(chunks):
            walked += 1
            if n >= len(ids):  # more rows than were counted when the file was first read
                raise changed
            if saved[n]:
                if progress:
                    progress("checking", len(chunk), checking)
                continue
            for row in chunk:
                if row.source in failed:
                    continue
                problem = _check(batch, plan, row, ctx, ids[n], report.notes)
                if problem:
                    failed.add(row.source)
                    problems.append(f"{row.source}: {problem}")
            summary = (
                f"{plan.name} {plan.label}: rows {chunk[0].source} to {chunk[-1].source} "
                f"(chunk {n + 1} of {len(ids)})"
            )
            batch.flush(ids[n], summary)
            if progress:
                progress("checking", len(chunk), checking)
        if walked != len(ids):
            raise changed
        # Problems found on reading come first (a stream finds them as it reads).
        problems[:0] = plan.problems
        if problems:
            raise InvalidInput("\n".join(problems))
        total = batch.held_events

        def recorded(events: list[Any], positions: list[int]) -> None:
            event_positions = positions[:-1]  # the last one is the chunk's receipt
            if event_positions:
                report.first = event_positions[0] if report.first is None else report.first
                report.last = event_positions[-1]
            report.events += len(events)
            report.counts.update(type(e).__qualname__ for e in events)
            report.tree_head = batch.tree_head
            report.tree_heads += 1
            if progress:
                progress("recording", len(events), total)

        batch.commit_held(recorded)


def _finish(
    registre: Registre, plan: Plan, ctx: c.Context, progress: Progress | None, report: ImportReport
) -> None:
    """What follows the last chunk: the commands that read the stored record,
    the read models caught up (so the next query answers at once), and the
    record compared with the file. Run again by a repeat, which finds the
    commands' receipts and records nothing."""
    for n, command in enumerate(plan.after, start=1):
        context = ctx.model_copy(
            update={
                "source": plan.label,
                "command_id": f"{plan.name.replace(' ', '-')}-{plan.digest[:32]}-after-{n}",
            }
        )
        try:
            result = registre.handle(command, context)
        except Unchanged as unchanged:
            report.notes[unchanged.note] += 1
            continue
        if result.tree_head is not None:
            report.tree_head = result.tree_head
            report.tree_heads += 1
        events = [r for r in result.recorded if r.kind != "CommandReceipt.Received"]
        report.events += len(events)
        report.counts.update(r.kind for r in events)
        if events:
            report.first = events[0].position if report.first is None else report.first
            report.last = events[-1].position
    projector = projector_for(registre.store)
    reached: list[int] = []  # the first position seen, then the last

    def caught_up(position: int, head: int) -> None:
        if progress is not None:
            if not reached:
                reached[:] = [position, position]
            progress("catching up", position - reached[1], head - reached[0])
            reached[1] = position

    projector.catch_up(progress=caught_up)
    if plan.verify is not None:
        report.differences = plan.verify(registre)


def _check(
    batch: Any, plan: Plan, row: Row, ctx: c.Context, command_id: str, notes: Counter[str]
) -> str | None:
    """Runs a row's commands; returns why the row is bad, or None."""
    if row.problem:
        return row.problem
    context = ctx.model_copy(
        update={
            "occurred_at": row.occurred_at or ctx.occurred_at,
            "source": row.source,
            "command_id": command_id,
        }
    )
    for command in row.commands:
        try:
            batch.handle(command, context)
        except Unchanged as unchanged:
            notes[unchanged.note] += 1
        except RegistreError as error:
            return describe(error, plan.columns)
    return None


def describe(error: RegistreError, columns: Mapping[str, str]) -> str:
    """An error as an import says it: named by the column it is about."""
    if error.field is None:
        return str(error)
    return f"{columns.get(error.field, error.field)}: {error}"


def _command_id(plan: Plan, number: int, count: int) -> str:
    kind = plan.name.replace(" ", "-")
    return f"{kind}-{plan.digest[:32]}-{number + 1}-of-{count}"


# -- reading rows --------------------------------------------------------------------------


def explain(error: ValidationError, columns: Mapping[str, str] | None = None) -> list[str]:
    """pydantic's problems with a row, one phrase each, named by the column
    (``columns`` maps a command's field to its column, where they differ)."""
    phrases = []
    for problem in error.errors(include_url=False):
        loc = problem["loc"]
        where = str(loc[0]) if loc else "row"
        where = (columns or {}).get(where, where)
        kind = problem["type"]
        value = problem.get("input")
        shown = repr(value) if isinstance(value, str) else ""
        if kind == "missing":
            what = "is required"
        elif kind == "string_too_short":
            what = "must not be empty"
        elif kind == "string_pattern_mismatch":
            what = (
                f"{shown} is not a valid key (letters, digits, '.', '_' or '-', "
                "starting with a letter or digit, at most 80)"
            )
        elif kind == "enum":
            expected = (problem.get("ctx") or {}).get("expected", "")
            what = f"{shown} is not one of {expected}"
        elif kind.startswith(("date_", "datetime_")):
            what = f"{shown} is not an ISO 8601 date (YYYY-MM-DD)"
        elif kind in ("int_parsing", "int_from_float"):
            what = f"{shown or repr(value)} is not a whole number"
        elif kind == "less_than_equal":
            what = f"must be at most {(problem.get('ctx') or {}).get('le')}"
        elif kind == "greater_than_equal":
            what = f"must be at least {(problem.get('ctx') or {}).get('ge')}"
        elif kind == "value_error":
            what = str((problem.get("ctx") or {}).get("error", problem["msg"]))
        elif kind == "string_too_long":
            what = f"is too long (at most {(problem.get('ctx') or {}).get('max_length')})"
        else:
            message = str(problem["msg"])
            what = message[:1].lower() + message[1:]
        phrases.append(f"{where}: {what}")
    return phrases


def parse_model(model: type[M], values: Mapping[str, Any]) -> M:
    """The row as a command model; empty cells are absent values."""
    present = {k: v for k, v in values.items() if v not in (None, "")}
    return model.model_validate(present)
