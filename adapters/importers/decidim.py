"""Decidim open data: the zip a Decidim platform publishes, or its CSV files.

Decidim writes each kind of resource with its own serializer and flattens the
nested values into columns named ``a/b/c`` (``category/name/fr``), one column
per language for a translated field (``title/fr``, ``title/en``), lists as
``a, b``, in ``;``-separated CSV, with HTML in the bodies. Three of its files
are read, found by name (``*-proposals.csv``, ``*-results.csv``,
``*-meetings.csv``); the others (comments, budgets, debates…) are left out.

- categories and scopes become axes ``dc-cat<id>`` and ``dc-scope<id>``;
- each meeting a session ``dc-m<id>`` (online for an online meeting, a forum
  otherwise), on its start day;
- each proposal a contribution by an anonymous participant (the export names
  no author) in the session of its first linked meeting, or in the
  platform's session, and a proposal ``dc-p<id>`` synthesised from it (an
  amendment also cites the proposal it amends); its ``supports`` as a tally
  attested by the file and line (no vote of anyone is invented); its answer
  as a validation by the platform's body: ``accepted`` validated,
  ``rejected`` rejected, any other state nothing;
- each accountability result an action ``dc-r<id>`` recorded as the body's
  account, linked to the proposals of its ``proposal_urls``, with its
  progress and status. A result that names no recorded proposal is left out
  and counted.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

from registre.adapters.application import commands as c
from registre.adapters.importers.runner import Plan, Row, decode, delimiter, digest
from registre.domain import ActionStatus, Outcome, SessionKind
from registre.domain.errors import InvalidInput
from registre.domain.ids import check_key

KINDS = ("proposals", "meetings", "results")
TITLE_LENGTH = 300
NAME_LENGTH = 300


@dataclass
class Table:
    kind: str
    name: str  # as cited: "export.zip/x-open-data-proposals.csv" or the file
    records: list[tuple[int, dict[str, str]]]


class _Text(HTMLParser):
    """The text of an HTML body: tags dropped, entities read, paragraphs kept apart."""

    BLOCKS = frozenset({"p", "br", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "tr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain(html: str) -> str:
    """The plain text of a Decidim body (HTML or already plain)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    return "\n".join(line for line in lines if line)


def translated(record: dict[str, str], name: str, language: str) -> str:
    """A translated field in ``language``, else in the first language that has it
    (a machine translation only when no person wrote one)."""
    own = record.get(f"{name}/{language}", "").strip()
    if own:
        return own
    prefix = f"{name}/"
    written = [
        v.strip()
        for k, v in record.items()
        if k.startswith(prefix) and "/machine_translations/" not in k and v and v.strip()
    ]
    machine = [v.strip() for k, v in record.items() if k.startswith(prefix) and v and v.strip()]
    plain_column = record.get(name, "").strip()
    return (written or machine or [plain_column])[0]


def _tables(path: str, plan: Plan) -> tuple[list[Table], bytes]:
    """The CSV files of the export, and the bytes that identify it."""
    source = Path(path)
    found: list[tuple[str, str, bytes]] = []  # (kind, cited name, bytes)
    if source.is_dir():
        for file in sorted(source.glob("*.csv")):
            kind = _kind(file.name)
            if kind:
                found.append((kind, str(file), file.read_bytes()))
    elif zipfile.is_zipfile(source):
        with zipfile.ZipFile(source) as archive:
            for member in sorted(archive.namelist()):
                kind = _kind(Path(member).name)
                if kind:
                    found.append((kind, f"{path}/{member}", archive.read(member)))
    elif source.is_file():
        kind = _kind(source.name)
        if kind:
            found.append((kind, path, source.read_bytes()))
    else:
        raise InvalidInput(f"cannot read {path}: no such file or folder")
    if not found:
        raise InvalidInput(
            f"{path}: no Decidim open-data file (a name ending in -proposals.csv, "
            "-results.csv or -meetings.csv)"
        )
    tables = []
    for kind, name, data in found:
        text = decode(name, data, plan)
        tables.append(Table(kind, name, list(_records(name, text, plan))))
    return tables, b"".join(name.encode() + b"\0" + data for _, name, data in found)


def _kind(name: str) -> str | None:
    stem = name.lower().removesuffix(".csv")
    if stem == name.lower():
        return None
    for kind in KINDS:
        if stem == kind or stem.endswith(f"-{kind}") or stem.endswith(f"_{kind}"):
            return kind
    return None


