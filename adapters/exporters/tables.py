"""The rows and documents of each export, read from the projections.

Each export is built once as rows (for CSV, one flat table) and as a
document (for JSON, with lists kept as lists). Participants are named by
key and organisation type only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from registre.domain.errors import NotFound
from registre.domain.structure import Structure
from registre.projections.listings import read_contributions, read_proposals
from registre.projections.participation import read_participation
from registre.projections.plan import read_parts, read_plan
from registre.projections.runner import Projector
from registre.projections.tallies import read_tallies
from registre.projections.trace import has_programme

KINDS = ("plan", "proposals", "contributions", "tallies")


@dataclass(frozen=True)
class Export:
    kind: str
    columns: list[str]
    rows: list[dict[str, Any]]
    document: dict[str, Any]


def build(views: Projector, kind: str, programme: str) -> Export:
    """Brings the projections the export reads up to the head of the log, then
    reads them; an unknown programme is refused."""
    builders: dict[str, Callable[[Projector, str], Export]] = {
        "plan": _plan,
        "proposals": _proposals,
        "contributions": _contributions,
        "tallies": _tallies,
    }
    if kind not in builders:
        raise ValueError(f"unknown export {kind!r}")
    views.catch_up(["provenance"])
    with views.reading("provenance") as db:
        if not has_programme(db, programme):
            raise NotFound(f"no programme {programme!r} in this store")
    return builders[kind](views, programme)


def _head(kind: str, programme: str, items: list[dict[str, Any]], key: str = "") -> dict[str, Any]:
    return {"programme": programme, "export": kind, key or kind: items}


# -- plan ------------------------------------------------------------------------------


def _plan(views: Projector, programme: str) -> Export:
    views.catch_up(["plan"])
    with views.reading("plan") as db:
        plan = read_plan(db, programme)
    if plan is None:
        raise NotFound(f"no programme {programme!r} in this store")
    founders = list(plan.founders)
    structure = plan.structure
    columns = ["axis", "axis_title", "axis_level", "axis_path"]
    columns += ["priority", "title", "adopted_on", "validated_by", "minutes"]
    for f in founders:
        columns += [f"decision_{f}", f"rationale_{f}", f"decided_on_{f}"]
    columns += ["actions", "action_titles", "action_leads", "action_status", "action_due"]
    rows = []
    for axis, priorities in plan.by_axis().items():
        for p in priorities:
            row: dict[str, Any] = {
                "axis": axis,
                "axis_title": (plan.axes.get(axis) or structure.title(axis)) if axis else None,
                **_part(structure, axis),
                "priority": p.key,
                "title": p.title,
                "adopted_on": p.adopted_on[:10] or None,
                "validated_by": p.validated_by,
                "minutes": p.minutes,
            }
            for f in founders:
                d = p.decisions.get(f, {})
                row[f"decision_{f}"] = d.get("decision")
                row[f"rationale_{f}"] = d.get("rationale")
                row[f"decided_on_{f}"] = d.get("occurred_at", "")[:10] or None
            row["actions"] = [a.key for a in p.actions]
            row["action_titles"] = [a.title for a in p.actions]
            row["action_leads"] = [a.lead for a in p.actions]
            row["action_status"] = [f"{a.status} {a.progress}%" for a in p.actions]
            row["action_due"] = [a.due or "" for a in p.actions]
            rows.append(row)
    document = {
        "programme": programme,
        "export": "plan",
        "title": plan.title,
        "rule": plan.rule,
        "founders": plan.founders,
        "axes": plan.axes,
        "priorities": [
            {
                "key": p.key,
                "title": p.title,
                "axis": p.axis,
                **_part(structure, p.axis),
                "adopted_on": p.adopted_on[:10] or None,
                "validated_by": p.validated_by,
                "minutes": p.minutes,
                "decisions": p.decisions,
                "actions": [asdict(a) for a in p.actions],
            }
            for p in plan.priorities
        ],
    }
    return Export("plan", columns, rows, document)


def _part(structure: Structure, axis: str | None) -> dict[str, Any]:
    """The level of the part a row sits at, and its path from the top of the
    structure ("Santé > Santé numérique"): None for a part the structure lacks."""
    if axis is None or axis not in structure:
        return {"axis_level": None, "axis_path": None}
    return {"axis_level": structure.parts[axis].level, "axis_path": structure.path_title(axis)}


# -- proposals -------------------------------------------------------------------------


def _proposals(views: Projector, programme: str) -> Export:
    views.catch_up(["plan", "participation"])
    with views.reading("plan") as db:
        proposals = read_proposals(db, programme)
        structure = read_parts(db, programme)
    with views.reading("participation") as db:
        report = read_participation(db, programme)
    diversity = {d.proposal: d for d in report.proposals} if report else {}
    columns = [
        "proposal",
        "title",
        "axis",
        "axis_level",
        "axis_path",
        "structure",
        "adopted",
        "state",
        "rejected_by",
        "adopted_on",
        "validation",
        "validated_by",
        "minutes",
        "decisions",
        "rationales",
        "contributions",
        "organisation_types",
        "kinds_of_organisation",
    ]
    items: list[dict[str, Any]] = []
    for p in proposals:
        d = diversity.get(p.key)
        items.append(
            {
                "proposal": p.key,
                "title": p.title,
                "axis": p.axis,
                **_part(structure, p.axis),
                "structure": p.structure,
                "adopted": p.adopted,
                "state": p.state,
                "rejected_by": p.rejected_by,
                "adopted_on": p.adopted_on[:10] if p.adopted_on else None,
                "validation": p.validation,
                "validated_by": p.validated_by,
                "minutes": p.minutes,
                "decisions": p.decisions,
                "rationales": p.rationales,
                "contributions": sorted(d.contributions) if d else [],
                "organisation_types": list(d.types) if d else [],
                "kinds_of_organisation": d.kinds if d else 0,
            }
        )
    rows = [
        item
        | {
            "decisions": [f"{f}={v}" for f, v in p.decisions.items()],
            "rationales": [f"{f}={v}" for f, v in p.rationales.items()],
        }
        for item, p in zip(items, proposals, strict=True)
    ]
    return Export("proposals", columns, rows, _head("proposals", programme, items))


# -- contributions ---------------------------------------------------------------------


def _contributions(views: Projector, programme: str) -> Export:
    with views.reading("provenance") as db:
        versions = read_contributions(db, programme)
    items = [asdict(v) for v in versions]
    columns = list(items[0]) if items else _CONTRIBUTION_COLUMNS
    return Export("contributions", columns, items, _head("contributions", programme, items))


_CONTRIBUTION_COLUMNS = [
    "contribution",
    "version",
    "session",
    "axis",
    "authors",
    "organisation_types",
    "text",
    "occurred_at",
    "position",
    "source",
    "annulled",
    "withdrawn",
]


# -- tallies ---------------------------------------------------------------------------


def _tallies(views: Projector, programme: str) -> Export:
    views.catch_up(["tallies"])
    with views.reading("tallies") as db:
        rounds = read_tallies(db, programme)
    columns = [
        "round",
        "session",
        "method",
        "limit",
        "max_score",
        "closed",
        "closed_at",
        "round_participants",
        "proposal",
        "voters",
        "total",
        "mean",
        "agree",
        "disagree",
        "passes",
        "late",
    ]
    rows = []
    for r in rounds:
        for t in r.proposals:
            rows.append(
                {
                    "round": r.round,
                    "session": r.session,
                    "method": r.method,
                    "limit": r.limit,
                    "max_score": r.max_score,
                    "closed": r.closed,
                    "closed_at": r.closed_at,
                    "round_participants": r.participants,
                    "proposal": t.proposal,
                    "voters": t.voters,
                    "total": t.total,
                    "mean": t.mean,
                    "agree": t.agree,
                    "disagree": t.disagree,
                    "passes": t.passes,
                    "late": sum(1 for x in r.late if x.proposal == t.proposal),
                }
            )
    return Export(
        "tallies",
        columns,
        rows,
        _head("tallies", programme, [r.as_dict() for r in rounds], "rounds"),
    )
