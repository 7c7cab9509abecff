"""Sheets of a programme: the programme itself, its structure (axes, or parts
that nest), sessions, participants, attendance,
contributions, proposals, rounds, votes, validations, founders' decisions,
actions and their progress, from CSV files (one kind per file, told by its
columns) or an XLSX workbook (one sheet per kind, imported in the order a
programme unfolds: a round's ``closed`` date closes it after the votes).

The columns of each kind are in ``COLUMNS``; ``write_template`` writes them
out with an example row. Each row becomes the matching recording command
(the same pydantic models as the command line's), which the import runner
sends through the same handlers, and cites ``FILE:LINE`` (CSV) or
``FILE[SHEET]:ROW`` (XLSX) as its source.
Names and contacts go to the personal data table, never into events; a
participant of type ``anonymous`` has none (a ballot key alone).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from registre.adapters.application import commands as c
from registre.adapters.importers.runner import (
    Plan,
    Row,
    Stream,
    TextFile,
    csv_rows,
    delimiter,
    digest,
    explain,
    parse_model,
)
from registre.domain import OrganisationType
from registre.domain.errors import InvalidInput

# kind -> (required columns, optional columns), in the order of the template.
# The kinds are told apart by their columns; a workbook's sheets are imported
# in this order, the order in which a programme unfolds.
COLUMNS: dict[str, tuple[list[str], list[str]]] = {
    "programme": (["title", "organiser", "founders", "rule"], ["part_of", "date"]),
    "axes": (["key", "title"], ["parent", "level", "date"]),
    "sessions": (["key", "kind", "on"], ["title", "axes", "facilitators", "date"]),
    "participants": (
        ["key", "name", "organisation", "organisation_type"],
        ["contact", "organisation_is_person", "date"],
    ),
    "attendance": (["session", "participant"], ["date"]),
    "contributions": (["key", "session", "authors", "text"], ["axis", "date"]),
    "proposals": (["key", "title", "sources"], ["text", "axis", "date"]),
    "rounds": (
        ["key", "session", "method", "proposals"],
        [
            "limit",
            "max_score",
            "min_votes",
            "max_per_proposal",
            "budget",
            "costs",
            "date",
            "closed",
        ],
    ),
    "votes": (["round", "participant", "proposal"], ["value", "date"]),
    "validations": (["proposal", "body", "minutes"], ["outcome", "date"]),
    "decisions": (["proposal", "founder", "decision", "rationale"], ["revise", "date"]),
    "actions": (["key", "priority", "title", "lead"], ["partners", "due", "date"]),
    "progress": (["action", "status", "percent"], ["note", "date"]),
}
KINDS = list(COLUMNS)  # also the order in which a workbook's sheets are imported

EXAMPLES: dict[str, list[str]] = {
    "programme": [
        "Labo258 entrepreneuriat",
        "Ville de Nantes",
        "ville=Ville de Nantes; metropole=Nantes Métropole",
        "any",
        "",
        "2019-03-01",
    ],
    "axes": ["financement", "Financement", "", "thème", "2019-03-01"],
    "sessions": [
        "A1",
        "workshop",
        "2019-03-14",
        "Atelier financement",
        "financement",
        "",
        "2019-03-01",
    ],
    "participants": [
        "P-001",
        "Anne Dupont",
        "Coopérative Ouest",
        "association",
        "anne.dupont@example.org",
        "non",
        "2019-03-14",
    ],
    "attendance": ["A1", "P-001", "2019-03-14"],
    "contributions": [
        "C-1",
        "A1",
        "P-001",
        "Un fonds de garantie pour les premiers prêts",
        "financement",
        "2019-03-14",
    ],
    "proposals": [
        "F1",
        "Fonds de garantie",
        "C-1@1",
        "Un fonds de garantie municipal pour les premiers prêts",
        "financement",
        "2019-03-20",
    ],
    "rounds": ["R1", "A1", "dots", "F1", "3", "", "", "", "", "", "2019-03-21", ""],
    "votes": ["R1", "P-001", "F1", "2", "2019-03-21"],
    "validations": ["F1", "Comité de pilotage", "CR-2019-04", "validated", "2019-04-02"],
    "decisions": [
        "F1",
        "ville",
        "approve",
        "Inscrit au budget 2020",
        "non",
        "2019-05-10",
    ],
    "actions": [
        "A-1",
        "F1",
        "Créer le fonds",
        "Ville de Nantes",
        "Banque des territoires;CCI",
        "2020-06-30",
        "2019-06-01",
    ],
    "progress": ["A-1", "in-progress", "40", "Convention signée", "2019-12-01"],
}

Record = tuple[str, dict[str, str]]  # (source, column -> cell text)


def plan_sheet(programme: str, file: str, kind: str | None, name: str | None = None) -> Plan:
    """Reads a CSV or XLSX file into the rows of an import. A CSV file's rows
    are read from the file as they are imported (a ``Stream``), never held. An
    XLSX file's rows cite it as ``name`` if given (a workbook installed with
    Registre, by its name alone)."""
    path = Path(file)
    if path.suffix.lower() != ".xlsx":
        source = TextFile.read(file, "sheet", programme, kind or "")
        plan = Plan("import sheet", programme, file, source.digest)
        if source.note:
            plan.remarks[source.note] += 1
        # Read once to count the rows and find what cannot be read; then again
        # as imported, the problems already noted.
        count = sum(1 for _ in _rows(programme, [_csv(source, kind, plan)]))
        scratch = Plan(plan.name, programme, file, plan.digest)
        plan.rows = Stream(lambda: _rows(programme, [_csv(source, kind, scratch)]), count)
        return plan
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {file}: {error.strerror or error}") from None
    file = name or file
    plan = Plan("import sheet", programme, file, digest("sheet", programme, kind or "", data))
    sheets = _xlsx(file, data, plan)
    if kind is not None:
        sheets = [(k, records) for k, records in sheets if k == kind]
    plan.rows = list(_rows(programme, sheets))
    return plan


def _rows(programme: str, sheets: Sequence[tuple[str, Iterable[Record]]]) -> Iterator[Row]:
    """The rows of the sheets, in order; a round with a ``closed`` date is
    closed after the votes (after the rounds sheet if no votes sheet follows)."""
    closings: list[Row] = []  # rounds closed once their votes are in
    for sheet_kind, records in sheets:
        build = ROW_BUILDERS[sheet_kind]
        if sheet_kind == "axes":
            records = parents_first(list(records))
        for source, values in records:
            closed = values.pop("closed", "") if sheet_kind == "rounds" else ""
            row = _row(programme, source, values, build, RENAMED.get(sheet_kind, {}))
            yield row
            if closed and row.problem is None:
                closings.append(_closing(programme, source, values.get("key", ""), closed))
        if sheet_kind in ("rounds", "votes") and closings and not _votes_follow(sheet_kind, sheets):
            yield from closings
            closings = []


def parents_first(records: list[Record]) -> list[Record]:
    """The rows of a structure, each part after the part it hangs under when
    that part is defined in the same sheet; otherwise in the sheet's order. A
    parent defined nowhere (nor already recorded) is reported at its row."""
    rows_of: dict[str, list[int]] = {}
    for n, (_, values) in enumerate(records):
        rows_of.setdefault(values.get("key", "").strip(), []).append(n)
    placed: set[int] = set()
    ordered: list[Record] = []

    def place(n: int, seen: set[int]) -> None:
        if n in placed or n in seen:
            return  # placed already, or a cycle: the handler refuses its row
        seen.add(n)
        parent = records[n][1].get("parent", "").strip()
        for m in rows_of.get(parent, [])[:1]:
            place(m, seen)
        placed.add(n)
        ordered.append(records[n])

    for n in range(len(records)):
        place(n, set())
    return ordered


def _votes_follow(kind: str, sheets: Sequence[tuple[str, Iterable[Record]]]) -> bool:
    """Whether a votes sheet comes after this rounds sheet (its rounds close after it)."""
    return kind == "rounds" and any(k == "votes" for k, _ in sheets)


# -- reading -----------------------------------------------------------------------------


def _csv(source: TextFile, kind: str | None, plan: Plan) -> tuple[str, Iterator[Record]]:
    """The kind of a CSV sheet, and its records, read from the file as they are walked.
    Cells are separated by commas, or by semicolons if the header row has more of them."""
    file = source.path
    text = source.open()
    try:
        first = text.readline()
        text.seek(0)
    except UnicodeDecodeError:  # not the encoding the whole file was found to be in
        text.close()
        raise InvalidInput(f"{file} changed while it was being read") from None
    reader = csv.reader(text, delimiter=delimiter(first, ","))
    header: list[str] = next(csv_rows(reader, file, plan), [])
    found = _kind_of(f"{file}:1", header, kind, plan)

    def records() -> Iterator[Record]:
        with text:
            line = reader.line_num + 1
            for cells in csv_rows(reader, file, plan):
                if any(cell.strip() for cell in cells):
                    yield f"{file}:{line}", _values(header, cells)
                line = reader.line_num + 1  # the next row starts after this one's last line

    if found is None:
        text.close()
        return "participants", iter(())
    return found, records()


def _xlsx(file: str, data: bytes, plan: Plan) -> list[tuple[str, list[Record]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise InvalidInput(f"{file}: not a readable XLSX workbook ({error})") from None
    sheets: list[tuple[str, list[Record]]] = []
    names = {name.strip().lower(): name for name in book.sheetnames}
    unknown = [n for n in book.sheetnames if n.strip().lower() not in COLUMNS]
    if unknown:
        plan.problems.append(
            f"{file}: unknown sheet {unknown[0]!r}; a workbook has sheets named " + ", ".join(KINDS)
        )
    for kind in KINDS:
        if kind not in names:
            continue
        try:
            # Read whole here: a read-only workbook parses its XML as it goes.
            rows = iter(list(book[names[kind]].iter_rows(values_only=True)))
        except Exception as error:  # the XML of a damaged sheet
            book.close()
            raise InvalidInput(
                f"{file}[{names[kind]}]: not a readable XLSX worksheet ({error})"
            ) from None
        header = [_text(v) for v in next(rows, ())]
        where = f"{file}[{names[kind]}]"
        if _kind_of(f"{where}:1", header, kind, plan) is None:
            continue
        records = [
            (f"{where}:{number}", _values(header, [_text(v) for v in cells]))
            for number, cells in enumerate(rows, start=2)
            if any(v not in (None, "") for v in cells)
        ]
        sheets.append((kind, records))
    book.close()
    return sheets


def _kind_of(where: str, header: list[str], kind: str | None, plan: Plan) -> str | None:
    """The kind of a sheet by its header (or the one given), or None with a problem noted."""
    columns = [h.strip().lower() for h in header]
    header[:] = columns
    candidates = [kind] if kind else KINDS
    for k in candidates:
        required, optional = COLUMNS[k]
        if set(required) <= set(columns) and set(columns) - {""} <= {*required, *optional}:
            return k
    if kind is None:
        plan.problems.append(
            f"{where}: cannot tell the kind of sheet from its columns {', '.join(columns)}; "
            "use --kind or the columns of `registre import template`"
        )
        return None
    required, optional = COLUMNS[kind]
    missing = [r for r in required if r not in columns]
    extra = [x for x in columns if x and x not in (*required, *optional)]
    why = f"missing column {missing[0]!r}" if missing else f"unknown column {extra[0]!r}"
    plan.problems.append(
        f"{where}: {why}; a {kind} sheet has columns {', '.join(required + optional)}"
    )
    return None


def _values(header: list[str], cells: list[str]) -> dict[str, str]:
    values = {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header) if h}
    if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
        values["_extra"] = "x"
    return values


def _text(value: Any) -> str:
    """A cell as the text a clerk sees: dates in ISO 8601, whole numbers without '.0'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _when(values: dict[str, str]) -> datetime | None:
    raw = values.get("date", "")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"date: {raw!r} is not an ISO 8601 date (YYYY-MM-DD)") from None