def _records(name: str, text: str, plan: Plan) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text, ";"))
    header: list[str] | None = None
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            plan.problems.append(f"{name}:{line}: {error}; the file was read no further")
            return
        if header is None:
            header = [h.strip() for h in cells]
            if "id" not in header:
                plan.problems.append(f"{name}:{line}: no id column: not a Decidim export")
                return
            continue
        if any(cell.strip() for cell in cells):
            yield line, dict(zip(header, cells, strict=False))


def _id(raw: str | None) -> str | None:
    raw = (raw or "").strip()
    return raw if re.fullmatch(r"[0-9]{1,18}", raw) else None


def _when(raw: str | None) -> datetime | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    for candidate in (raw, raw.replace(" UTC", "+00:00")):
        try:
            moment = datetime.fromisoformat(candidate)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    for pattern in ("%Y-%m-%d %H:%M:%S %z", "%d/%m/%Y %H:%M", "%d/%m/%Y"):
        try:
            moment = datetime.strptime(raw, pattern)
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        except ValueError:
            pass
    return None


def _ids_in(urls: str | None, kind: str) -> list[str]:
    """The ids of the resources a list of Decidim URLs points to (``…/proposals/12``)."""
    return re.findall(rf"/{kind}/([0-9]+)", urls or "")


def _cut(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def plan_decidim(
    programme: str, path: str, session: str | None = None, language: str = "fr"
) -> Plan:
    session = session or "dc-platform"
    check_key(session, "--session")
    plan = Plan("import decidim", programme, path, "")
    tables, data = _tables(path, plan)
    plan.digest = digest("decidim", programme, session, language, data)
    by_kind = {t.kind: t for t in tables}
    axes: dict[str, Row] = {}
    rows: list[Row] = []

    def axis_of(source: str, record: dict[str, str]) -> str | None:
        """The record's category (else its scope) as an axis; both become axes."""
        found = []
        for column, prefix in (("category", "cat"), ("scope", "scope")):
            ident = _id(record.get(f"{column}/id"))
            if ident is None:
                continue
            key = f"dc-{prefix}{ident}"
            if key not in axes:
                title = translated(record, f"{column}/name", language) or f"{column} {ident}"
                axes[key] = Row(
                    source, [c.AddAxis(programme=programme, key=key, title=_cut(title, 300))]
                )
            found.append(key)
        return found[0] if found else None

    # Meetings: sessions.
    meetings: set[str] = set()
    sessions: list[Row] = []
    for line, r in by_kind["meetings"].records if "meetings" in by_kind else []:
        source = f"{by_kind['meetings'].name}:{line}"
        ident = _id(r.get("id"))
        start = _when(r.get("start_time"))
        if ident is None:
            sessions.append(Row(source, problem="id is not a Decidim id"))
            continue
        if start is None:
            sessions.append(
                Row(source, problem=f"start_time {r.get('start_time')!r} is not a date")
            )
            continue
        axis = axis_of(source, r)
        kind = (r.get("type_of_meeting") or r.get("type") or "").strip().lower()
        key = f"dc-m{ident}"
        meetings.add(ident)
        sessions.append(
            Row(
                source,
                [
                    c.ScheduleSession(
                        programme=programme,
                        key=key,
                        kind=SessionKind.ONLINE if kind == "online" else SessionKind.FORUM,
                        on=start.date(),
                        title=_cut(plain(translated(r, "title", language)), 20000),
                        axes=[axis] if axis else [],
                    )
                ],
                occurred_at=start,
            )
        )

    # Proposals: contributions, proposals, attested supports, answers.
    proposals: set[str] = set()
    proposal_rows: list[Row] = []
    first_day: date | None = None
    table = by_kind.get("proposals")
    for line, r in table.records if table else []:
        source = f"{table.name}:{line}" if table else ""
        ident = _id(r.get("id"))
        if ident is None:
            proposal_rows.append(Row(source, problem=f"id {r.get('id')!r} is not a Decidim id"))
            continue
        if ident in proposals:
            proposal_rows.append(Row(source, problem=f"proposal {ident} appears twice"))
            continue
        title = plain(translated(r, "title", language))
        if not title:
            proposal_rows.append(Row(source, problem="title is empty in every language"))
            continue
        text = plain(translated(r, "body", language)) or title
        supports_raw = (r.get("supports") or r.get("votes") or "0").strip() or "0"
        if not supports_raw.isdigit():
            proposal_rows.append(Row(source, problem=f"supports {supports_raw!r} is not a count"))
            continue
        published = _when(r.get("published_at"))
        if published and (first_day is None or published.date() < first_day):
            first_day = published.date()
        linked = [m for m in _ids_in(r.get("meeting_urls"), "meetings") if m in meetings]
        key = f"dc-p{ident}"
        author = f"{key}-author"
        sources = [c.SourceRef(contribution=key, version=1)]
        amended = _ids_in(r.get("original_proposal/url"), "proposals")
        is_amend = (r.get("is_amend") or "").strip().lower() == "true"
        if is_amend and amended and amended[0] in proposals:
            sources.append(c.SourceRef(contribution=f"dc-p{amended[0]}", version=1))
            plan.remarks["amendments citing the proposal they amend"] += 1
        axis = axis_of(source, r)
        commands: list[c.Command] = [
            c.RegisterAnonymous(programme=programme, key=author),
            c.SubmitContribution(
                programme=programme,
                key=key,
                session=f"dc-m{linked[0]}" if linked else session,
                axis=axis,
                authors=[author],
                text=_cut(text, 20000),
            ),
            c.SynthesiseProposal(
                programme=programme,
                key=key,
                title=_cut(title, TITLE_LENGTH),
                text=_cut(text, 20000),
                axis=axis,
                sources=sources,
            ),
            c.AttestTally(
                programme=programme, proposal=key, count=int(supports_raw), source=source
            ),
        ]
        state = (r.get("state") or "").strip().lower()
        answer = plain(translated(r, "answer", language))
        if state in ("accepted", "rejected"):
            commands.append(
                c.ValidateProposal(
                    programme=programme,
                    proposal=key,
                    body=_cut(f"{_body_name(r)}", NAME_LENGTH),
                    minutes=_cut(answer or f"answer {state} ({source})", NAME_LENGTH),
                    outcome=Outcome.VALIDATED if state == "accepted" else Outcome.REJECTED,
                )
            )
        proposals.add(ident)
        proposal_rows.append(Row(source, commands, occurred_at=published))

    # Results: actions with the proposals behind them, and their progress.
    result_rows: list[Row] = []
    table = by_kind.get("results")
    for line, r in table.records if table else []:
        source = f"{table.name}:{line}" if table else ""
        ident = _id(r.get("id"))
        if ident is None:
            result_rows.append(Row(source, problem=f"id {r.get('id')!r} is not a Decidim id"))
            continue
        behind = [f"dc-p{p}" for p in dict.fromkeys(_ids_in(r.get("proposal_urls"), "proposals"))]
        behind = [p for p in behind if p.removeprefix("dc-p") in proposals]
        if not behind:
            plan.skipped["results linked to no proposal of the export"] += 1
            continue
        title = plain(translated(r, "title", language)) or f"Result {ident}"
        progress_raw = (r.get("progress") or "").strip()
        try:
            progress = round(float(progress_raw)) if progress_raw else 0
        except ValueError:
            result_rows.append(Row(source, problem=f"progress {progress_raw!r} is not a number"))
            continue
        status_name = plain(translated(r, "status/name", language))
        status = (
            ActionStatus.DONE
            if progress >= 100
            else ActionStatus.IN_PROGRESS
            if progress > 0
            else ActionStatus.PLANNED
        )
        commands = [
            c.RecordResult(
                programme=programme,
                key=f"dc-r{ident}",
                proposals=behind,
                title=_cut(title, TITLE_LENGTH),
                lead=_cut(_body_name(r), NAME_LENGTH),
            )
        ]
        if progress or status_name:
            commands.append(
                c.ReportProgress(
                    programme=programme,
                    key=f"dc-r{ident}",
                    status=status,
                    percent=progress,
                    note=status_name,
                )
            )
        result_rows.append(Row(source, commands, occurred_at=_when(r.get("created_at"))))

    head = tables[0].name if tables else path
    rows.append(
        Row(
            f"{head}:1",
            [
                c.ScheduleSession(
                    programme=programme,
                    key=session,
                    kind=SessionKind.ONLINE,
                    on=first_day or date.today(),
                    title="Decidim",
                    existing_ok=True,
                ),
            ],
        )
    )
    plan.rows = [*axes.values(), *rows, *sessions, *proposal_rows, *result_rows]
    plan.columns = {"count": "supports", "percent": "progress"}
    return plan


def _body_name(record: dict[str, str]) -> str:
    """The body that answers on the platform: the participatory space of the row."""
    space = _id(record.get("participatory_space/id"))
    return f"Decidim space {space}" if space else "Decidim"
