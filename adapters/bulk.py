"""A large generated programme, recorded through the application in batches.

For measuring and testing the projections on a log of realistic size: the
aggregates are built with the domain, so every event follows the rules, and
many are saved in one ``app.save`` call, as one transaction, instead of one
command at a time. There are no command receipts and no personal data: this
is a record of events, not of clerks' commands.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from registre.adapters.service import Service
from registre.domain import (
    Action,
    ActionStatus,
    Audit,
    Contribution,
    Decision,
    DecisionRule,
    OrganisationType,
    Outcome,
    Participant,
    Programme,
    Proposal,
    RegistreAggregate,
    Session,
    SessionKind,
)
from registre.domain.proposal import cite

FOUNDERS = {"metropole": "Métropole", "etat": "État", "region": "Région"}
AXES = 8
SESSIONS = 12
PARTICIPANTS = 200
START = datetime(2021, 9, 1, 9, 0, tzinfo=UTC)


def record_generated(service: Service, slug: str, events: int, batch: int = 2000) -> int:
    """Records a programme of about ``events`` events (at least one cell's
    worth); returns how many were recorded. The same slug and size always give
    the same programme."""
    rng = random.Random(slug)
    app = service.app
    recorded = 0
    pending: list[RegistreAggregate] = []

    def audit(day: int) -> Audit:
        occurred = START + timedelta(days=day, minutes=rng.randrange(600))
        return Audit(
            actor="greffe",
            occurred_at=occurred,
            recorded_at=datetime.now(UTC),
            command_id=str(uuid.UUID(int=rng.getrandbits(128))),
            source=f"generated/{day}",
        )

    def flush(force: bool = False) -> None:
        nonlocal recorded
        waiting = sum(len(a.pending_events) for a in pending)
        if waiting and (force or waiting >= batch):
            app.save(*pending)
            recorded += waiting
            pending.clear()

    def add(*aggregates: RegistreAggregate) -> None:
        for a in aggregates:
            if all(a is not p for p in pending):
                pending.append(a)

    programme = Programme.open(
        slug, f"Programme {slug}", "Métropole", FOUNDERS, DecisionRule.UNANIMITY, audit(0)
    )
    for i in range(AXES):
        programme.add_axis(f"axe-{i}", f"Axe {i}", audit(0))
    sessions = [
        Session.schedule(
            slug,
            f"S{i}",
            SessionKind.WORKSHOP,
            date(2021, 10, 1) + timedelta(i),
            f"Atelier {i}",
            [f"axe-{i % AXES}"],
            [],
            audit(i),
        )
        for i in range(SESSIONS)
    ]
    participants = [
        Participant.register(
            slug, f"P-{i:04d}", f"Organisation {i}", rng.choice(list(OrganisationType)), audit(1)
        )
        for i in range(PARTICIPANTS)
    ]
    add(programme, *sessions, *participants)
    flush(force=True)

    cell = 0
    while recorded + sum(len(a.pending_events) for a in pending) < events:
        day = 30 + cell // 20
        axis = f"axe-{cell % AXES}"
        contributions = []
        for j in range(3):
            contribution = Contribution.submit(
                slug,
                f"C-{cell}-{j}",
                f"S{cell % SESSIONS}",
                axis,
                [participants[rng.randrange(PARTICIPANTS)].key],
                f"Idée {cell}.{j}",
                audit(day),
            )
            if rng.random() < 0.5:
                contribution.amend(f"Idée {cell}.{j}, précisée", audit(day + 1))
            contributions.append(contribution)
        proposal = Proposal.synthesise(
            programme,
            f"F-{cell}",
            f"Priorité {cell}",
            f"Texte {cell}",
            axis,
            [cite(c, None) for c in contributions],
            audit(day + 7),
        )
        proposal.validate("Comité de pilotage", f"CR-{day}", Outcome.VALIDATED, audit(day + 14))
        for founder in FOUNDERS:
            decision = Decision.APPROVE if rng.random() < 0.8 else Decision.AMEND
            proposal.decide(programme, founder, decision, "motif", False, audit(day + 21))
        add(*contributions, proposal)
        if proposal.adopted:
            action = Action.assign(
                proposal, f"A-{cell}", f"Action {cell}", "Métropole", [], None, audit(day + 30)
            )
            action.report(ActionStatus.IN_PROGRESS, 40, "", audit(day + 60))
            action.report(ActionStatus.DONE, 100, "", audit(day + 90))
            add(action)
        cell += 1
        flush()
    flush(force=True)
    return recorded