Build = Callable[[str, dict[str, Any]], c.Command]


def _row(
    programme: str,
    source: str,
    values: dict[str, str],
    build: Build,
    renamed: dict[str, str] | None = None,
) -> Row:
    """One line of a sheet as its command, or the reason it cannot be one."""
    try:
        when = _when(values)
        if values.pop("_extra", None):
            raise InvalidInput("more cells than columns; quote cells that contain commas")
        return Row(source, [build(programme, _fields(programme, values))], when)
    except ValidationError as error:
        return Row(source, problem="; ".join(explain(error, renamed or {})))
    except InvalidInput as error:
        if error.field is not None:
            column = (renamed or {}).get(error.field, error.field)
            return Row(source, problem=f"{column}: {error}")
        return Row(source, problem=str(error))


def _closing(programme: str, source: str, key: str, closed: str) -> Row:
    """A round's ``closed`` cell as the closing of the round, dated by the cell
    (or by the import's date, for a mark such as ``oui``)."""
    when: datetime | None = None
    if _FLAG_WORDS.get(closed.lower(), closed.lower()) != "yes":
        try:
            when = datetime.fromisoformat(closed)
        except ValueError:
            problem = f"closed: {closed!r} is neither a date (YYYY-MM-DD) nor oui, yes or x"
            return Row(source, problem=problem)
    try:
        return Row(source, [parse_model(c.CloseRound, {"programme": programme, "key": key})], when)
    except ValidationError as error:
        return Row(source, problem="; ".join(explain(error)))


