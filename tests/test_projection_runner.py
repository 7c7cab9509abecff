"""The projection runner: exactly once, resumable replays, atomic swaps."""

from __future__ import annotations

from typing import Any

import pytest

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.domain import DecisionRule
from registre.projections import projector_for
from registre.projections.audit_log import AuditLog
from registre.projections.runner import Db, Projector

LAYER = "integration"

CTX = c.Context(actor="greffe", on_behalf_of="Comité", source="CR-1")


def _record(service: Registre, slug: str, axes: int) -> None:
    service.handle(
        c.OpenProgramme(
            programme=slug,
            title="T",
            organiser="O",
            founders={"m": "Métropole"},
            rule=DecisionRule.ANY,
        ),
        CTX,
    )
    for i in range(axes):
        service.handle(c.AddAxis(programme=slug, key=f"axe-{i}", title=f"Axe {i}"), CTX)


def _audit_rows(projector: Projector) -> list[dict[str, Any]]:
    with projector.reading("audit") as db:
        return db.rows("SELECT * FROM {events} ORDER BY position")


def test_the_audit_log_lists_every_event_once_with_its_audit_metadata(service: Registre) -> None:
    _record(service, "alpha", 3)
    projector = projector_for(service.store)
    projector.catch_up()
    projector.catch_up()  # a second catch-up finds nothing new and applies nothing twice
    rows = _audit_rows(projector)
    head = service.store.app.recorder.max_notification_id()
    assert [r["position"] for r in rows] == list(range(1, (head or 0) + 1))
    assert {r["programme"] for r in rows} == {"alpha"}
    assert rows[0]["kind"] == "Opened" and rows[0]["subject_kind"] == "programme"
    assert all(r["actor"] == "greffe" and r["on_behalf_of"] == "Comité" for r in rows)
    lags = {s.name: s.lag for s in projector.status()}
    assert {"audit", "plan"} <= set(lags) and set(lags.values()) == {0}


def test_new_events_are_applied_by_the_next_catch_up(service: Registre) -> None:
    _record(service, "alpha", 1)
    projector = projector_for(service.store)
    projector.catch_up()
    before = len(_audit_rows(projector))
    service.handle(c.AddAxis(programme="alpha", key="late", title="Tard"), CTX)
    assert projector.status()[0].lag == 2  # the axis event and its receipt
    projector.catch_up()
    assert len(_audit_rows(projector)) == before + 2


class Crash(Exception):
    pass


class CrashingAuditLog(AuditLog):
    """Fails on one position, as a process killed mid-replay would stop there."""

    def __init__(self, at: int) -> None:
        self.at = at

    def apply(self, db: Db, position: int, event: Any) -> None:
        if position == self.at:
            raise Crash
        super().apply(db, position, event)


def test_an_interrupted_replay_resumes_and_gives_the_same_rows(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(service, "alpha", 40)
    clean = projector_for(service.store)
    clean.catch_up()
    expected = _audit_rows(clean)

    monkeypatch.setattr("registre.projections.runner.PAGE_SIZE", 7)
    crashing = Projector(service.store, [CrashingAuditLog(30)])
    with pytest.raises(Crash):
        crashing.replay("audit")
    # Readers still see the complete live generation while the replay is broken.
    assert _audit_rows(clean) == expected
    status = clean.status()[0]
    assert status.rebuilding == 28  # four pages of seven were committed

    clean.replay("audit")
    assert _audit_rows(clean) == expected
    assert clean.status()[0].rebuilding is None


def _all_rows(projector: Projector) -> dict[str, list[dict[str, Any]]]:
    found = {}
    for name, projection in projector.projections.items():
        with projector.reading(name) as db:
            for table in projection.tables:
                found[f"{name}.{table}"] = sorted(
                    db.rows(f"SELECT * FROM {{{table}}}"), key=lambda r: sorted(r.items())
                )
    return found


def test_one_pass_over_the_log_rebuilds_and_advances_projections_together(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("registre.projections.runner.PAGE_SIZE", 5)
    _record(service, "alpha", 6)
    projector = projector_for(service.store)
    for name in projector.projections:  # the reference: one projection at a time
        projector.replay(name)
    expected_early = _all_rows(projector)

    _record(service, "beta", 4)
    # The plan was built by an older version of its code: catching up rebuilds it
    # from zero while the others advance from where they are, in the same pass.
    monkeypatch.setattr(projector.projections["plan"], "version", 99)
    before = {s.name: s.position for s in projector.status()}
    projector.catch_up()
    head = projector.head()
    assert {s.name: (s.position, s.lag) for s in projector.status()} == {
        name: (head, 0) for name in projector.projections
    }
    assert all(before[name] < head for name in before)

    reference = projector_for(service.store)
    monkeypatch.setattr(reference.projections["plan"], "version", 99)
    for name in reference.projections:
        reference.replay(name)
    everything = _all_rows(reference)
    assert _all_rows(projector) == everything
    assert everything != expected_early  # beta's events are there

    # All at once, from zero, with a subject cache so small it is emptied again and again.
    monkeypatch.setattr("registre.projections.runner.KNOWN_CACHED", 3)
    projector.replay(*projector.projections)
    assert _all_rows(projector) == everything
