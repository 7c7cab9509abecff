"""A dated gathering or round inside a programme, and who attended it."""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import event

from registre.domain.audit import Audit
from registre.domain.base import RegistreAggregate, next_version
from registre.domain.errors import Unchanged
from registre.domain.ids import check_key
from registre.domain.kinds import SessionKind


class Session(RegistreAggregate):
    KIND = "session"

    @classmethod
    def schedule(
        cls,
        programme: str,
        key: str,
        kind: SessionKind,
        on: date,
        title: str,
        axes: list[str],
        facilitators: list[str],
        audit: Audit,
    ) -> Session:
        check_key(key, "session key")
        return cls(
            programme=programme,
            key=key,
            kind=kind.value,
            on=on.isoformat(),
            title=title,
            axes=list(axes),
            facilitators=list(facilitators),
            audit=audit,
        )

    class Scheduled(RegistreAggregate.Created):
        programme: str
        key: str
        kind: str
        on: str
        title: str
        axes: list[str]
        facilitators: list[str]

    @event(Scheduled)
    def __init__(
        self,
        programme: str,
        key: str,
        kind: str,
        on: str,
        title: str,
        axes: list[str],
        facilitators: list[str],
        audit: Audit,
    ) -> None:
        self.programme = programme
        self.key = key
        self.kind = SessionKind(kind)
        self.on = date.fromisoformat(on)
        self.title = title
        self.axes = axes
        self.facilitators = facilitators
        # participant key -> version of the attendance record
        self.attendance: dict[str, int] = {}

    def record_attendance(self, participants: list[str], audit: Audit) -> list[str]:
        """Records the participants not yet on the list; returns them."""
        self.require_live()
        new = [p for p in dict.fromkeys(participants) if p not in self.attendance]
        if not new:
            raise Unchanged(
                f"session {self.key} already lists {', '.join(participants)} as attending",
                note="attendance already listed",
            )
        self._attended(new, audit)
        return new

    class AttendanceRecorded(RegistreAggregate.Event):
        participants: list[str]

    @event(AttendanceRecorded)
    def _attended(self, participants: list[str], audit: Audit) -> None:
        version = next_version(self)
        for p in participants:
            self.attendance[p] = version

    def _refuse_annulment(self, version: int, kind: str) -> str | None:
        if version in self.attendance.values():
            return None
        return super()._refuse_annulment(version, kind)

    def _undo(self, version: int) -> None:
        self.attendance = {p: v for p, v in self.attendance.items() if v != version}
