"""The audit log: every event in store order, with who, for whom, when and from where.

Events name their aggregate by id only; the creation event of each aggregate
gives its programme, kind and key, which this projection remembers so every
later event can be filtered by programme.
"""

from __future__ import annotations

from typing import Any, ClassVar

from registre.domain import Audit
from registre.projections.runner import SUBJECTS, Db, Projection


def describe(event: Any) -> tuple[str, str]:
    """(aggregate kind, event kind) of a domain event, e.g. ("proposal", "Validated")."""
    owner, _, kind = type(event).__qualname__.rpartition(".")
    return owner.lower(), kind


class AuditLog(Projection):
    name = "audit"
    tables: ClassVar[dict[str, str]] = {
        "subjects": SUBJECTS,
        "events": "position BIGINT PRIMARY KEY, programme TEXT NOT NULL, "
        "subject_kind TEXT NOT NULL, subject TEXT NOT NULL, version INTEGER NOT NULL, "
        "kind TEXT NOT NULL, actor TEXT NOT NULL, on_behalf_of TEXT, "
        "occurred_at TEXT NOT NULL, recorded_at TEXT NOT NULL, source TEXT, "
        "command_id TEXT NOT NULL",
    }
    indexes: ClassVar[dict[str, str | tuple[str, ...]]] = {"events": "programme, position"}

    def apply(self, db: Db, position: int, event: Any) -> None:
        audit: Audit | None = getattr(event, "audit", None)
        if audit is None:
            return
        subject = self.subject(db, event)
        assert subject is not None  # this projection records every creation
        db.execute(
            "INSERT INTO {events} (position, programme, subject_kind, subject, version, kind, "
            "actor, on_behalf_of, occurred_at, recorded_at, source, command_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                position,
                subject.programme,
                subject.kind,
                subject.key,
                event.originator_version,
                describe(event)[1],
                audit.actor,
                audit.on_behalf_of,
                audit.occurred_at.isoformat(),
                audit.recorded_at.isoformat(),
                audit.source,
                audit.command_id,
            ),
        )


def read_history(
    db: Db,
    programme: str,
    actor: str | None = None,
    kind: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> list[dict[str, Any]]:
    """The programme's events in store order, filtered by actor, event kind
    (e.g. ``Validated`` or ``proposal``) and recorded time (ISO 8601 bounds)."""
    where, params = ["programme = ?"], [programme]
    if actor:
        where.append("actor = ?")
        params.append(actor)
    if kind:
        where.append("(kind = ? OR subject_kind = ?)")
        params += [kind, kind]
    if since:
        where.append("recorded_at >= ?")
        params.append(since)
    if until:
        where.append("recorded_at < ?")
        params.append(until)
    return db.rows(
        "SELECT * FROM {events} WHERE " + " AND ".join(where) + " ORDER BY position", params
    )
