"""The action plan: adopted priorities under the parts of the programme's
structure (themes, axes, concepts...), their founders' decisions and their
actions, now and as it stood at any position of the record.

Rows keep each validation, decision and progress report with the record
version it came from, so an annulment marks exactly the row it annuls; the
current state is derived when reading.

The tables keep their history. Every row holds from the position of the event
that wrote it (``valid_from``) until the position of the event that changed
it (``valid_to``, NULL while it still holds): a change closes the row and
inserts the changed copy, and no row is ever deleted. The plan at position P
is read from the rows that held then, so a view of the past costs a read, not
a rebuild.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import singledispatchmethod
from typing import Any, ClassVar

from registre.domain import Action, DecisionRule, Programme, Proposal, RegistreAggregate
from registre.domain.reading import DecisionFact, ValidationFact, read_proposal
from registre.domain.structure import DEFAULT_LEVEL, Part, Structure
from registre.projections.dispatch import call, handles
from registre.projections.runner import Db, Projection, Subject


def _temporal(columns: str, key: str) -> str:
    """Column definitions of a table with history: one row per version of each key."""
    return (
        f"{columns}, valid_from BIGINT NOT NULL, valid_to BIGINT, PRIMARY KEY ({key}, valid_from)"
    )


def _names(columns: str) -> str:
    return ", ".join(c.split()[0] for c in columns.split(","))


# logical table name -> (columns, the key a row has across its versions)
_HISTORY = {
    "programmes": (
        "programme TEXT NOT NULL, title TEXT NOT NULL, organiser TEXT NOT NULL, "
        "rule TEXT NOT NULL, founders TEXT NOT NULL, axes TEXT NOT NULL, part_of TEXT",
        "programme",
    ),
    # The programme's structure: one row per part, at any level.
    "parts": (
        "programme TEXT NOT NULL, key TEXT NOT NULL, title TEXT NOT NULL, parent TEXT, "
        "level TEXT NOT NULL, position BIGINT NOT NULL",
        "programme, key",
    ),
    "proposals": (
        "programme TEXT NOT NULL, key TEXT NOT NULL, title TEXT NOT NULL, axis TEXT, "
        "structure TEXT NOT NULL, void INTEGER NOT NULL, adopted INTEGER NOT NULL, "
        "adopted_at BIGINT, synthesised_at BIGINT NOT NULL",
        "programme, key",
    ),
    "validations": (
        "programme TEXT NOT NULL, proposal TEXT NOT NULL, record INTEGER NOT NULL, "
        "body TEXT NOT NULL, minutes TEXT NOT NULL, outcome TEXT NOT NULL, "
        "position BIGINT NOT NULL, annulled INTEGER NOT NULL",
        "programme, proposal, record",
    ),
    "decisions": (
        "programme TEXT NOT NULL, proposal TEXT NOT NULL, record INTEGER NOT NULL, "
        "founder TEXT NOT NULL, decision TEXT NOT NULL, rationale TEXT NOT NULL, "
        "validation INTEGER NOT NULL, occurred_at TEXT NOT NULL, position BIGINT NOT NULL, "
        "annulled INTEGER NOT NULL",
        "programme, proposal, record",
    ),
    "actions": (
        "programme TEXT NOT NULL, key TEXT NOT NULL, priority TEXT NOT NULL, "
        "title TEXT NOT NULL, lead TEXT NOT NULL, partners TEXT NOT NULL, due TEXT, "
        "void INTEGER NOT NULL, proposals TEXT",
        "programme, key",
    ),
    "reports": (
        "programme TEXT NOT NULL, action TEXT NOT NULL, record INTEGER NOT NULL, "
        "status TEXT NOT NULL, percent INTEGER NOT NULL, note TEXT NOT NULL, "
        "annulled INTEGER NOT NULL",
        "programme, action, record",
    ),
    # What the plan shows of each proposal while it is an adopted priority,
    # read at write time by the programme's rule (registre.domain.reading) from
    # the validations and decisions that held then: the plan at any position is
    # the rows shown then, without reading every proposal again. A row is kept
    # (shown = 0) once the proposal stops being a priority.
    "priorities": (
        "programme TEXT NOT NULL, key TEXT NOT NULL, shown INTEGER NOT NULL, "
        "title TEXT NOT NULL, axis TEXT, synthesised_at BIGINT NOT NULL, "
        "adopted_at BIGINT NOT NULL, decisions TEXT NOT NULL, validated_by TEXT NOT NULL, "
        "minutes TEXT NOT NULL, adopted_on TEXT NOT NULL",
        "programme, key",
    ),
}

# The tables whose rows the reading of a proposal comes from, held by the page
# under (programme, proposal) so that the page's own rows are read with the stored.
_FACTS = ("validations", "decisions")
# Proposals whose current facts the plan keeps in memory during a run over the
# log (``Db.known``), so reading a proposal again costs no query. Bounded, so a
# replay's memory does not grow with the log: the cycles of a consultation come
# and go, and a proposal met again is read once more from the store.
FACTS_CACHED = 10_000
_KEPT = "plan facts"
# The tables whose row that holds now for each key the run keeps likewise (the
# proposal and its priority, read at each change to its record), and how many.
_KEPT_ROWS = ("proposals", "priorities")
ROWS_CACHED = 20_000
_ROWS = "plan rows"
_UNKNOWN: dict[str, Any] = {}  # not kept (None: kept, and there is no such row)
Rows = dict[tuple[str, tuple[Any, ...]], dict[str, Any] | None]
# A proposal's validations and decisions that hold now, each by its record.
Facts = tuple[dict[int, ValidationFact], dict[int, DecisionFact]]


def _validation(r: dict[str, Any]) -> ValidationFact:
    return ValidationFact(r["record"], r["body"], r["minutes"], r["outcome"], bool(r["annulled"]))


def _decision(r: dict[str, Any]) -> DecisionFact:
    return DecisionFact(
        r["record"],
        r["founder"],
        r["decision"],
        r["rationale"],
        r["validation"],
        r["occurred_at"],
        r["position"],
        bool(r["annulled"]),
    )


class Plan(Projection):
    name = "plan"
    # 2: every row holds from a position to a position (the plan at any position).
    # 3: indexed by programme and valid_from.
    # 4: proposals keep the position they were synthesised at (the order of listings).
    # 5: subjects read from the table the projections share.
    # 6: the structure's parts, at any level, and the larger programme.
    # 7: results the body accounts for, with the proposals behind them.
    # 8: each priority as the plan shows it, read when its record changes.
    version = 8
    uses_subjects = True
    tables: ClassVar[dict[str, str]] = {
        table: _temporal(columns, key) for table, (columns, key) in _HISTORY.items()
    }
    # The plan at P reads only the rows written up to P, whatever came after;
    # the primary keys serve the changes, by key.
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        table: "programme, valid_from, valid_to" for table in _HISTORY
    }
    columns: ClassVar[dict[str, str]] = {
        table: _names(columns) for table, (columns, _) in _HISTORY.items()
    }
    keys: ClassVar[dict[str, str]] = {
        table: " AND ".join(f"{k} = ?" for k in key.split(", "))
        for table, (_, key) in _HISTORY.items()
    }
    key_columns: ClassVar[dict[str, tuple[str, ...]]] = {
        table: tuple(key.split(", ")) for table, (_, key) in _HISTORY.items()
    }

    def apply(self, db: Db, position: int, event: Any) -> None:
        if not handles(vars(Plan)["_on"], event):
            return  # an event the plan does not show
        subject = self.subject(db, event)
        if subject is None:
            # Only a view that skips events (the plan as of an occurrence date)
            # can meet a later record of an aggregate whose creation it left out.
            return
        call(vars(Plan)["_on"], self, event, db, position, subject)

    def _add(self, db: Db, table: str, row: dict[str, Any], pos: int) -> None:
        """A new row of ``table``, holding from ``pos``."""
        row["valid_from"], row["valid_to"] = pos, None
        group = (row["programme"], row["proposal"]) if table in _FACTS else None
        key = tuple(row[k] for k in self.key_columns[table])
        db.add(table, row, key, group)
        self._remember(db, table, key, row)

    def _remember(self, db: Db, table: str, key: tuple[Any, ...], row: dict[str, Any]) -> None:
        """Keeps the row that now holds for ``key`` in the run's memory, where
        its table is kept: a validation or decision in its proposal's facts
        (``_note``), a proposal or priority among the rows (``_rows``)."""
        if table in _FACTS:
            self._note(db, table, row)
        elif table in _KEPT_ROWS:
            self._rows(db)[(table, key)] = row

    def _rows(self, db: Db) -> Rows:
        """The rows kept of ``_KEPT_ROWS``, by (table, key): emptied when full."""
        rows: Rows | None = db.known.get(_ROWS)
        if rows is None or len(rows) >= ROWS_CACHED:
            rows = db.known[_ROWS] = {}
        return rows

    def _stored(self, db: Db, table: str, key: tuple[Any, ...]) -> dict[str, Any] | None:
        """The row of ``table`` that holds now for ``key``, one the page does not
        hold: kept by the run (``_KEPT_ROWS``), or read from the store."""
        rows = self._rows(db) if table in _KEPT_ROWS else None
        if rows is not None:
            row = rows.get((table, key), _UNKNOWN)
            if row is not _UNKNOWN:
                return row
        found = db.stored(
            f"SELECT * FROM {{{table}}} WHERE {self.keys[table]} AND valid_to IS NULL", key
        )
        row = found[0] if found else None
        if rows is not None:
            rows[(table, key)] = row
        return row

    def _current(self, db: Db, table: str, key: tuple[Any, ...]) -> dict[str, Any] | None:
        """The row of ``table`` that holds now for ``key``: held by the page, or stored."""
        row = db.held(table, key)
        return row if row is not None else self._stored(db, table, key)

    def _revise(
        self, db: Db, table: str, key: tuple[Any, ...], pos: int, changes: dict[str, Any]
    ) -> None:
        """Changes the row of ``table`` that holds for ``key`` as of position
        ``pos``: the row stops holding at ``pos`` and a changed copy holds from
        it. A row that already holds from ``pos`` is changed in place. A row
        the page holds is changed in memory; a stored one is closed at the flush."""
        match = self.keys[table]
        row = db.held(table, key)
        if row is None:
            row = self._stored(db, table, key)
            if row is None:
                return
            if row["valid_from"] == pos:
                assignments = ", ".join(f"{c} = ?" for c in changes)
                db.later(
                    f"UPDATE {{{table}}} SET {assignments} WHERE {match} AND valid_to IS NULL",
                    (*changes.values(), *key),
                )
                self._remember(db, table, key, {**row, **changes})
                return
            db.later(
                f"UPDATE {{{table}}} SET valid_to = ? "
                f"WHERE {match} AND valid_to IS NULL AND valid_from < ?",
                (pos, *key, pos),
            )
        elif row["valid_from"] == pos:
            row.update(changes)
            self._remember(db, table, key, row)
            return
        else:
            row["valid_to"] = pos
        self._add(db, table, {**row, **changes}, pos)

    def _kept(self, db: Db) -> dict[tuple[str, str], Facts]:
        """The facts kept of proposals, by (programme, proposal): emptied when full."""
        kept: dict[tuple[str, str], Facts] | None = db.known.get(_KEPT)
        if kept is None or len(kept) >= FACTS_CACHED:
            kept = db.known[_KEPT] = {}
        return kept

    def _note(self, db: Db, table: str, row: dict[str, Any]) -> None:
        """Keeps a validation or decision row that holds from now in the facts
        kept of its proposal, if they are kept (see ``_facts``)."""
        kept: dict[tuple[str, str], Facts] | None = db.known.get(_KEPT)
        facts = None if kept is None else kept.get((row["programme"], row["proposal"]))
        if facts is None:
            return
        if table == "validations":
            facts[0][row["record"]] = _validation(row)
        else:
            facts[1][row["record"]] = _decision(row)

    def _facts(
        self, db: Db, programme: str, proposal: str
    ) -> tuple[list[ValidationFact], list[DecisionFact]]:
        """A proposal's validations and founders' decisions that hold now: kept
        from its synthesis, or from the run's first reading of it (those stored
        before the page, with the page's own over them), with every row the run
        writes after (``_note``)."""
        kept = self._kept(db)
        facts = kept.get((programme, proposal))
        if facts is None:
            found: dict[str, dict[int, dict[str, Any]]] = {}
            for table in _FACTS:
                held = found[table] = {
                    r["record"]: r
                    for r in db.stored(
                        f"SELECT * FROM {{{table}}} "
                        "WHERE programme = ? AND proposal = ? AND valid_to IS NULL",
                        (programme, proposal),
                    )
                }
                for r in db.added(table, (programme, proposal)):
                    if r["valid_to"] is None:
                        held[r["record"]] = r
            facts = kept[(programme, proposal)] = (
                {k: _validation(r) for k, r in found["validations"].items()},
                {k: _decision(r) for k, r in found["decisions"].items()},
            )
        return [v for _, v in sorted(facts[0].items())], [d for _, d in sorted(facts[1].items())]

    def _rule(self, db: Db, programme: str) -> tuple[DecisionRule, list[str]]:
        """The programme's rule and founders (set when it opened, never changed)."""
        known = db.known.get(f"plan rule {programme}")
        if known is None:
            row = self._current(db, "programmes", (programme,))
            assert row is not None  # a proposal follows its programme's opening
            known = db.remember(
                f"plan rule {programme}",
                (DecisionRule(row["rule"]), list(json.loads(row["founders"]))),
            )
        rule, founders = known
        return rule, founders

    def _read_priority(self, db: Db, pos: int, programme: str, key: str) -> None:
        """Reads the proposal again by the programme's rule, after a change to
        its record at ``pos``, and keeps what the plan shows of it from then."""
        proposal = self._current(db, "proposals", (programme, key))
        if proposal is None:
            return
        shown: dict[str, Any] | None = None
        if not proposal["void"] and proposal["structure"] == "open":
            validations, decisions = self._facts(db, programme, key)
            rule, founders = self._rule(db, programme)
            reading = read_proposal(
                rule=rule, founders=founders, validations=validations, decisions=decisions
            )
            if (
                reading.adopted
                and reading.adopted_by is not None
                and reading.adopted_on is not None
            ):
                validation = reading.validation
                shown = {
                    "shown": 1,
                    "title": proposal["title"],
                    "axis": proposal["axis"],
                    "synthesised_at": proposal["synthesised_at"],
                    "adopted_at": (
                        proposal["adopted_at"]
                        if proposal["adopted"]
                        else reading.adopted_by.position
                    ),
                    "decisions": json.dumps(
                        {
                            founder: {
                                "decision": d.decision,
                                "rationale": d.rationale,
                                "occurred_at": d.occurred_at,
                            }
                            for founder, d in reading.decisions.items()
                        }
                    ),
                    "validated_by": validation.body if validation else "",
                    "minutes": validation.minutes if validation else "",
                    "adopted_on": reading.adopted_on.occurred_at,
                }
        current = self._current(db, "priorities", (programme, key))
        if current is None:
            if shown is not None:
                self._add(db, "priorities", {"programme": programme, "key": key, **shown}, pos)
            return
        if shown is None:
            if current["shown"]:
                self._revise(db, "priorities", (programme, key), pos, {"shown": 0})
            return
        changes = {c: v for c, v in shown.items() if current[c] != v}
        if changes:
            self._revise(db, "priorities", (programme, key), pos, changes)

    # -- the events the plan shows, each by its class -----------------------------

    @singledispatchmethod
    def _on(self, e: object, db: Db, pos: int, s: Subject) -> None:
        """Any other event: the plan does not show it (``apply`` skips it)."""

    # -- programme ---------------------------------------------------------------

    @_on.register
    def _programme_opened(self, e: Programme.Opened, db: Db, pos: int, s: Subject) -> None:
        row = {
            "programme": s.programme,
            "title": e.title,
            "organiser": e.organiser,
            "rule": e.rule,
            "founders": json.dumps(e.founders),
            "axes": "{}",
            "part_of": None,
        }
        self._add(db, "programmes", row, pos)

    @_on.register
    def _programme_axis_added(
        self, e: Programme.AxisAdded | Programme.PartAdded, db: Db, pos: int, s: Subject
    ) -> None:
        p = s.programme
        current = self._current(db, "programmes", (p,))
        assert current is not None  # a programme's axes follow its opening
        axes = json.loads(current["axes"])
        axes[e.key] = e.title
        self._revise(db, "programmes", (p,), pos, {"axes": json.dumps(axes)})
        parent, level = getattr(e, "parent", None), getattr(e, "level", DEFAULT_LEVEL)
        part = {"programme": p, "key": e.key, "title": e.title, "parent": parent}
        self._add(db, "parts", part | {"level": level, "position": pos}, pos)

    @_on.register
    def _programme_part_of(self, e: Programme.PartOfRecorded, db: Db, pos: int, s: Subject) -> None:
        self._revise(db, "programmes", (s.programme,), pos, {"part_of": e.part_of})

    # -- proposals ---------------------------------------------------------------

    @_on.register
    def _proposal_synthesised(self, e: Proposal.Synthesised, db: Db, pos: int, s: Subject) -> None:
        row = {
            "programme": s.programme,
            "key": s.key,
            "title": e.title,
            "axis": e.axis,
            "structure": "open",
            "void": 0,
            "adopted": 0,
            "adopted_at": None,
            "synthesised_at": pos,
        }
        self._add(db, "proposals", row, pos)
        # A new proposal has neither validations nor decisions yet, nor a priority.
        self._kept(db)[(s.programme, s.key)] = ({}, {})
        self._rows(db)[("priorities", (s.programme, s.key))] = None

    @_on.register
    def _proposal_reworded(self, e: Proposal.Reworded, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        self._revise(db, "proposals", (p, key), pos, {"title": e.title})
        self._read_priority(db, pos, p, key)

    @_on.register
    def _proposal_merged_into(self, e: Proposal.MergedInto, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        self._revise(db, "proposals", (p, key), pos, {"structure": "merged"})
        self._read_priority(db, pos, p, key)

    @_on.register
    def _proposal_split_into(self, e: Proposal.SplitInto, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        self._revise(db, "proposals", (p, key), pos, {"structure": "split"})
        self._read_priority(db, pos, p, key)

    @_on.register
    def _proposal_validated(self, e: Proposal.Validated, db: Db, pos: int, s: Subject) -> None:
        row = {
            "programme": s.programme,
            "proposal": s.key,
            "record": e.originator_version,
            "body": e.body,
            "minutes": e.minutes,
            "outcome": e.outcome,
            "position": pos,
            "annulled": 0,
        }
        self._add(db, "validations", row, pos)
        self._read_priority(db, pos, s.programme, s.key)

    @_on.register
    def _proposal_founder_decided(
        self, e: Proposal.FounderDecided, db: Db, pos: int, s: Subject
    ) -> None:
        row = {
            "programme": s.programme,
            "proposal": s.key,
            "record": e.originator_version,
            "founder": e.founder,
            "decision": e.decision,
            "rationale": e.rationale,
            "validation": e.validation,
            "occurred_at": e.audit.occurred_at.isoformat(),
            "position": pos,
            "annulled": 0,
        }
        self._add(db, "decisions", row, pos)
        self._read_priority(db, pos, s.programme, s.key)

    @_on.register
    def _proposal_adopted(self, e: Proposal.Adopted, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        self._revise(db, "proposals", (p, key), pos, {"adopted": 1, "adopted_at": pos})
        self._read_priority(db, pos, p, key)

    @_on.register
    def _proposal_adoption_withdrawn(
        self, e: Proposal.AdoptionWithdrawn, db: Db, pos: int, s: Subject
    ) -> None:
        p, key = s.programme, s.key
        self._revise(db, "proposals", (p, key), pos, {"adopted": 0, "adopted_at": None})
        self._read_priority(db, pos, p, key)

    # -- actions -----------------------------------------------------------------

    @_on.register
    def _action_assigned(self, e: Action.Assigned, db: Db, pos: int, s: Subject) -> None:
        row = {
            "programme": s.programme,
            "key": s.key,
            "priority": e.priority,
            "title": e.title,
            "lead": e.lead,
            "partners": json.dumps(e.partners),
            "due": e.due,
            "void": 0,
            "proposals": None,
        }
        self._add(db, "actions", row, pos)

    @_on.register
    def _action_result_recorded(
        self, e: Action.ResultRecorded, db: Db, pos: int, s: Subject
    ) -> None:
        # A result of the body's own account: listed apart from the priorities'
        # actions (its proposals need not be adopted), with the proposals behind it.
        row = {
            "programme": s.programme,
            "key": s.key,
            "priority": e.priority,
            "title": e.title,
            "lead": e.lead,
            "partners": json.dumps(e.partners),
            "due": e.due,
            "void": 0,
            "proposals": json.dumps(e.proposals),
        }
        self._add(db, "actions", row, pos)

    @_on.register
    def _action_progress_reported(
        self, e: Action.ProgressReported, db: Db, pos: int, s: Subject
    ) -> None:
        row = {
            "programme": s.programme,
            "action": s.key,
            "record": e.originator_version,
            "status": e.status,
            "percent": e.percent,
            "note": e.note,
            "annulled": 0,
        }
        self._add(db, "reports", row, pos)

    # -- corrections ---------------------------------------------------------------

    @_on.register
    def _record_annulled(
        self, e: RegistreAggregate.RecordAnnulled, db: Db, pos: int, s: Subject
    ) -> None:
        p, key = s.programme, s.key
        target = e.target_version
        if s.kind == "proposal":
            if target == 1:
                self._revise(db, "proposals", (p, key), pos, {"void": 1})
            for table in ("validations", "decisions"):
                self._revise(db, table, (p, key, target), pos, {"annulled": 1})
            self._read_priority(db, pos, p, key)
        elif s.kind == "action":
            if target == 1:
                self._revise(db, "actions", (p, key), pos, {"void": 1})
            self._revise(db, "reports", (p, key, target), pos, {"annulled": 1})


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
class PlanResult:
    """An action as the body accounts for it on its own platform, with the
    proposals behind it (key, title), whether or not they are priorities."""

    key: str
    title: str
    lead: str
    status: str
    progress: int
    proposals: list[tuple[str, str]]


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
    # when the founder's decision that met the programme's rule happened (ISO 8601)
    adopted_on: str = ""


@dataclass
class ActionPlan:
    programme: str
    title: str
    rule: str
    founders: dict[str, str]
    axes: dict[str, str]
    priorities: list[PlanPriority]
    # The structure's parts at every level, in the order they were recorded.
    parts: list[Part] = field(default_factory=list)
    # The larger programme this one is part of (slug, title), and its own parts.
    part_of: tuple[str, str] | None = None
    sub_programmes: list[tuple[str, str]] = field(default_factory=list)
    # The results the body accounts for (imported from its platform).
    results: list[PlanResult] = field(default_factory=list)

    @property
    def structure(self) -> Structure:
        return Structure(self.parts)

    def by_axis(self) -> dict[str | None, list[PlanPriority]]:
        grouped: dict[str | None, list[PlanPriority]] = {a: [] for a in self.axes}
        for p in self.priorities:
            grouped.setdefault(p.axis, []).append(p)
        return {a: ps for a, ps in grouped.items() if ps}


def holding(at: int | None) -> tuple[str, tuple[int, ...]]:
    """The condition, and its parameters, on the rows of a table with history
    that held at position ``at`` (None: the rows that hold now)."""
    if at is None:
        return "valid_to IS NULL", ()
    return "valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)", (at, at)


def _adoption_order(row: Sequence[Any]) -> tuple[int, int]:
    """A priority's row (``read_plan``) by its adoption, then its synthesis."""
    return row[3], row[8]


def read_plan(db: Db, programme: str, at: int | None = None) -> ActionPlan | None:
    """The action plan of a programme as it stood at store position ``at``
    (None: now), from the rows of the plan projection's views that held then.

    One query per table, whatever the size of the plan."""
    held, when = holding(at)
    rows = db.rows(
        "SELECT title, rule, founders, axes, part_of FROM {programmes} "
        f"WHERE programme = ? AND {held}",
        (programme, *when),
    )
    if not rows:
        return None
    head = rows[0]
    plan = ActionPlan(
        programme,
        head["title"],
        head["rule"],
        json.loads(head["founders"]),
        json.loads(head["axes"]),
        [],
    )
    plan.parts, plan.part_of, plan.sub_programmes = read_structure(
        db, programme, head["part_of"], held, when
    )
    # Which proposals are adopted priorities was read from their validations and
    # founders' decisions by the programme's rule (registre.domain.reading) each
    # time their record changed, so the plan as of any moment holds exactly the
    # priorities whose rule was met then. In the order of their adoption, then
    # of their synthesis.
    # Sorted here: the store would sort the whole rows, with their texts.
    shown = sorted(
        db.values(
            "SELECT key, title, axis, adopted_at, decisions, validated_by, minutes, adopted_on, "
            f"synthesised_at FROM {{priorities}} WHERE programme = ? AND shown = 1 AND {held}",
            (programme, *when),
        ),
        key=_adoption_order,
    )
    # Every priority's decisions in one parse, not one call to the decoder each.
    decided = json.loads("[" + ",".join(r[4] for r in shown) + "]")
    priorities = {
        key: PlanPriority(
            key, title, axis, adopted_at, decisions, validated_by, minutes, adopted_on=adopted_on
        )
        for (
            key,
            title,
            axis,
            adopted_at,
            _,
            validated_by,
            minutes,
            adopted_on,
            _,
        ), decisions in zip(shown, decided, strict=True)
    }
    # Rows as values, not dicts: a national plan reads tens of thousands of them.
    progress: dict[str, tuple[str, int]] = {}
    for action, status, percent in db.values(
        "SELECT action, status, percent FROM {reports} "
        f"WHERE programme = ? AND annulled = 0 AND {held} ORDER BY record",
        (programme, *when),
    ):
        progress[action] = (status, percent)
    titles: dict[str, str] | None = None  # the proposals that stood, read for a result
    planned = ("planned", 0)
    partnered: list[tuple[PlanAction, str]] = []  # actions with partners, and their JSON
    for key, priority_key, title, lead, partners, due, behind in db.values(
        "SELECT key, priority, title, lead, partners, due, proposals FROM {actions} "
        f"WHERE programme = ? AND void = 0 AND {held} ORDER BY key",
        (programme, *when),
    ):
        status, percent = progress.get(key, planned)
        if behind is not None:
            if titles is None:
                titles = {
                    k: t
                    for k, t in db.values(
                        "SELECT key, title FROM {proposals} "
                        f"WHERE programme = ? AND void = 0 AND structure = 'open' AND {held}",
                        (programme, *when),
                    )
                }
            plan.results.append(
                PlanResult(
                    key,
                    title,
                    lead,
                    status,
                    percent,
                    [(k, titles[k]) for k in json.loads(behind) if k in titles],
                )
            )
            continue
        priority = priorities.get(priority_key)
        if priority is None:
            continue
        planned_action = PlanAction(key, title, lead, [], due, status, percent)
        priority.actions.append(planned_action)
        if partners != "[]":
            partnered.append((planned_action, partners))
    # Every action's partners in one parse, as the priorities' decisions.
    named = json.loads("[" + ",".join(p for _, p in partnered) + "]")
    for (partnered_action, _), partners_named in zip(partnered, named, strict=True):
        partnered_action.partners = partners_named
    plan.priorities = list(priorities.values())
    return plan


def read_parts(db: Db, programme: str, at: int | None = None) -> Structure:
    """A programme's structure as it stood at ``at`` (None: now), from the plan's views."""
    held, when = holding(at)
    return Structure(read_structure(db, programme, None, held, when)[0])


def read_structure(
    db: Db, programme: str, part_of: str | None, held: str, when: Sequence[Any]
) -> tuple[list[Part], tuple[str, str] | None, list[tuple[str, str]]]:
    """A programme's parts, its larger programme and the programmes that are part
    of it, from the rows that held (``held`` and ``when``, see ``holding``)."""
    parts = [
        Part(r["key"], r["title"], r["parent"], r["level"])
        for r in db.rows(
            "SELECT key, title, parent, level FROM {parts} "
            f"WHERE programme = ? AND {held} ORDER BY position",
            (programme, *when),
        )
    ]
    larger: tuple[str, str] | None = None
    if part_of is not None:
        found = db.rows(
            f"SELECT title FROM {{programmes}} WHERE programme = ? AND {held}",
            (part_of, *when),
        )
        larger = (part_of, found[0]["title"] if found else part_of)
    within = [
        (r["programme"], r["title"])
        for r in db.rows(
            f"SELECT programme, title FROM {{programmes}} WHERE part_of = ? AND {held} "
            "ORDER BY programme",
            (programme, *when),
        )
    ]
    return parts, larger, within


def recorded_facts(
    db: Db, programme: str, held: str = "valid_to IS NULL", when: Sequence[Any] = ()
) -> tuple[dict[str, list[ValidationFact]], dict[str, list[DecisionFact]]]:
    """Each proposal's validations and founders' decisions as the plan's tables
    hold them (by default now; ``held`` and ``when`` for a moment of the past),
    for the read rules of ``registre.domain.reading``."""
    validations: dict[str, list[ValidationFact]] = {}
    for proposal, record, body, minutes, outcome, annulled in db.values(
        "SELECT proposal, record, body, minutes, outcome, annulled FROM {validations} "
        f"WHERE programme = ? AND {held} ORDER BY record",
        (programme, *when),
    ):
        fact = ValidationFact(record, body, minutes, outcome, bool(annulled))
        held_by = validations.get(proposal)
        if held_by is None:
            validations[proposal] = [fact]
        else:
            held_by.append(fact)
    decisions: dict[str, list[DecisionFact]] = {}
    for (
        proposal,
        record,
        validation,
        founder,
        decision,
        rationale,
        occurred_at,
        position,
        annulled,
    ) in db.values(
        "SELECT proposal, record, validation, founder, decision, rationale, occurred_at, "
        f"position, annulled FROM {{decisions}} WHERE programme = ? AND {held} ORDER BY record",
        (programme, *when),
    ):
        taken = DecisionFact(
            record,
            founder,
            decision,
            rationale,
            validation,
            occurred_at,
            position,
            bool(annulled),
        )
        made = decisions.get(proposal)
        if made is None:
            decisions[proposal] = [taken]
        else:
            made.append(taken)
    return validations, decisions
