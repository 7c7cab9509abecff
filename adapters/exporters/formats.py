"""How an export is written: CSV (RFC 4180, UTF-8) or JSON.

A CSV export is opened in spreadsheets, which run a cell that starts like a
formula (``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``). Following OWASP's
guidance on CSV injection, a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a single quote in front and
between double quotes: a spreadsheet shows it as text and runs nothing. JSON
keeps every text exactly as recorded.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from registre.adapters.exporters.tables import Export

FORMATS = ("csv", "json")
# Inside one CSV cell, a list is written with this separator; keys never contain it.
LIST_SEPARATOR = ";"


def render(export: Export, fmt: str) -> str:
    if fmt == "csv":
        return to_csv(export)
    if fmt == "json":
        return to_json(export)
    raise ValueError(f"unknown export format {fmt!r}")


# What a spreadsheet may take for the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
LINE_END = "\r\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_cell(v) for v in value)
    return str(value)


def neutralised(value: Any) -> bool:
    """Whether a value is written as inert text: a text (numbers stay numbers)
    that a spreadsheet could take for a formula."""
    if isinstance(value, list | tuple):
        value = _cell(value)
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


class _CellWriter:
    """Each cell as the csv module writes it, minimally quoted or always quoted."""

    def __init__(self) -> None:
        self.out = io.StringIO()
        self.minimal = csv.writer(self.out, lineterminator=LINE_END)
        self.always = csv.writer(self.out, lineterminator=LINE_END, quoting=csv.QUOTE_ALL)

    def cell(self, value: Any) -> str:
        if neutralised(value):
            return self._one(self.always, "'" + _cell(value))
        text = _cell(value)
        # The csv module quotes a lone empty cell (a row of one); in a row, it is bare.
        return self._one(self.minimal, text) if text else ""

    def _one(self, writer: Any, text: str) -> str:
        self.out.seek(0)
        self.out.truncate()
        writer.writerow([text])
        return self.out.getvalue()[: -len(LINE_END)]


def to_csv(export: Export) -> str:
    cells = _CellWriter()
    lines = [",".join(cells.cell(c) for c in export.columns)]
    for row in export.rows:
        if set(row) - set(export.columns):
            raise ValueError(
                f"row has columns the export does not: {set(row) - set(export.columns)}"
            )
        lines.append(",".join(cells.cell(row.get(c)) for c in export.columns))
    return "".join(line + LINE_END for line in lines)


def to_json(export: Export) -> str:
    return json.dumps(export.document, ensure_ascii=False, indent=2) + "\n"
