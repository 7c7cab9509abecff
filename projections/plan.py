"""The action plan: adopted priorities by axis, their founders' decisions and
their actions.

Rows keep each validation, decision and progress report with the record
version it came from, so an annulment marks exactly the row it annuls; the
current state is derived when reading.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, ClassVar

from registre.projections.audit_log import describe
from registre.projections.runner import SUBJECTS, Db, Projection


class Plan(Projection):
    name = "plan"
    tables: ClassVar[dict[str, str]] = {
        "subjects": SUBJECTS,
        "programmes": "programme TEXT PRIMARY KEY, title TEXT NOT NULL, organiser TEXT NOT NULL, "
        "rule TEXT NOT NULL, founders TEXT NOT NULL, axes TEXT NOT NULL",
        "proposals": "programme TEXT NOT NULL, key TEXT NOT NULL, title TEXT NOT NULL, "
        "axis TEXT, structure TEXT NOT NULL, void INTEGER NOT NULL, adopted INTEGER NOT NULL, "
        "adopted_at BIGINT, PRIMARY KEY (programme, key)",
        "validations": "programme TEXT NOT NULL, proposal TEXT NOT NULL, record INTEGER NOT NULL, "
        "body TEXT NOT NULL, minutes TEXT NOT NULL, outcome TEXT NOT NULL, "
        "position BIGINT NOT NULL, annulled INTEGER NOT NULL, "
        "PRIMARY KEY (programme, proposal, record)",
        "decisions": "programme TEXT NOT NULL, proposal TEXT NOT NULL, record INTEGER NOT NULL, "
        "founder TEXT NOT NULL, decision TEXT NOT NULL, rationale TEXT NOT NULL, "
        "validation INTEGER NOT NULL, occurred_at TEXT NOT NULL, position BIGINT NOT NULL, "
        "annulled INTEGER NOT NULL, PRIMARY KEY (programme, proposal, record)",
        "actions": "programme TEXT NOT NULL, key TEXT NOT NULL, priority TEXT NOT NULL, "
        "title TEXT NOT NULL, lead TEXT NOT NULL, partners TEXT NOT NULL, due TEXT, "
        "void INTEGER NOT NULL, PRIMARY KEY (programme, key)",
        "reports": "programme TEXT NOT NULL, action TEXT NOT NULL, record INTEGER NOT NULL, "
        "status TEXT NOT NULL, percent INTEGER NOT NULL, note TEXT NOT NULL, "
        "annulled INTEGER NOT NULL, PRIMARY KEY (programme, action, record)",
    }

    def apply(self, db: Db, position: int, event: Any) -> None:
        owner, kind = describe(event)
        handler = getattr(self, f"_{owner}_{kind}", None)
        if handler is None:
            return
        subject = self.subject(db, event)
        if subject is None:
            # Only a view that skips events (the plan as of an occurrence date)
            # can meet a later record of an aggregate whose creation it left out.
            return
        programme, key, owner = subject.programme, subject.key, subject.kind
        handler(db, position, event, programme, key, owner)

    # -- programme ---------------------------------------------------------------

    def _programme_Opened(self, db: Db, pos: int, e: Any, p: str, key: str, owner: str) -> None:
        db.execute(
            "INSERT INTO {programmes} (programme, title, organiser, rule, founders, axes) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (p, e.title, e.organiser, e.rule, json.dumps(e.founders), "{}"),
        )

    def _programme_AxisAdded(self, db: Db, pos: int, e: Any, p: str, key: str, owner: str) -> None:
        axes = json.loads(
            db.rows("SELECT axes FROM {programmes} WHERE programme = ?", (p,))[0]["axes"]
        )
        axes[e.key] = e.title
        db.execute("UPDATE {programmes} SET axes = ? WHERE programme = ?", (json.dumps(axes), p))

    # -- proposals ---------------------------------------------------------------

    def _proposal_Synthesised(self, db: Db, pos: int, e: Any, p: str, key: str, owner: str) -> None:
        db.execute(
            "INSERT INTO {proposals} (programme, key, title, axis, structure, void, adopted) "
            "VALUES (?, ?, ?, ?, 'open', 0, 0)",
            (p, key, e.title, e.axis),
        )

    def _proposal_Reworded(self, db: Db, pos: int, e: Any, p: str, key: str, owner: str) -> None:
        db.execute(
            "UPDATE {proposals} SET title = ? WHERE programme = ? AND key = ?", (e.title, p, key)
        )

    def _proposal_MergedInto(self, db: Db, pos: int, e: Any, p: str, key: str, owner: str) -> None:
        db.execute(
            "UPDATE {proposals} SET structure = 'merged' WHERE programme = ? AND key = ?", (p, key)
        )

    def _proposal_SplitInto(self, db: Db, pos: int, e: Any, p: str, key: str, owner: str) -> None:
        db.execute(
            "UPDATE {proposals} SET structure = 'split' WHERE programme = ? AND key = ?", (p, key)
        )

    def _proposal_Validated(self, db: Db, pos: int, e: Any, p: str, key: str, owner: str) -> None:
        db.execute(
            "INSERT INTO {validations} (programme, proposal, record, body, minutes, outcome, "
            "position, annulled) VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (p, key, e.originator_version, e.body, e.minutes, e.outcome, pos),
        )

    def _proposal_FounderDecided(
        self, db: Db, pos: int, e: Any, p: str, key: str, owner: str
    ) -> None:
        db.execute(
            "INSERT INTO {decisions} (programme, proposal, record, founder, decision, rationale, "
            "validation, occurred_at, position, annulled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            (
                p,
                key,
                e.originator_version,
                e.founder,
                e.decision,
                e.rationale,
                e.validation,
                e.audit.occurred_at.isoformat(),
                pos,
            ),
        )

    def _proposal_Adopted(self, db: Db, pos: int, e: Any, p: str, key: str, owner: str) -> None:
        db.execute(
            "UPDATE {proposals} SET adopted = 1, adopted_at = ? WHERE programme = ? AND key = ?",
            (pos, p, key),
        )

    def _proposal_AdoptionWithdrawn(
        self, db: Db, pos: int, e: Any, p: str, key: str, owner: str
    ) -> None:
        db.execute(
            "UPDATE {proposals} SET adopted = 0, adopted_at = NULL WHERE programme = ? AND key = ?",
            (p, key),
        )

    # -- actions -----------------------------------------------------------------

    def _action_Assigned(self, db: Db, pos: int, e: Any, p: str, key: str, owner: str) -> None:
        db.execute(
            "INSERT INTO {actions} (programme, key, priority, title, lead, partners, due, void) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 0)",
            (p, key, e.priority, e.title, e.lead, json.dumps(e.partners), e.due),
        )

    def _action_ProgressReported(
        self, db: Db, pos: int, e: Any, p: str, key: str, owner: str
    ) -> None:
        db.execute(
            "INSERT INTO {reports} (programme, action, record, status, percent, note, annulled) "
            "VALUES (?, ?, ?, ?, ?, ?, 0)",
            (p, key, e.originator_version, e.status, e.percent, e.note),
        )

    # -- corrections ---------------------------------------------------------------

    def _registreaggregate_RecordAnnulled(
        self, db: Db, pos: int, e: Any, p: str, key: str, owner: str
    ) -> None:
        target = e.target_version
        if owner == "proposal":
            if target == 1:
                db.execute(
                    "UPDATE {proposals} SET void = 1 WHERE programme = ? AND key = ?", (p, key)
                )
            for table in ("validations", "decisions"):
                db.execute(
                    f"UPDATE {{{table}}} SET annulled = 1 "
                    "WHERE programme = ? AND proposal = ? AND record = ?",
                    (p, key, target),
                )
        elif owner == "action":
            if target == 1:
                db.execute(
                    "UPDATE {actions} SET void = 1 WHERE programme = ? AND key = ?", (p, key)
                )
            db.execute(
                "UPDATE {reports} SET annulled = 1 "
                "WHERE programme = ? AND action = ? AND record = ?",
                (p, key, target),
            )


# -- reading ------------------------------------------------------------------------


@dataclass
class PlanAction:
    key: str
    title: str
    lead: str
    partners: list[str]
    due: str | None
    status: str
    progress: int


@dataclass
class PlanPriority:
    key: str
    title: str
    axis: str | None
    adopted_at: int
    decisions: dict[str, dict[str, str]]  # founder -> decision, rationale, occurred_at
    validated_by: str
    minutes: str
    actions: list[PlanAction] = field(default_factory=list)


@dataclass
class ActionPlan:
    programme: str
    title: str
    rule: str
    founders: dict[str, str]
    axes: dict[str, str]
    priorities: list[PlanPriority]

    def by_axis(self) -> dict[str | None, list[PlanPriority]]:
        grouped: dict[str | None, list[PlanPriority]] = {a: [] for a in self.axes}
        for p in self.priorities:
            grouped.setdefault(p.axis, []).append(p)
        return {a: ps for a, ps in grouped.items() if ps}


def read_plan(db: Db, programme: str) -> ActionPlan | None:
    """The current action plan of a programme, from the plan projection's views."""
    rows = db.rows("SELECT * FROM {programmes} WHERE programme = ?", (programme,))
    if not rows:
        return None
    head = rows[0]
    priorities: list[PlanPriority] = []
    for p in db.rows(
        "SELECT key, title, axis, adopted_at FROM {proposals} "
        "WHERE programme = ? AND adopted = 1 AND void = 0 ORDER BY adopted_at",
        (programme,),
    ):
        validation = db.rows(
            "SELECT record, body, minutes FROM {validations} WHERE programme = ? AND proposal = ? "
            "AND annulled = 0 ORDER BY record DESC LIMIT 1",
            (programme, p["key"]),
        )[0]
        decisions: dict[str, dict[str, str]] = {}
        for d in db.rows(
            "SELECT founder, decision, rationale, occurred_at FROM {decisions} "
            "WHERE programme = ? AND proposal = ? AND validation = ? AND annulled = 0 "
            "ORDER BY record",
            (programme, p["key"], validation["record"]),
        ):
            decisions[d["founder"]] = {
                "decision": d["decision"],
                "rationale": d["rationale"],
                "occurred_at": d["occurred_at"],
            }
        priority = PlanPriority(
            p["key"],
            p["title"],
            p["axis"],
            p["adopted_at"],
            decisions,
            validation["body"],
            validation["minutes"],
        )
        for a in db.rows(
            "SELECT key, title, lead, partners, due FROM {actions} "
            "WHERE programme = ? AND priority = ? AND void = 0 ORDER BY key",
            (programme, p["key"]),
        ):
            last = db.rows(
                "SELECT status, percent FROM {reports} WHERE programme = ? AND action = ? "
                "AND annulled = 0 ORDER BY record DESC LIMIT 1",
                (programme, a["key"]),
            )
            priority.actions.append(
                PlanAction(
                    a["key"],
                    a["title"],
                    a["lead"],
                    json.loads(a["partners"]),
                    a["due"],
                    last[0]["status"] if last else "planned",
                    last[0]["percent"] if last else 0,
                )
            )
        priorities.append(priority)
    return ActionPlan(
        programme,
        head["title"],
        head["rule"],
        json.loads(head["founders"]),
        json.loads(head["axes"]),
        priorities,
    )