# -- one row of each kind, as the matching recording command ----------------------------------


# A clerk marks an organisation of one person in ``organisation_is_person``:
# yes, oui or x (no, non or an empty cell for any other organisation).
_FLAG_WORDS = {"oui": "yes", "x": "yes", "non": "no"}


def _participant(programme: str, fields: dict[str, Any]) -> c.Command:
    if str(fields.get("organisation_type", "")).lower() == OrganisationType.ANONYMOUS.value:
        # A ballot key and nothing else: no name, organisation or contact to keep.
        given = [k for k in ("name", "organisation", "contact") if fields.get(k)]
        if given:
            raise InvalidInput(f"{given[0]}: an anonymous participant has none; leave it empty")
        return parse_model(c.RegisterAnonymous, {"programme": programme, "key": fields.get("key")})
    flag = fields.pop("organisation_is_person", "").strip().lower()
    if flag:
        fields["organisation_is_person"] = _FLAG_WORDS.get(flag, flag)
    cmd = parse_model(c.RegisterParticipant, fields)
    if cmd.name is None:  # a sheet registers named people
        raise InvalidInput("name: is required")
    return cmd


def _attendance(programme: str, fields: dict[str, Any]) -> c.Command:
    fields["participants"] = [fields.pop("participant")] if "participant" in fields else []
    return parse_model(c.RecordAttendance, fields)


