"""Every proposal and every contribution's version of a programme, for
exports and the public site.

``read_plan`` lists only the adopted priorities and ``read_trace`` one
lineage at a time; open data needs them all. These functions read the
existing views (the plan's proposals and validations, the provenance's steps
and participants) and change no table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from registre.domain.reading import read_proposal
from registre.projections.plan import recorded_facts
from registre.projections.runner import Db


@dataclass(frozen=True)
class ProposalRow:
    key: str
    title: str
    axis: str | None
    structure: str  # open, merged or split
    adopted: bool
    validation: str | None  # the latest validation's outcome that stands, if any
    validated_by: str | None
    minutes: str | None
    decisions: dict[str, str]  # founder -> decision, on the latest validation
    # Where it stands (registre.domain.reading.State), and why.
    state: str = "draft"
    rejected_by: list[str] = field(default_factory=list)  # founders barring its adoption
    rationales: dict[str, str] = field(default_factory=dict)  # founder -> rationale
    adopted_on: str | None = None  # when the decision that met the rule happened


def read_proposals(db: Db, programme: str) -> list[ProposalRow]:
    """The programme's proposals in the order they were synthesised, from the
    plan projection's views, each read by the rules of
    ``registre.domain.reading``; annulled ones are left out."""
    head = db.rows(
        "SELECT rule, founders FROM {programmes} WHERE programme = ? AND valid_to IS NULL",
        (programme,),
    )
    if not head:
        return []
    rule, founders = head[0]["rule"], list(json.loads(head[0]["founders"]))
    ever_adopted = {
        r["key"]
        for r in db.rows(
            "SELECT DISTINCT key FROM {proposals} WHERE programme = ? AND adopted = 1",
            (programme,),
        )
    }
    validations, decisions = recorded_facts(db, programme)
    rows: list[ProposalRow] = []
    for p in db.rows(
        "SELECT key, title, axis, structure FROM {proposals} "
        "WHERE programme = ? AND void = 0 AND valid_to IS NULL ORDER BY synthesised_at",
        (programme,),
    ):
        reading = read_proposal(
            rule=rule,
            founders=founders,
            validations=validations.get(p["key"], []),
            decisions=decisions.get(p["key"], []),
            structure=p["structure"],
            was_adopted=p["key"] in ever_adopted,
        )
        standing = reading.validation
        rows.append(
            ProposalRow(
                p["key"],
                p["title"],
                p["axis"],
                p["structure"],
                reading.adopted,
                standing.outcome if standing else None,
                standing.body if standing else None,
                standing.minutes if standing else None,
                {f: d.decision for f, d in reading.decisions.items()},
                reading.state.value,
                reading.rejected_by,
                {f: d.rationale for f, d in reading.decisions.items()},
                reading.adopted_on.occurred_at if reading.adopted_on else None,
            )
        )
    return rows


@dataclass(frozen=True)
class ContributionVersion:
    contribution: str
    version: int
    session: str | None
    axis: str | None
    authors: list[str]  # pseudonymous participant keys
    organisation_types: list[str]  # of the authors, sorted, each once
    text: str
    occurred_at: str
    position: int  # store position of the record of this version
    source: str | None
    annulled: bool  # this version, or the whole contribution, was annulled
    withdrawn: str | None  # the reason, while a withdrawal stands


def read_contributions(db: Db, programme: str) -> list[ContributionVersion]:
    """Each text version of each contribution, in store order, from the
    provenance projection's steps, the audit log's records (which keep the texts
    the other views do not)."""
    steps = db.rows(
        "SELECT position, subject, kind, occurred_at, source, detail, annulled FROM {steps} "
        # sorted after the search by kind (see trace._steps)
        "WHERE programme = ? AND subject_kind = 'contribution' ORDER BY +position",
        (programme,),
    )
    types = {
        r["key"]: r["organisation_type"]
        for r in db.rows(
            "SELECT key, organisation_type FROM {participants} WHERE programme = ?", (programme,)
        )
    }
    submitted: dict[str, dict[str, Any]] = {}
    void: set[str] = set()
    withdrawn: dict[str, str] = {}
    for s in steps:
        detail = json.loads(s["detail"])
        if s["kind"] == "Submitted":
            submitted[s["subject"]] = detail
            if s["annulled"] is not None:
                void.add(s["subject"])
        elif s["kind"] == "Withdrawn" and s["annulled"] is None:
            withdrawn[s["subject"]] = str(detail["reason"])
    versions: list[ContributionVersion] = []
    for s in steps:
        if s["kind"] not in ("Submitted", "Amended"):
            continue
        detail = json.loads(s["detail"])
        first = submitted.get(s["subject"], {})
        authors = [str(a) for a in first.get("authors", [])]
        versions.append(
            ContributionVersion(
                s["subject"],
                int(detail["text_version"]),
                _text_or_none(first.get("session")),
                _text_or_none(first.get("axis")),
                authors,
                sorted({types[a] for a in authors if a in types}),
                str(detail.get("text", "")),
                s["occurred_at"],
                int(s["position"]),
                s["source"],
                s["annulled"] is not None or s["subject"] in void,
                withdrawn.get(s["subject"]),
            )
        )
    return versions


def _text_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def read_organiser(db: Db, programme: str) -> str | None:
    """Who runs the programme, from the plan projection's views."""
    rows = db.rows(
        "SELECT organiser FROM {programmes} WHERE programme = ? AND valid_to IS NULL",
        (programme,),
    )
    return str(rows[0]["organiser"]) if rows else None
