"""Provenance: how every proposal and priority came to be, step by step.

Its tables follow the log: ``edges`` (a proposal citing a contribution's
version, merged into or split into another, voted on in a round, carried out
by an action), ``votes`` (each vote with its retraction or annulment), and
who took part. The steps of a lineage (every record of a contribution,
proposal, round, ballot or action, with who recorded it, for whom, when and
from where) are the audit log's records, read as ``{steps}``: one row per
record serves the history and the trace.
Which votes count is decided when reading, because it depends on events that
come later: a replacement, a retraction, an annulment, the close of the round.

The trace of one proposal is walked from these tables when it is read
(``projections/trace.py``).
"""

from __future__ import annotations

import json
from functools import singledispatchmethod
from typing import Any, ClassVar

from registre.domain import (
    Action,
    Ballot,
    Participant,
    Programme,
    Proposal,
    RegistreAggregate,
    Round,
)
from registre.projections.dispatch import call, handles
from registre.projections.runner import Db, Projection, Subject

# Aggregates whose events make up a lineage; every other event is ignored.
TRACKED = ("contribution", "proposal", "round", "ballot", "action", "participant")


class Provenance(Projection):
    name = "provenance"
    tables: ClassVar[dict[str, str]] = {
        "edges": "position BIGINT NOT NULL, programme TEXT NOT NULL, from_kind TEXT NOT NULL, "
        "from_key TEXT NOT NULL, from_version INTEGER, to_kind TEXT NOT NULL, "
        "to_key TEXT NOT NULL, relation TEXT NOT NULL",
        "votes": "position BIGINT PRIMARY KEY, programme TEXT NOT NULL, round TEXT NOT NULL, "
        "participant TEXT NOT NULL, proposal TEXT NOT NULL, value INTEGER NOT NULL, "
        "record INTEGER NOT NULL, retracted_by BIGINT, annulled TEXT, annulled_by BIGINT",
        "participants": "programme TEXT NOT NULL, key TEXT NOT NULL, organisation TEXT, "
        "organisation_type TEXT NOT NULL, erased INTEGER NOT NULL, void INTEGER NOT NULL, "
        "PRIMARY KEY (programme, key)",
        # the programme's founders and rule, by which a proposal's state is read
        "programmes": "programme TEXT PRIMARY KEY, rule TEXT NOT NULL, founders TEXT NOT NULL",
    }
    # 2: indexes to walk a lineage and find a proposal's ballot steps.
    # 3: annulled registrations, and the programme's rule, to read a proposal's state.
    # 4: subjects read from the table the projections share.
    # 5: the steps are the audit log's records (``reads``), not a copy of them.
    version = 5
    uses_subjects = True
    reads: ClassVar[dict[str, tuple[str, str]]] = {"steps": ("audit", "events")}
    retired: ClassVar[tuple[str, ...]] = ("steps",)
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "edges": ("programme, to_kind, to_key", "programme, from_kind, from_key"),
        "votes": "programme, proposal",
    }
    # The votes a retraction takes back, found while applying.
    applying: ClassVar[dict[str, tuple[str, ...]]] = {"votes": ("programme, proposal",)}

    def apply(self, db: Db, position: int, event: Any) -> None:
        if getattr(event, "audit", None) is None:
            return
        handlers = vars(Provenance)["_on"]
        if event.originator_version == 1 and type(event) is Programme.Opened:
            # Kept to tell an unknown programme from an unknown proposal, and
            # to read a proposal's state by the programme's rule.
            row = {
                "programme": event.slug,
                "rule": event.rule,
                "founders": json.dumps(event.founders, ensure_ascii=False),
            }
            db.add("programmes", row)
            return
        if not handles(handlers, event):
            return  # nothing of a lineage to keep: the step is the audit log's record
        subject = self.subject(db, event)
        if subject is None or subject.kind not in TRACKED:
            return  # an event of something no lineage goes through
        call(handlers, self, event, db, position, subject)

    # Each handler keeps what the event adds to a lineage: edges, votes, who took part.

    @singledispatchmethod
    def _on(self, e: object, db: Db, pos: int, s: Subject) -> None:
        """Any other event: nothing beside its step."""

    def _edge(
        self,
        db: Db,
        pos: int,
        p: str,
        src: tuple[str, str, int | None],
        to: tuple[str, str],
        rel: str,
    ) -> None:
        db.add(
            "edges",
            {
                "position": pos,
                "programme": p,
                "from_kind": src[0],
                "from_key": src[1],
                "from_version": src[2],
                "to_kind": to[0],
                "to_key": to[1],
                "relation": rel,
            },
        )

    @_on.register
    def _proposal_synthesised(self, e: Proposal.Synthesised, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        for source in e.sources:
            self._edge(
                db,
                pos,
                p,
                ("contribution", source["contribution"], source["version"]),
                ("proposal", key),
                "cites",
            )

    @_on.register
    def _proposal_merged_into(self, e: Proposal.MergedInto, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        self._edge(db, pos, p, ("proposal", key, None), ("proposal", e.target), "merged-into")

    @_on.register
    def _proposal_split_into(self, e: Proposal.SplitInto, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        for part in e.parts:
            self._edge(db, pos, p, ("proposal", key, None), ("proposal", part), "split-into")

    @_on.register
    def _round_opened(self, e: Round.Opened, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        for proposal in e.proposals:
            self._edge(db, pos, p, ("proposal", proposal, None), ("round", key), "voted-in")

    @_on.register
    def _vote_cast(self, e: Ballot.VoteCast, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        round_, participant = key.split("/", 1)
        row = {
            "position": pos,
            "programme": p,
            "round": round_,
            "participant": participant,
            "proposal": e.proposal,
            "value": e.value,
            "record": e.originator_version,
            "retracted_by": None,
            "annulled": None,
            "annulled_by": None,
        }
        group = (p, round_, participant, e.proposal)
        db.add("votes", row, (p, round_, participant, e.originator_version), group)

    @_on.register
    def _vote_retracted(self, e: Ballot.VoteRetracted, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        round_, participant = key.split("/", 1)
        # A retraction takes back every vote the ballot still holds on the proposal.
        for vote in db.added("votes", (p, round_, participant, e.proposal)):
            if vote["retracted_by"] is None:
                vote["retracted_by"] = pos
        db.later(
            "UPDATE {votes} SET retracted_by = ? WHERE programme = ? AND round = ? "
            "AND participant = ? AND proposal = ? AND retracted_by IS NULL",
            (pos, p, round_, participant, e.proposal),
        )

    @_on.register
    def _action_assigned(self, e: Action.Assigned, db: Db, pos: int, s: Subject) -> None:
        p, key = s.programme, s.key
        self._edge(db, pos, p, ("proposal", e.priority, None), ("action", key), "carried-out-by")

    @_on.register
    def _action_result_recorded(
        self, e: Action.ResultRecorded, db: Db, pos: int, s: Subject
    ) -> None:
        # A result as the body accounts for it: every proposal behind it leads to it.
        p, key = s.programme, s.key
        for proposal in e.proposals:
            self._edge(db, pos, p, ("proposal", proposal, None), ("action", key), "carried-out-by")

    @_on.register
    def _participant_registered(
        self, e: Participant.Registered, db: Db, pos: int, s: Subject
    ) -> None:
        _participant(db, s, e.organisation, e.organisation_type)

    @_on.register
    def _participant_registered_withheld(
        self,
        e: Participant.RegisteredOrganisationWithheld,
        db: Db,
        pos: int,
        s: Subject,
    ) -> None:
        # An organisation of one person: its name is not in the record.
        _participant(db, s, None, e.organisation_type)

    @_on.register
    def _participant_erased(
        self, e: Participant.PersonalDataErased, db: Db, pos: int, s: Subject
    ) -> None:
        p, key = s.programme, s.key
        # Once erased, a participant is named by key alone; the type still counts.
        held = db.held("participants", (p, key))
        if held is not None:
            held.update(erased=1, organisation=None)
        else:
            db.later(
                "UPDATE {participants} SET erased = 1, organisation = NULL "
                "WHERE programme = ? AND key = ?",
                (p, key),
            )

    @_on.register
    def _annulled(self, e: RegistreAggregate.RecordAnnulled, db: Db, pos: int, s: Subject) -> None:
        # The annulled step is marked in the audit log; here what it fed.
        p, owner, key = s.programme, s.kind, s.key
        target = e.target_version
        if owner == "participant" and target == 1:
            # An annulled registration: the participant fed nothing.
            held = db.held("participants", (p, key))
            if held is not None:
                held["void"] = 1
            else:
                db.later(
                    "UPDATE {participants} SET void = 1 WHERE programme = ? AND key = ?", (p, key)
                )
        if owner != "ballot":
            return
        round_, participant = key.split("/", 1)
        vote = db.held("votes", (p, round_, participant, target))
        if vote is not None:
            vote.update(annulled=e.reason, annulled_by=pos)
            return
        db.later(
            "UPDATE {votes} SET annulled = ?, annulled_by = ? WHERE programme = ? AND round = ? "
            "AND participant = ? AND record = ?",
            (e.reason, pos, p, round_, participant, target),
        )


def _participant(db: Db, s: Subject, organisation: str | None, organisation_type: str) -> None:
    row = {
        "programme": s.programme,
        "key": s.key,
        "organisation": organisation,
        "organisation_type": organisation_type,
        "erased": 0,
        "void": 0,
    }
    db.add("participants", row, (s.programme, s.key))