def _contribution(programme: str, fields: dict[str, Any]) -> c.Command:
    authors = fields.get("authors", "").replace(",", ";").split(";")
    fields["authors"] = [a.strip() for a in authors if a.strip()]
    cmd = parse_model(c.SubmitContribution, fields)
    if cmd.key is None:
        raise InvalidInput("key: is required")
    return cmd


def _vote(programme: str, fields: dict[str, Any]) -> c.Command:
    return parse_model(c.CastVote, fields)


def _axis(programme: str, fields: dict[str, Any]) -> c.Command:
    return parse_model(c.AddAxis, fields)


def _programme(programme: str, fields: dict[str, Any]) -> c.Command:
    # The founders as "key=Name; key=Name": a name may hold commas, not ';'.
    founders: dict[str, str] = {}
    for item in _list(fields.get("founders"), commas=False):
        key, equals, name = item.partition("=")
        key, name = key.strip(), name.strip()
        if not equals or not key or not name:
            raise InvalidInput(
                f"{item!r} is not KEY=NAME (e.g. ville=Ville de Nantes)", field="founders"
            )
        if key in founders:
            raise InvalidInput(f"{key} given more than once", field="founders")
        founders[key] = name
    fields["founders"] = founders
    return parse_model(c.OpenProgramme, fields)


