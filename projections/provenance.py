"""Provenance: how every proposal and priority came to be, step by step.

Three tables follow the log: ``steps`` (every recorded step of a
contribution, proposal, round, ballot or action, with who recorded it, for
whom, when and from where), ``edges`` (a proposal citing a contribution's
version, merged into or split into another, voted on in a round, carried out
by an action) and ``votes`` (each vote with its retraction or annulment).
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
    Contribution,
    Participant,
    Proposal,
    RegistreAggregate,
    Round,
)
from registre.projections.audit_log import describe, stamps
from registre.projections.dispatch import call
from registre.projections.runner import Db, Projection, Subject

# Aggregates whose events make up a lineage; every other event is ignored.
TRACKED = ("contribution", "proposal", "round", "ballot", "action", "participant")
# Event attributes that are the envelope, not what the step says.
ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "audit"}
ENVELOPE |= {"programme", "key"}


class Provenance(Projection):
    name = "provenance"
    tables: ClassVar[dict[str, str]] = {
        "steps": "position BIGINT PRIMARY KEY, programme TEXT NOT NULL, "
        "subject_kind TEXT NOT NULL, subject TEXT NOT NULL, version INTEGER NOT NULL, "
        "kind TEXT NOT NULL, about TEXT, actor TEXT NOT NULL, on_behalf_of TEXT, "
        "occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, source TEXT, "
        "detail TEXT NOT NULL, annulled TEXT, annulled_by BIGINT",
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
    version = 4
    uses_subjects = True
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "steps": ("programme, subject_kind, subject", "programme, about"),
        "edges": ("programme, to_kind, to_key", "programme, from_kind, from_key"),
        "votes": "programme, proposal",
    }
    # A step's position, and the votes a retraction takes back, while applying.
    applying: ClassVar[dict[str, tuple[str, ...]]] = {
        "steps": ("programme, subject_kind, subject",),
        "votes": ("programme, proposal",),
    }

    def apply(self, db: Db, position: int, event: Any) -> None:
        owner, kind = describe(event)
        audit = getattr(event, "audit", None)
        if audit is None:
            return
        if event.originator_version == 1:
            if owner == "programme":
                # Kept to tell an unknown programme from an unknown proposal, and
                # to read a proposal's state by the programme's rule.
                row = {
                    "programme": event.slug,
                    "rule": event.rule,
                    "founders": json.dumps(event.founders, ensure_ascii=False),
                }
                db.add("programmes", row)
                return
            if owner not in TRACKED:
                return
        subject = self.subject(db, event)
        if subject is None or subject.kind not in TRACKED:
            return  # an event of something no lineage goes through
        p, owner, key = subject.programme, subject.kind, subject.key
        detail = {k: v for k, v in vars(event).items() if k not in ENVELOPE}
        about = call(vars(Provenance)["_on"], self, event, db, position, subject, detail)
        if owner == "participant":
            return  # who took part is kept in `participants`, not as a step of a lineage
        version = event.originator_version
        occurred, recorded = stamps(audit)
        row = {
            "position": position,
            "programme": p,
            "subject_kind": owner,
            "subject": key,
            "version": version,
            "kind": kind,
            "about": about,
            "actor": audit.actor,
            "on_behalf_of": audit.on_behalf_of,
            "occurred_at": occurred,
            "recorded_at": recorded,
            "source": audit.source,
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
            "annulled": None,
            "annulled_by": None,
        }
        db.add("steps", row, (p, owner, key, version))

    # Each handler may add to the step's detail, and returns the proposal a
    # ballot step is about (None for other steps).

    @singledispatchmethod
    def _on(self, e: object, db: Db, pos: int, s: Subject, d: dict[str, Any]) -> str | None:
        """Any other event: a step with nothing more to say."""
        return None

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
    def _contribution_submitted(
        self, e: Contribution.Submitted, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
        d["text_version"] = db.remember(f"texts/{s.programme}/{s.key}", 1)

    @_on.register
    def _contribution_amended(
        self, e: Contribution.Amended, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
        p, key = s.programme, s.key
        # The text's number, which a proposal cites; records and text numbers
        # differ. Kept for the run; counted when it was forgotten.
        remembered = f"texts/{p}/{key}"
        texts: int | None = db.known.get(remembered)
        if texts is None:
            texts = int(
                db.rows(
                    "SELECT COUNT(*) AS n FROM {steps} WHERE programme = ? AND subject_kind = "
                    "'contribution' AND subject = ? AND kind IN ('Submitted', 'Amended')",
                    (p, key),
                )[0]["n"]
            )
        d["text_version"] = db.remember(remembered, texts + 1)

    @_on.register
    def _proposal_synthesised(
        self, e: Proposal.Synthesised, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
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
    def _proposal_merged_into(
        self, e: Proposal.MergedInto, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
        p, key = s.programme, s.key
        self._edge(db, pos, p, ("proposal", key, None), ("proposal", e.target), "merged-into")

    @_on.register
    def _proposal_split_into(
        self, e: Proposal.SplitInto, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
        p, key = s.programme, s.key
        for part in e.parts:
            self._edge(db, pos, p, ("proposal", key, None), ("proposal", part), "split-into")

    @_on.register
    def _founder_decided(
        self, e: Proposal.FounderDecided, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
        p, key = s.programme, s.key
        if e.revises is not None:
            d["revises_position"] = _position_of(db, p, "proposal", key, e.revises)

    @_on.register
    def _round_opened(
        self, e: Round.Opened, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
        p, key = s.programme, s.key
        for proposal in e.proposals:
            self._edge(db, pos, p, ("proposal", proposal, None), ("round", key), "voted-in")

    @_on.register
    def _vote_cast(
        self, e: Ballot.VoteCast, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> str:
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
        return str(e.proposal)

    @_on.register
    def _vote_retracted(
        self, e: Ballot.VoteRetracted, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> str:
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
        return str(e.proposal)

    @_on.register
    def _action_assigned(
        self, e: Action.Assigned, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
        p, key = s.programme, s.key
        self._edge(db, pos, p, ("proposal", e.priority, None), ("action", key), "carried-out-by")

    @_on.register
    def _action_result_recorded(
        self, e: Action.ResultRecorded, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
        # A result as the body accounts for it: every proposal behind it leads to it.
        p, key = s.programme, s.key
        for proposal in e.proposals:
            self._edge(db, pos, p, ("proposal", proposal, None), ("action", key), "carried-out-by")

    @_on.register
    def _participant_registered(
        self, e: Participant.Registered, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> None:
        _participant(db, s, e.organisation, e.organisation_type)

    @_on.register
    def _participant_registered_withheld(
        self,
        e: Participant.RegisteredOrganisationWithheld,
        db: Db,
        pos: int,
        s: Subject,
        d: dict[str, Any],
    ) -> None:
        # An organisation of one person: its name is not in the record.
        _participant(db, s, None, e.organisation_type)

    @_on.register
    def _participant_erased(
        self, e: Participant.PersonalDataErased, db: Db, pos: int, s: Subject, d: dict[str, Any]
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
    def _annulled(
        self, e: RegistreAggregate.RecordAnnulled, db: Db, pos: int, s: Subject, d: dict[str, Any]
    ) -> str | None:
        p, owner, key = s.programme, s.kind, s.key
        # The annulled step stays, marked with the reason and the correction's position.
        target = e.target_version
        d["target_position"] = _position_of(db, p, owner, key, target)
        step = db.held("steps", (p, owner, key, target))
        if step is not None:
            step.update(annulled=e.reason, annulled_by=pos)
        else:
            db.later(
                "UPDATE {steps} SET annulled = ?, annulled_by = ? WHERE programme = ? "
                "AND subject_kind = ? AND subject = ? AND version = ?",
                (e.reason, pos, p, owner, key, target),
            )
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
            return None
        round_, participant = key.split("/", 1)
        vote = db.held("votes", (p, round_, participant, target))
        if vote is not None:
            vote.update(annulled=e.reason, annulled_by=pos)
            return str(vote["proposal"])
        db.later(
            "UPDATE {votes} SET annulled = ?, annulled_by = ? WHERE programme = ? AND round = ? "
            "AND participant = ? AND record = ?",
            (e.reason, pos, p, round_, participant, target),
        )
        found = db.stored(
            "SELECT proposal FROM {votes} WHERE programme = ? AND round = ? AND participant = ? "
            "AND record = ?",
            (p, round_, participant, target),
        )
        return str(found[0]["proposal"]) if found else None


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


def _position_of(db: Db, p: str, kind: str, key: str, version: int) -> int | None:
    """Log position of record ``version`` of a subject."""
    held = db.held("steps", (p, kind, key, version))
    if held is not None:
        return int(held["position"])
    found = db.stored(
        "SELECT position FROM {steps} WHERE programme = ? AND subject_kind = ? AND subject = ? "
        "AND version = ?",
        (p, kind, key, version),
    )
    return int(found[0]["position"]) if found else None
