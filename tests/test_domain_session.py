"""Session attendance: each participant listed once; annulment undoes a record."""

from __future__ import annotations

from datetime import date

import pytest
from domain_support import audit

from registre.domain import Session, SessionKind
from registre.domain.errors import RuleViolation, Unchanged

LAYER = "unit"


def session() -> Session:
    return Session.schedule(
        "medvallee", "W1", SessionKind.WORKSHOP, date(2022, 3, 1), "Atelier 1", [], [], audit()
    )


def test_attendance_lists_new_participants_once() -> None:
    s = session()
    assert s.record_attendance(["p1", "p2", "p1"], audit()) == ["p1", "p2"]
    assert set(s.attendance) == {"p1", "p2"}


def test_attendance_records_only_those_not_yet_listed() -> None:
    s = session()
    s.record_attendance(["p1"], audit())
    assert s.record_attendance(["p1", "p3"], audit()) == ["p3"]
    assert s.attendance == {"p1": 2, "p3": 3}


def test_attendance_of_only_listed_participants_is_refused() -> None:
    s = session()
    s.record_attendance(["p1", "p2"], audit())
    with pytest.raises(Unchanged, match="already lists") as refused:
        s.record_attendance(["p2", "p1"], audit())
    assert isinstance(refused.value, RuleViolation)
    assert refused.value.note == "attendance already listed"
    # Nothing was recorded or changed.
    assert (s.version, s.attendance) == (2, {"p1": 2, "p2": 2})
    assert len(s.collect_events()) == 2  # scheduled, the first attendance


def test_annulling_an_attendance_record_removes_only_its_participants() -> None:
    s = session()
    s.record_attendance(["p1", "p2"], audit())
    s.record_attendance(["p3"], audit())
    s.annul(2, "AttendanceRecorded", "wrong sheet", audit())
    assert set(s.attendance) == {"p3"}
    # After the correction they can be recorded again.
    assert s.record_attendance(["p1"], audit()) == ["p1"]


def test_an_annulled_session_takes_no_attendance() -> None:
    s = session()
    s.annul(1, "Scheduled", "never took place", audit())
    assert s.void
    with pytest.raises(RuleViolation, match="was annulled: never took place"):
        s.record_attendance(["p1"], audit())