def _session(programme: str, fields: dict[str, Any]) -> c.Command:
    fields["axes"] = _list(fields.get("axes"))
    fields["facilitators"] = _list(fields.get("facilitators"), commas=False)
    return parse_model(c.ScheduleSession, fields)


def _proposal(programme: str, fields: dict[str, Any]) -> c.Command:
    # Each source is a contribution, at its latest version or at KEY@VERSION.
    fields["sources"] = _list(fields.get("sources"))
    return parse_model(c.SynthesiseProposal, fields)


def _round(programme: str, fields: dict[str, Any]) -> c.Command:
    fields["proposals"] = _list(fields.get("proposals"))
    costs: dict[str, str] = {}
    for item in _list(fields.pop("costs", None)):
        proposal, equals, cost = item.partition("=")
        if not equals or not proposal.strip() or not cost.strip():
            raise InvalidInput(f"{item!r} is not PROPOSAL=COST (e.g. F1=12000)", field="costs")
        costs[proposal.strip()] = cost.strip()
    if costs:
        fields["costs"] = costs
    return parse_model(c.OpenRound, fields)


def _validation(programme: str, fields: dict[str, Any]) -> c.Command:
    return parse_model(c.ValidateProposal, fields)


def _decision(programme: str, fields: dict[str, Any]) -> c.Command:
    fields["revise"] = _flag(fields.pop("revise", ""), "revise")
    return parse_model(c.DecideOnPriority, fields)


def _action(programme: str, fields: dict[str, Any]) -> c.Command:
    fields["partners"] = _list(fields.get("partners"), commas=False)
    return parse_model(c.AssignAction, fields)


def _progress(programme: str, fields: dict[str, Any]) -> c.Command:
    fields["key"] = fields.pop("action", "")
    return parse_model(c.ReportProgress, fields)


def _list(cell: object, commas: bool = True) -> list[str]:
    """A cell of several values, separated by ';' (or ',' between keys; names
    may hold commas, so only ';' separates them)."""
    text = str(cell or "")
    items = (text.replace(",", ";") if commas else text).split(";")
    return [item.strip() for item in items if item.strip()]


def _flag(cell: str, column: str) -> bool:
    word = cell.strip().lower()
    word = _FLAG_WORDS.get(word, word)
    if word not in ("", "yes", "no"):
        raise InvalidInput(f"{cell!r} is not oui, yes, x, non, no or empty", field=column)
    return word == "yes"


ROW_BUILDERS: dict[str, Build] = {
    "programme": _programme,
    "axes": _axis,
    "sessions": _session,
    "participants": _participant,
    "attendance": _attendance,
    "contributions": _contribution,
    "proposals": _proposal,
    "rounds": _round,
    "votes": _vote,
    "validations": _validation,
    "decisions": _decision,
    "actions": _action,
    "progress": _progress,
}
# A command's field -> the column of the sheet it comes from, where they differ.
RENAMED: dict[str, dict[str, str]] = {"progress": {"key": "action"}}


def _fields(programme: str, values: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {k: v for k, v in values.items() if k != "date"}
    fields["programme"] = programme
    return fields


# -- the template -------------------------------------------------------------------------


def template_files() -> Iterator[tuple[str, str]]:
    """(file name, CSV text) of each kind's template."""
    for kind in KINDS:
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\n")
        required, optional = COLUMNS[kind]
        writer.writerow(required + optional)
        writer.writerow(EXAMPLES[kind])
        yield f"{kind}.csv", out.getvalue()


def write_template(folder: Path) -> list[Path]:
    """Writes a CSV template per kind and a workbook with a sheet per kind."""
    from openpyxl import Workbook

    book_path = folder / "registre-import.xlsx"
    paths = [folder / name for name, _ in template_files()] + [book_path]
    existing = [p for p in paths if p.exists()]
    if existing:
        raise InvalidInput(f"{existing[0]} already exists; choose an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in template_files():
        (folder / name).write_text(text, encoding="utf-8")
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for kind in KINDS:
        sheet = book.create_sheet(kind)
        required, optional = COLUMNS[kind]
        sheet.append(required + optional)
        sheet.append(EXAMPLES[kind])
    book.save(book_path)
    return paths
