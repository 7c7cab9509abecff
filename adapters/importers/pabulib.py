"""Participatory budgets in the Pabulib format (``.pb``, pabulib.org/format).

A ``.pb`` file has three sections of ``;``-separated rows, each under its own
header: ``META`` (key;value: the budget, the vote type and its limits),
``PROJECTS`` (project_id;cost;votes;… with often name and selected) and
``VOTES`` (voter_id;vote;… with points for a cumulative vote; the vote lists
project ids separated by commas, in order of preference for an ordinal vote).
It is recorded as:

- a session (``--session``, scheduled if absent, on the file's first voting
  day when META gives it) in which the projects were submitted and voted;
- the project list as the city published it: one participant for the body
  that ran the budget (its META ``unit``, a local authority), and for each
  project a contribution by that body and a proposal synthesised from it,
  keyed ``pb-<project_id>``;
- one round over every project, under the file's vote type and limits
  (approval with its min/max length, choose-1, cumulative with its points,
  ordinal), with the budget and each project's cost: the round enforces them;
- each voter as an anonymous participant ``<round>-v<voter_id>`` (a ballot
  key, no personal data; the demographic columns are not recorded) and each
  ballot cast whole;
- the round closed, then the proposals it funds selected by the round's rule
  (greedy within the budget), once every ballot is stored.

After the import, the tallies are compared with the file's ``votes`` (and
``score``) column and the funded set with its ``selected`` column; any
difference is reported, nothing is adjusted.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.importers.runner import Plan, Row, Stream, TextFile, csv_rows
from registre.domain import Method, OrganisationType, Round, SessionKind
from registre.domain.ids import check_key

SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = ("approval", "choose-1", "cumulative", "ordinal")
TITLE_LENGTH = 120


@dataclass
class Project:
    source: str
    id: str
    cost: int
    votes: int | None
    score: int | None
    name: str
    selected: bool | None


@dataclass
class Budget:
    file: str
    meta: dict[str, str] = field(default_factory=dict)
    projects: list[Project] = field(default_factory=list)


def name_of(file: str) -> str:
    """The file's name as a key part: ``poland_warszawa_2020_ursynow``."""
    stem = Path(file).name.removesuffix(".pb")
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-._")[:50] or "budget"


def plan_pabulib(
    programme: str, file: str, session: str | None = None, round_key: str | None = None
) -> Plan:
    base = name_of(file)
    round_key = round_key or f"pb-{base}"
    session = session or round_key
    check_key(round_key, "--round")
    check_key(session, "--session")
    source = TextFile.read(file, "pabulib", programme, session, round_key)
    plan = Plan("import pabulib", programme, file, source.digest)
    if source.note:
        plan.remarks[source.note] += 1
    sections, ballots = _sections(source, plan)
    budget = Budget(file)
    budget.meta = _meta(sections.get("META", []))
    vote_type = budget.meta.get("vote_type", "approval").lower()
    if vote_type not in VOTE_TYPES:
        plan.problems.append(
            f"{file}: vote_type {vote_type!r} is not one of {', '.join(VOTE_TYPES)}"
        )
        return plan
    budget.projects = _projects(file, sections.get("PROJECTS", []), plan)
    if not budget.projects:
        plan.problems.append(f"{file}: no PROJECTS section, or no project in it")
        return plan
    ids = {p.id: f"pb-{_key_part(p.id)}" for p in budget.projects}
    total = _number(budget.meta.get("budget"), "budget")
    if total is None:
        plan.problems.append(f"{file}: META has no budget")
        return plan

    unit = budget.meta.get("unit") or budget.meta.get("district") or "the city"
    body = f"{round_key}-city"
    on = _first_day(budget.meta) or date.today()
    header = f"{file}:1"
    description = budget.meta.get("description", "")
    rows = [
        Row(
            header,
            [
                c.ScheduleSession(
                    programme=programme,
                    key=session,
                    kind=SessionKind.ONLINE,
                    on=on,
                    title=(description or f"Participatory budget {unit}")[:300],
                    existing_ok=True,
                ),
                c.RegisterParticipant(
                    programme=programme,
                    key=body,
                    organisation=unit[:300],
                    organisation_type=OrganisationType.LOCAL_AUTHORITY,
                    existing_ok=True,
                ),
            ],
        )
    ]
    for project in budget.projects:
        key = ids[project.id]
        title = project.name or f"Project {project.id}"
        if len(title) > TITLE_LENGTH:
            title = title[: TITLE_LENGTH - 1].rstrip() + "…"
        rows.append(
            Row(
                project.source,
                [
                    c.SubmitContribution(
                        programme=programme,
                        key=key,
                        session=session,
                        authors=[body],
                        text=project.name or f"Project {project.id}",
                    ),
                    c.SynthesiseProposal(
                        programme=programme,
                        key=key,
                        title=title,
                        sources=[c.SourceRef(contribution=key, version=1)],
                    ),
                ],
            )
        )
    method, limit, min_votes, max_per = _terms(vote_type, budget.meta, len(budget.projects), plan)
    rows.append(
        Row(
            header,
            [
                c.OpenRound(
                    programme=programme,
                    key=round_key,
                    session=session,
                    method=method,
                    limit=limit,
                    min_votes=min_votes,
                    max_per_proposal=max_per,
                    budget=total,
                    costs={ids[p.id]: p.cost for p in budget.projects},
                    proposals=list(ids.values()),
                )
            ],
        )
    )
    closing = Row(ballots.last or header, [c.CloseRound(programme=programme, key=round_key)])

    def read() -> Iterator[Row]:
        yield from rows
        yield from _ballots(file, _votes(source), vote_type, ids, round_key, programme)
        yield closing

    plan.rows = Stream(read, len(rows) + ballots.count + 1)
    plan.after = [c.FundProposals(programme=programme, round=round_key)]
    plan.verify = lambda registre: _compare(registre, budget, ids, programme, round_key)
    plan.columns = {"votes": "vote", "value": "vote"}
    return plan


