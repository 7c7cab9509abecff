"""The application service: audit metadata, transactions, idempotency, derived
ids, personal data and corrections. Unit tests; those whose answer the store
gives (one insert per command, nothing written on a refusal, a duplicate that
raced its first copy, erasure of personal data) run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from service_support import (
    WORKSHOP_DAY,
    contribute,
    ctx,
    max_position,
    open_programme,
    register,
    synthesise,
)

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.application.service import Result
from registre.adapters.application.unit_of_work import UnitOfWork
from registre.domain import (
    Audit,
    Ballot,
    Contribution,
    Decision,
    Method,
    Participant,
    Proposal,
    Session,
    Status,
)
from registre.domain.errors import NotFound, RuleViolation
from registre.domain.ids import command_receipt_id

LAYER = "unit"


def events(service: Registre) -> list[tuple[int, Any]]:
    return list(service.notifications())


def proposals_ready(service: Registre, slug: str = "prog") -> None:
    open_programme(service, slug)
    register(service, slug, "p1")
    for n in (1, 2, 3):
        contribute(service, slug, f"C-{n}")
        synthesise(service, slug, f"P-{n}", f"C-{n}")


# -- audit metadata ------------------------------------------------------------------------


def test_every_stored_event_carries_the_audit_of_its_command(service: Registre) -> None:
    proposals_ready(service)
    before = datetime.now(UTC)
    result = service.handle(
        c.MergeProposals(programme="prog", target="P-9", sources=["P-1", "P-2"], title="M"),
        c.Context(
            actor="greffier",
            on_behalf_of="comité de pilotage",
            occurred_at=WORKSHOP_DAY,
            source="CR-2022-03 p.4",
            command_id="merge-1",
        ),
    )
    positions = {r.position for r in result.recorded}
    stored = [(pos, e) for pos, e in events(service) if pos in positions]
    assert len(stored) == 4  # target created, two sources merged, the receipt
    for _, event in stored:
        a = event.audit
        assert isinstance(a, Audit)
        assert (a.actor, a.on_behalf_of, a.occurred_at, a.source, a.command_id) == (
            "greffier",
            "comité de pilotage",
            WORKSHOP_DAY,
            "CR-2022-03 p.4",
            "merge-1",
        )
        assert before <= a.recorded_at <= datetime.now(UTC)


def test_every_event_in_the_store_has_an_audit(service: Registre) -> None:
    proposals_ready(service)
    stored = events(service)
    assert stored
    assert all(isinstance(e.audit, Audit) and e.audit.actor == "clerk" for _, e in stored)
    # Every command's events share the command id of its receipt.
    receipts = {e.audit.command_id for _, e in stored if type(e).__name__ == "Received"}
    assert {e.audit.command_id for _, e in stored} == receipts


def test_occurred_at_without_a_zone_is_taken_as_utc(service: Registre) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    service.handle(
        c.RecordAttendance(programme="prog", session="W1", participants=["p1"]),
        ctx("att-1", occurred_at=datetime(2022, 3, 1, 9, 30)),
    )
    event = events(service)[-2][1]
    assert type(event).__name__ == "AttendanceRecorded"
    assert event.audit.occurred_at == WORKSHOP_DAY


# -- one transaction per command ---------------------------------------------------------------


@pytest.mark.integration
def test_a_merge_saves_target_sources_and_receipt_in_one_insert(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    proposals_ready(service)
    recorder = service.store.app.recorder
    inserts: list[list[UUID]] = []
    original = recorder.insert_events

    def spy(stored_events: Any, **kwargs: Any) -> Any:
        inserts.append([e.originator_id for e in stored_events])
        return original(stored_events, **kwargs)

    monkeypatch.setattr(recorder, "insert_events", spy)
    service.handle(
        c.MergeProposals(programme="prog", target="P-3", sources=["P-1", "P-2"]), ctx("m-1")
    )
    assert len(inserts) == 1
    expected = {Proposal.create_id("prog", k) for k in ("P-1", "P-2", "P-3")}
    assert set(inserts[0]) == expected | {command_receipt_id("m-1")}


@pytest.mark.integration
def test_a_refused_command_writes_nothing(service: Registre) -> None:
    proposals_ready(service)
    service.handle(
        c.MergeProposals(programme="prog", target="P-9", sources=["P-1", "P-2"], title="M"),
        ctx(),
    )
    before = max_position(service)
    # P-1 was merged already: nothing of this merge may reach the store.
    with pytest.raises(RuleViolation, match="P-1 is merged"):
        service.handle(
            c.MergeProposals(programme="prog", target="P-3", sources=["P-1"]), ctx("m-2")
        )
    assert max_position(service) == before
    p3 = service.load(Proposal, "prog", "P-3")
    assert p3 is not None and p3.absorbed == []
    # The refused command left no receipt: its id can still be used.
    assert not service.handle(
        c.MergeProposals(programme="prog", target="P-3", sources=["P-9"]), ctx("m-2")
    ).already_recorded


# -- idempotency -------------------------------------------------------------------------------


def test_the_same_command_id_twice_records_once(service: Registre) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    command = c.SubmitContribution(programme="prog", session="W1", authors=["p1"], text="Une idée")
    first = service.handle(command, ctx("row-12"))
    after_first = max_position(service)
    again = service.handle(command, ctx("row-12"))
    assert not first.already_recorded and again.already_recorded
    assert again.recorded == [] and again.summary == first.summary
    assert max_position(service) == after_first
    with_id = [e for _, e in events(service) if e.audit.command_id == "row-12"]
    assert [type(e).__name__ for e in with_id] == ["Submitted", "Received"]


@pytest.mark.integration
def test_a_duplicate_that_raced_its_first_copy_is_already_recorded(
    service: Registre, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    command = c.SubmitContribution(programme="prog", session="W1", authors=["p1"], text="x")
    real_run = UnitOfWork.run
    first: list[Result] = []

    def other_copy_commits_meanwhile(uow: UnitOfWork, *args: Any) -> str:
        summary = real_run(uow, *args)
        if not first:
            # As if the other copy committed just after this one checked the rules.
            monkeypatch.setattr(UnitOfWork, "run", real_run)
            first.append(service.handle(command, ctx("row-7")))
        return summary

    monkeypatch.setattr(UnitOfWork, "run", other_copy_commits_meanwhile)
    before = max_position(service)
    again = service.handle(command, ctx("row-7"))
    assert not first[0].already_recorded
    assert again.already_recorded
    assert max_position(service) == before + len(first[0].recorded)


def test_the_same_command_id_for_another_command_is_refused(service: Registre) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    contribute(service, "prog", "C-1")
    service.handle(c.AmendContribution(programme="prog", key="C-1", text="v2"), ctx("same"))
    before = max_position(service)
    with pytest.raises(RuleViolation, match="already used for another command"):
        service.handle(c.AmendContribution(programme="prog", key="C-1", text="v3"), ctx("same"))
    assert max_position(service) == before
    found = service.load(Contribution, "prog", "C-1")
    assert found is not None and found.texts == ["C-1", "v2"]


# -- ids derived from programme and key ----------------------------------------------------------


def test_the_same_key_in_two_programmes_names_two_things(service: Registre) -> None:
    for slug in ("a", "b"):
        open_programme(service, slug)
        register(service, slug, "p1")
        contribute(service, slug, "C-1")
    service.handle(c.AmendContribution(programme="b", key="C-1", text="b2"), ctx())
    in_a = service.load(Contribution, "a", "C-1")
    in_b = service.load(Contribution, "b", "C-1")
    assert in_a is not None and in_b is not None
    assert in_a.id != in_b.id
    assert (in_a.programme, in_a.texts) == ("a", ["C-1"])
    assert (in_b.programme, in_b.texts) == ("b", ["C-1", "b2"])


def test_recording_the_same_key_twice_is_refused(service: Registre) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1")
    contribute(service, "prog", "C-1")
    with pytest.raises(RuleViolation, match="already has a contribution 'C-1'"):
        contribute(service, "prog", "C-1")


def test_lineage_cannot_cross_programmes(service: Registre) -> None:
    proposals_ready(service, "a")
    open_programme(service, "b")
    register(service, "b", "p1")
    contribute(service, "b", "C-1")
    synthesise(service, "b", "Q-1", "C-1")
    before = max_position(service)
    with pytest.raises(NotFound, match="programme b has no proposal 'P-1'"):
        service.handle(c.MergeProposals(programme="b", target="Q-1", sources=["P-1"]), ctx())
    with pytest.raises(NotFound, match="programme b has no contribution 'C-2'"):
        synthesise(service, "b", "Q-2", "C-2")
    assert max_position(service) == before
    p1 = service.load(Proposal, "a", "P-1")
    assert p1 is not None and p1.status is Status.DRAFT


# -- personal data ---------------------------------------------------------------------------------


def test_a_participants_name_never_enters_an_event(service: Registre) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1", name="Zéphyrine Quatrebarbes")
    contribute(service, "prog", "C-1")
    assert service.personal_names("prog") == {"p1": "Zéphyrine Quatrebarbes"}
    notifications = service.store.app.recorder.select_notifications(start=1, limit=1000)
    assert notifications
    for n in notifications:
        # Neither as UTF-8 nor as the \u escapes JSON may use for "é".
        assert "Zéphyrine".encode() not in n.state
        assert b"Z\\u00e9phyrine" not in n.state
        assert b"Quatrebarbes" not in n.state
        assert b"p1@example.org" not in n.state


@pytest.mark.integration
def test_erasure_deletes_the_name_and_keeps_the_counts(service: Registre) -> None:
    open_programme(service, "prog")
    register(service, "prog", "p1", name="Zéphyrine Quatrebarbes")
    register(service, "prog", "p2", name="Paul Durand")
    service.handle(
        c.RecordAttendance(programme="prog", session="W1", participants=["p1", "p2"]), ctx()
    )
    contribute(service, "prog", "C-1", author="p1")
    synthesise(service, "prog", "P-1", "C-1")
    service.handle(
        c.OpenRound(
            programme="prog", key="R1", session="W1", method=Method.APPROVAL, proposals=["P-1"]
        ),
        ctx(),
    )
    service.handle(
        c.CastVote(programme="prog", round="R1", participant="p1", proposal="P-1"), ctx()
    )
    events_before = max_position(service)

    service.handle(c.EraseParticipant(programme="prog", key="p1", reason="RGPD"), ctx())

    assert service.personal_names("prog") == {"p2": "Paul Durand"}
    assert max_position(service) == events_before + 2  # the erasure and its receipt
    p1 = service.load(Participant, "prog", "p1")
    assert p1 is not None and p1.erased and not p1.void
    session = service.load(Session, "prog", "W1")
    assert session is not None and set(session.attendance) == {"p1", "p2"}
    ballot = service.load(Ballot, "prog", Ballot.key_for("R1", "p1"))
    assert ballot is not None and len(ballot.live_votes()) == 1
    contribution = service.load(Contribution, "prog", "C-1")
    assert contribution is not None and contribution.authors == ["p1"]
    with pytest.raises(RuleViolation, match="was erased"):
        contribute(service, "prog", "C-2", author="p1")


# -- corrections by position ---------------------------------------------------------------


def _voted(service: Registre) -> int:
    """Records an approval vote; returns the position of the vote."""
    proposals_ready(service)
    service.handle(
        c.OpenRound(
            programme="prog",
            key="R1",
            session="W1",
            method=Method.APPROVAL,
            limit=1,
            proposals=["P-1", "P-2"],
        ),
        ctx(),
    )
    result = service.handle(
        c.CastVote(programme="prog", round="R1", participant="p1", proposal="P-1"), ctx()
    )
    return next(r.position for r in result.recorded if r.kind == "Ballot.VoteCast")


def test_a_vote_is_annulled_by_its_position(service: Registre) -> None:
    position = _voted(service)
    result = service.handle(
        c.CorrectRecord(programme="prog", position=position, reason="wrong participant"), ctx()
    )
    kinds = [r.kind.split(".")[-1] for r in result.recorded]
    assert kinds == ["RecordAnnulled", "Received"]
    assert result.recorded[0].subject == "ballot R1/p1"
    ballot = service.load(Ballot, "prog", Ballot.key_for("R1", "p1"))
    assert ballot is not None and ballot.live_votes() == []
    assert ballot.annulled == {2: "wrong participant"}
    # The limit of one vote is free again.
    service.handle(
        c.CastVote(programme="prog", round="R1", participant="p1", proposal="P-2"), ctx()
    )


def test_a_record_is_annulled_only_once(service: Registre) -> None:
    position = _voted(service)
    service.handle(c.CorrectRecord(programme="prog", position=position, reason="x"), ctx())
    before = max_position(service)
    with pytest.raises(RuleViolation, match="already annulled"):
        service.handle(c.CorrectRecord(programme="prog", position=position, reason="y"), ctx())
    assert max_position(service) == before


def test_a_correction_names_a_record_of_its_own_programme(service: Registre) -> None:
    position = _voted(service)
    open_programme(service, "other")
    with pytest.raises(NotFound, match="not a record of programme other"):
        service.handle(c.CorrectRecord(programme="other", position=position, reason="x"), ctx())
    with pytest.raises(NotFound, match="no record at position"):
        service.handle(
            c.CorrectRecord(programme="prog", position=max_position(service) + 10, reason="x"),
            ctx(),
        )


def test_a_command_receipt_cannot_be_annulled(service: Registre) -> None:
    _voted(service)
    receipt_position = max_position(service)
    with pytest.raises(NotFound, match="not a record of programme prog that can be annulled"):
        service.handle(
            c.CorrectRecord(programme="prog", position=receipt_position, reason="x"), ctx()
        )


def test_annulling_a_decision_withdraws_the_adoption(service: Registre) -> None:
    open_programme(service, "prog", founders={"m": "Métropole"}, rule="any")
    register(service, "prog", "p1")
    contribute(service, "prog", "C-1")
    synthesise(service, "prog", "P-1", "C-1")
    service.handle(
        c.ValidateProposal(programme="prog", proposal="P-1", body="COPIL", minutes="CR-1"), ctx()
    )
    decided = service.handle(
        c.DecideOnPriority(
            programme="prog",
            proposal="P-1",
            founder="m",
            decision=Decision.APPROVE,
            rationale="oui",
        ),
        ctx(),
    )
    position = next(r.position for r in decided.recorded if r.kind == "Proposal.FounderDecided")
    corrected = service.handle(
        c.CorrectRecord(programme="prog", position=position, reason="not signed"), ctx()
    )
    assert [r.kind.split(".")[-1] for r in corrected.recorded] == [
        "RecordAnnulled",
        "AdoptionWithdrawn",
        "Received",
    ]
    p = service.load(Proposal, "prog", "P-1")
    assert p is not None and not p.adopted and p.current_decisions() == {}
