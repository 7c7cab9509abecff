"""Workshop sheets: participants, attendance, contributions and votes, from
CSV files (one kind per file) or an XLSX workbook (one sheet per kind).

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
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from registre.adapters.application import commands as c
from registre.adapters.importers.runner import (
    Plan,
    Row,
    csv_rows,
    digest,
    explain,
    parse_model,
)
from registre.domain import OrganisationType
from registre.domain.errors import InvalidInput

# kind -> (required columns, optional columns), in the order of the template.
COLUMNS: dict[str, tuple[list[str], list[str]]] = {
    "participants": (
        ["key", "name", "organisation", "organisation_type"],
        ["contact", "organisation_is_person", "date"],
    ),
    "attendance": (["session", "participant"], ["date"]),
    "contributions": (["key", "session", "authors", "text"], ["axis", "date"]),
    "votes": (["round", "participant", "proposal"], ["value", "date"]),
}
KINDS = list(COLUMNS)  # also the order in which a workbook's sheets are imported

EXAMPLES: dict[str, list[str]] = {
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
        "P-001;P-002",
        "Un fonds de garantie pour les premiers prêts",
        "financement",
        "2019-03-14",
    ],
    "votes": ["R1", "P-001", "F1", "2", "2019-03-14"],
}

Record = tuple[str, dict[str, str]]  # (source, column -> cell text)


def plan_sheet(programme: str, file: str, kind: str | None) -> Plan:
    """Reads a CSV or XLSX file into the rows of an import."""
    path = Path(file)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInput(f"cannot read {file}: {error.strerror or error}") from None
    plan = Plan("import sheet", programme, file, digest("sheet", programme, kind or "", data))
    if path.suffix.lower() == ".xlsx":
        sheets = _xlsx(file, data, plan)
        if kind is not None:
            sheets = [(k, records) for k, records in sheets if k == kind]
    else:
        sheets = [_csv(file, data, kind, plan)]
    for sheet_kind, records in sheets:
        build = ROW_BUILDERS[sheet_kind]
        plan.rows.extend(_row(programme, source, values, build) for source, values in records)
    return plan


# -- reading -----------------------------------------------------------------------------


def _csv(file: str, data: bytes, kind: str | None, plan: Plan) -> tuple[str, list[Record]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{file}: not UTF-8 text; save the sheet as CSV UTF-8") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] = next(csv_rows(reader, file, plan), [])
    found = _kind_of(f"{file}:1", header, kind, plan)
    records: list[Record] = []
    line = reader.line_num + 1
    for cells in csv_rows(reader, file, plan):
        if any(cell.strip() for cell in cells):
            records.append((f"{file}:{line}", _values(header, cells)))
        line = reader.line_num + 1  # the next row starts after this one's last line
    return found or "participants", records


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


def _row(programme: str, source: str, values: dict[str, str], build: Build) -> Row:
    """One line of a sheet as its command, or the reason it cannot be one."""
    try:
        when = _when(values)
        if values.pop("_extra", None):
            raise InvalidInput("more cells than columns; quote cells that contain commas")
        return Row(source, [build(programme, _fields(programme, values))], when)
    except ValidationError as error:
        return Row(source, problem="; ".join(explain(error)))
    except InvalidInput as error:
        return Row(source, problem=str(error))


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


ROW_BUILDERS: dict[str, Build] = {
    "participants": _participant,
    "attendance": _attendance,
    "contributions": _contribution,
    "votes": _vote,
}


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
    """Writes the four CSV templates and a workbook with the four sheets."""
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
