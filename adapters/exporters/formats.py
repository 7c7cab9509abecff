"""How an export is written: CSV (RFC 4180, UTF-8) or JSON."""

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


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_cell(v) for v in value)
    return str(value)


def to_csv(export: Export) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=export.columns, extrasaction="raise")
    writer.writeheader()
    for row in export.rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def to_json(export: Export) -> str:
    return json.dumps(export.document, ensure_ascii=False, indent=2) + "\n"
