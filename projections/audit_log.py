"""The audit log: every event in store order, with who, for whom, when and from where.

Events name their aggregate by id only; the creation event of each aggregate
gives its programme, kind and key, which this projection remembers so every
later event can be filtered by programme.

Each record is one row, which both the history and the trace read (the trace
as provenance's ``{steps}``): what it says (its detail), the proposal a
ballot's record is about, and the correction that annulled it, if one did.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from registre.domain import Audit
from registre.projections.runner import Db, Projection


def describe(event: Any) -> tuple[str, str]:
    """(aggregate kind, event kind) of a domain event, e.g. ("proposal", "Validated")."""
    owner, _, kind = type(event).__qualname__.rpartition(".")
    return owner.lower(), kind


# json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str), without
# making an encoder for each record.
_detail_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str).encode

# The columns of a record as the history reads them (the others are the trace's).
HISTORY_COLUMNS = (
    "position, programme, subject_kind, subject, version, kind, actor, on_behalf_of, "
    "occurred_at, recorded_at, source, command_id, detail"
)


class AuditLog(Projection):
    name = "audit"
    tables: ClassVar[dict[str, str]] = {
        "events": "position BIGINT PRIMARY KEY, programme TEXT NOT NULL, "
        "subject_kind TEXT NOT NULL, subject TEXT NOT NULL, version INTEGER NOT NULL, "
        "kind TEXT NOT NULL, actor TEXT NOT NULL, on_behalf_of TEXT, "
        "occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, source TEXT, "
        "command_id TEXT NOT NULL, detail TEXT NOT NULL, about TEXT, annulled TEXT, "
        "annulled_by BIGINT",
    }
    # 2: what each record says (its detail), so history can say what it did.
    # 3: indexed by subject, so a record's neighbours are found without a scan.
    # 4: subjects read from the table the projections share.
    # 5: the steps of provenance too (the proposal a ballot's record is about, the
    #    correction that annulled a record): one row per record instead of two.
    version = 5
    uses_subjects = True
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "events": (
            "programme, position",
            "programme, subject_kind, subject, version",
            # the last position recorded by a moment (the plan as of a date)
            "recorded_at, position",
            # a proposal's ballot records (the trace)
            "programme, about",
        )
    }
    # A record's position, found by its subject and version while applying.
    applying: ClassVar[dict[str, tuple[str, ...]]] = {
        "events": ("programme, subject_kind, subject, version",)
    }

    def apply(self, db: Db, position: int, event: Any) -> None:
        audit: Audit | None = getattr(event, "audit", None)
        if audit is None:
            return
        subject = self.subject(db, event)
        assert subject is not None  # the shared subjects record every creation
        kind = type(event).__name__
        version = event.originator_version
        # A creation's programme and key name the subject; a later record's
        # "key" is what it says (an axis's key).
        envelope = CREATION if version == 1 else ENVELOPE
        detail = {k: v for k, v in vars(event).items() if k not in envelope}
        p, owner, key = subject.programme, subject.kind, subject.key
        about: str | None = None
        # Positions a reader can follow: the record annulled, the decision revised,
        # and the number of a contribution's text (records and texts differ).
        if kind == "RecordAnnulled":
            target = _annul(db, position, p, owner, key, event.target_version, event.reason)
            detail["target_position"] = target[0] if target else None
            # A ballot's record annulled is about the proposal of the vote it annulled.
            about = target[1] if target and owner == "ballot" else None
        elif owner == "ballot" and kind in ("VoteCast", "VoteRetracted"):
            about = str(event.proposal)
        elif kind == "FounderDecided" and event.revises is not None:
            detail["revises_position"] = _position_of(db, p, owner, key, event.revises)
        elif owner == "contribution" and kind in ("Submitted", "Amended"):
            detail["text_version"] = _text_version(db, p, key, kind)
        db.add(
            "events",
            {
                "position": position,
                "programme": p,
                "subject_kind": owner,
                "subject": key,
                "version": version,
                "kind": kind,
                "actor": audit.actor,
                "on_behalf_of": audit.on_behalf_of,
                "occurred_at": audit.occurred_at.isoformat(),
                "recorded_at": audit.recorded_at.isoformat(),
                "source": audit.source,
                "command_id": audit.command_id,
                "detail": _detail_json(detail),
                "about": about,
                "annulled": None,
                "annulled_by": None,
            },
            (p, owner, key, version),
        )


# Event attributes that are the envelope, not what the record says; and those
# of a creation, whose programme and key name the subject.
ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "audit"}
CREATION = ENVELOPE | {"programme", "key"}


def _annul(
    db: Db, position: int, p: str, kind: str, key: str, version: int, reason: str
) -> tuple[int, str | None] | None:
    """Marks record ``version`` of a subject annulled by the correction at
    ``position``; its position, and the proposal it is about if it cast a vote
    (None: no such record)."""
    held = db.held("events", (p, kind, key, version))
    if held is not None:
        held.update(annulled=reason, annulled_by=position)
        cast = held["about"] if held["kind"] == "VoteCast" else None
        return int(held["position"]), cast
    db.later(
        "UPDATE {events} SET annulled = ?, annulled_by = ? WHERE programme = ? "
        "AND subject_kind = ? AND subject = ? AND version = ?",
        (reason, position, p, kind, key, version),
    )
    found = db.stored(
        "SELECT position, kind, about FROM {events} WHERE programme = ? AND subject_kind = ? "
        "AND subject = ? AND version = ?",
        (p, kind, key, version),
    )
    if not found:
        return None
    r = found[0]
    return int(r["position"]), (str(r["about"]) if r["kind"] == "VoteCast" else None)


def _text_version(db: Db, p: str, key: str, kind: str) -> int:
    """The number of the text a contribution's record gives: 1 when submitted,
    one more at each amendment (kept for the run; counted when not known)."""
    remembered = f"texts/{p}/{key}"
    if kind == "Submitted":
        return db.remember(remembered, 1)
    known: int | None = db.known.get(remembered)
    if known is None:
        known = int(
            db.rows(
                "SELECT COUNT(*) AS n FROM {events} WHERE programme = ? "
                "AND subject_kind = 'contribution' AND subject = ? "
                "AND kind IN ('Submitted', 'Amended')",
                (p, key),
            )[0]["n"]
        )
    return db.remember(remembered, known + 1)


def _position_of(db: Db, p: str, kind: str, key: str, version: int) -> int | None:
    held = db.held("events", (p, kind, key, version))
    if held is not None:
        return int(held["position"])
    found = db.stored(
        "SELECT position FROM {events} WHERE programme = ? AND subject_kind = ? AND subject = ? "
        "AND version = ?",
        (p, kind, key, version),
    )
    return int(found[0]["position"]) if found else None


def read_history(
    db: Db,
    programme: str,
    actor: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    until: str | None = None,
    receipts: bool = False,
) -> list[dict[str, Any]]:
    """The programme's events in store order, filtered by actor, event kind
    (e.g. ``Validated`` or ``proposal``) and the time they happened (ISO 8601
    bounds on ``occurred_at``, the date history shows); command receipts only
    when asked."""
    where, params = ["programme = ?"], [programme]
    if not receipts:
        where.append("subject_kind <> 'command'")
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if kind:
        where.append("(kind = ? OR subject_kind = ?)")
        params += [kind, kind]
    if since:
        where.append("occurred_at >= ?")
        params.append(since)
    if until:
        where.append("occurred_at < ?")
        params.append(until)
    rows = db.rows(
        f"SELECT {HISTORY_COLUMNS} FROM {{events}} WHERE "
        + " AND ".join(where)
        + " ORDER BY position",
        params,
    )
    return [r | {"detail": json.loads(r["detail"])} for r in rows]


def has_events(db: Db, programme: str) -> bool:
    return bool(db.rows("SELECT position FROM {events} WHERE programme = ? LIMIT 1", (programme,)))