# -- reading -----------------------------------------------------------------------------

Line = tuple[int, list[str]]  # (line number, cells)


@dataclass
class Ballots:
    """What the first reading learns of the VOTES section, which is not kept:
    how many rows it has, and the last one's place."""

    count: int = 0
    last: str | None = None


def _lines(source: TextFile, problems: list[str]) -> Iterator[tuple[str, int, list[str]]]:
    """(section, line number, cells) of each non-empty row under a section's
    name, read from the file as they are walked; what cannot be read is added
    to ``problems``, and ends the reading."""
    file = source.path
    section = ""
    with source.open() as text:
        reader = csv.reader(text, delimiter=";")
        line = 1
        for cells in csv_rows(reader, file, problems):
            first = cells[0].strip().upper() if len(cells) == 1 else ""
            if first in SECTIONS:
                section = first
            elif any(cell.strip() for cell in cells):
                if section:
                    yield section, line, [cell.strip() for cell in cells]
                else:
                    problems.append(f"{file}:{line}: a row before the META section")
            line = reader.line_num + 1


def _votes(source: TextFile) -> Iterator[Line]:
    """The VOTES section's rows, its header row first (read again: the first
    reading noted what could not be read)."""
    return ((line, cells) for section, line, cells in _lines(source, []) if section == "VOTES")


def _sections(source: TextFile, plan: Plan) -> tuple[dict[str, list[Line]], Ballots]:
    """The rows of META and PROJECTS, each section's header row first, and
    what the VOTES section holds (read again, row by row, when imported)."""
    sections: dict[str, list[Line]] = {}
    ballots = Ballots()
    for section, line, cells in _lines(source, plan.problems):
        if section != "VOTES":
            sections.setdefault(section, []).append((line, cells))
        elif "VOTES" not in sections:
            sections["VOTES"] = [(line, cells)]  # its header row
        else:
            ballots.count += 1
            ballots.last = f"{source.path}:{line}"
    return sections, ballots


