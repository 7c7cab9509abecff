"""The audit log: every event in store order, with who, for whom, when and from where.

Events name their aggregate by id only; the creation event of each aggregate
gives its programme, kind and key, which this projection remembers so every
later event can be filtered by programme.
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


_stamped: list[Any] = [None, ("", "")]


def stamps(audit: Audit) -> tuple[str, str]:
    """(occurred_at, recorded_at) of an event's audit, in ISO 8601: written by
    both the audit log and provenance, so the last one is kept."""
    if _stamped[0] is not audit:
        _stamped[:] = [audit, (audit.occurred_at.isoformat(), audit.recorded_at.isoformat())]
    found: tuple[str, str] = _stamped[1]
    return found


class AuditLog(Projection):
    name = "audit"
    tables: ClassVar[dict[str, str]] = {
        "events": "position BIGINT PRIMARY KEY, programme TEXT NOT NULL, "
        "subject_kind TEXT NOT NULL, subject TEXT NOT NULL, version INTEGER NOT NULL, "
        "kind TEXT NOT NULL, actor TEXT NOT NULL, on_behalf_of TEXT, "
        "occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, source TEXT, "
        "command_id TEXT NOT NULL, detail TEXT NOT NULL",
    }
    # 2: what each record says (its detail), so history can say what it did.
    # 3: indexed by subject, so a record's neighbours are found without a scan.
    # 4: subjects read from the table the projections share.
    version = 4
    uses_subjects = True
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {
        "events": (
            "programme, position",
            "programme, subject_kind, subject, version",
            # the last position recorded by a moment (the plan as of a date)
            "recorded_at, position",
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
        kind = describe(event)[1]
        # A creation's programme and key name the subject; a later record's
        # "key" is what it says (an axis's key).
        envelope = ENVELOPE | ({"programme", "key"} if event.originator_version == 1 else set())
        detail = {k: v for k, v in vars(event).items() if k not in envelope}
        p, owner, key = subject.programme, subject.kind, subject.key
        # Positions a reader can follow: the record annulled, the decision revised,
        # and the number of a contribution's text (records and texts differ).
        if kind == "RecordAnnulled":
            detail["target_position"] = _position_of(db, p, owner, key, event.target_version)
        elif kind == "FounderDecided" and event.revises is not None:
            detail["revises_position"] = _position_of(db, p, owner, key, event.revises)
        elif owner == "contribution" and kind in ("Submitted", "Amended"):
            detail["text_version"] = _text_version(db, p, key, kind)
        version = event.originator_version
        occurred, recorded = stamps(audit)
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
                "occurred_at": occurred,
                "recorded_at": recorded,
                "source": audit.source,
                "command_id": audit.command_id,
                "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
            },
            (p, owner, key, version),
        )


# Event attributes that are the envelope, not what the record says.
ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic", "audit"}


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
        "SELECT * FROM {events} WHERE " + " AND ".join(where) + " ORDER BY position", params
    )
    return [r | {"detail": json.loads(r["detail"])} for r in rows]


def has_events(db: Db, programme: str) -> bool:
    return bool(db.rows("SELECT position FROM {events} WHERE programme = ? LIMIT 1", (programme,)))