def _meta(lines: list[Line]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for _, cells in lines[1:] if lines and lines[0][1][:1] == ["key"] else lines:
        if len(cells) >= 2:
            meta[cells[0].lower()] = ";".join(cells[1:])
    return meta


def _table(lines: list[Line]) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    if not lines:
        return [], []
    header = [h.lower() for h in lines[0][1]]
    records = [(n, dict(zip(header, cells, strict=False))) for n, cells in lines[1:]]
    return header, records


def _projects(file: str, lines: list[Line], plan: Plan) -> list[Project]:
    header, records = _table(lines)
    for column in ("project_id", "cost"):
        if header and column not in header:
            plan.problems.append(f"{file}:{lines[0][0]}: PROJECTS has no {column} column")
            return []
    projects, seen = [], set()
    for line, r in records:
        source = f"{file}:{line}"
        try:
            pid = r.get("project_id", "")
            if not pid:
                raise ValueError("project_id is empty")
            if pid in seen:
                raise ValueError(f"project_id {pid} appears twice")
            cost = _number(r.get("cost"), "cost")
            if cost is None:
                raise ValueError("cost is empty")
            selected = r.get("selected")
            projects.append(
                Project(
                    source,
                    pid,
                    cost,
                    _number(r.get("votes"), "votes"),
                    _number(r.get("score"), "score"),
                    (r.get("name") or "")[:20000],
                    None if selected in (None, "") else selected.strip() not in ("0", "0.0"),
                )
            )
            seen.add(pid)
        except ValueError as error:
            plan.problems.append(f"{source}: {error}")
    return projects


def _ballots(
    file: str,
    lines: Iterable[Line],
    vote_type: str,
    ids: dict[str, str],
    round_key: str,
    programme: str,
) -> Iterator[Row]:
    walked = iter(lines)
    first = next(walked, None)
    if first is None:
        return
    header = [h.lower() for h in first[1]]
    records = ((n, dict(zip(header, cells, strict=False))) for n, cells in walked)
    for line, r in records:
        source = f"{file}:{line}"
        voter = r.get("voter_id", "")
        chosen = [v.strip() for v in (r.get("vote") or "").split(",") if v.strip()]
        points = [v.strip() for v in (r.get("points") or "").split(",") if v.strip()]
        try:
            if "voter_id" not in header or "vote" not in header:
                raise ValueError("VOTES has no voter_id or vote column")
            if not voter:
                raise ValueError("voter_id is empty")
            unknown = [p for p in chosen if p not in ids]
            if unknown:
                raise ValueError(f"vote: project {unknown[0]} is not in PROJECTS")
            if vote_type == "cumulative":
                if len(points) != len(chosen):
                    raise ValueError("points: one number per project voted for is needed")
                values: list[str | None] = list(points)
            elif vote_type == "ordinal":
                values = [str(rank) for rank in range(1, len(chosen) + 1)]
            else:
                values = [None] * len(chosen)
            participant = f"{round_key}-v{_key_part(voter)}"
            commands: list[c.Command] = [c.RegisterAnonymous(programme=programme, key=participant)]
            if chosen:
                commands.append(
                    c.CastBallot(
                        programme=programme,
                        round=round_key,
                        participant=participant,
                        votes=[(ids[p], v) for p, v in zip(chosen, values, strict=True)],
                    )
                )
            yield Row(source, commands)
        except ValueError as error:
            yield Row(source, problem=str(error))


def _terms(
    vote_type: str, meta: dict[str, str], projects: int, plan: Plan
) -> tuple[Method, int | None, int | None, int | None]:
    """(method, limit, min_votes, max_per_proposal) of the file's vote type."""
    try:
        min_length = _number(meta.get("min_length"), "min_length")
        max_length = _number(meta.get("max_length"), "max_length")
        if vote_type == "choose-1":
            return Method.APPROVAL, 1, 1, None
        if vote_type == "cumulative":
            max_sum = _number(meta.get("max_sum_points"), "max_sum_points")
            max_points = _number(meta.get("max_points"), "max_points")
            return Method.DOTS, max_sum or max_points or projects, None, max_points
        method = Method.ORDINAL if vote_type == "ordinal" else Method.APPROVAL
        return method, max_length, min_length or 1, None
    except ValueError as error:
        plan.problems.append(f"{plan.label}: META {error}")
        return Method.APPROVAL, None, 1, None


def _number(raw: str | None, column: str) -> int | None:
    """A whole number as a .pb file writes it (``1200``, ``1200.0``), or None if empty."""
    raw = (raw or "").strip().replace(" ", "")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{column} {raw!r} is not a number") from None
    if not value.is_integer():
        raise ValueError(f"{column} {raw!r} is not a whole number")
    return int(value)


def _key_part(raw: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", raw).strip("-")[:60] or "x"


def _first_day(meta: dict[str, str]) -> date | None:
    raw = meta.get("date_begin") or meta.get("instance") or ""
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%Y"):
        try:
            return datetime.strptime(raw.strip(), pattern).date()
        except ValueError:
            continue
    return None


# -- checking the record against the file ---------------------------------------------------


def _compare(
    registre: Registre, budget: Budget, ids: dict[str, str], programme: str, round_key: str
) -> list[str]:
    """Where the record differs from the file's own figures: votes, score, selected."""
    from registre.projections import projector_for
    from registre.projections.tallies import read_tallies

    projector = projector_for(registre.store)
    projector.catch_up(["tallies"])
    with projector.reading("tallies") as db:
        found = read_tallies(db, programme, round_key)
    tally = {t.proposal: t for t in found[0].proposals} if found else {}
    differences = []
    for p in budget.projects:
        t = tally.get(ids[p.id])
        voters, total = (t.voters, t.total) if t else (0, 0)
        if p.votes is not None and p.votes != voters:
            differences.append(f"{p.source}: votes {p.votes} in the file, {voters} recorded")
        cumulative = budget.meta.get("vote_type") == "cumulative"
        if cumulative and p.score is not None and p.score != total:
            differences.append(f"{p.source}: score {p.score} in the file, {total} recorded")
    round_ = registre.load(Round, programme, round_key)
    funded = set(round_.funded or []) if round_ is not None else set()
    selected = {ids[p.id] for p in budget.projects if p.selected}
    if any(p.selected is not None for p in budget.projects) and funded != selected:
        rule = budget.meta.get("rule", "not given")
        differences.append(
            f"{budget.file}: the round funds {len(funded)} projects by the greedy rule, the file "
            f"selects {len(selected)} (its rule: {rule}); only funded: "
            f"{', '.join(sorted(funded - selected)) or 'none'}; only selected: "
            f"{', '.join(sorted(selected - funded)) or 'none'}"
        )
    return differences
