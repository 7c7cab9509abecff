"""Commands for store-backed tests: a small programme recorded through the service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from registre.adapters import commands as c
from registre.adapters.service import Result, Service
from registre.domain import DecisionRule, OrganisationType, SessionKind

WORKSHOP_DAY = datetime(2022, 3, 1, 9, 30, tzinfo=UTC)


def ctx(command_id: str | None = None, **extra: Any) -> c.Context:
    return c.Context(actor="clerk", command_id=command_id, **extra)


def open_programme(
    service: Service, slug: str, founders: dict[str, str] | None = None, rule: str = "unanimity"
) -> None:
    service.open_programme(
        c.OpenProgramme(
            programme=slug,
            title=f"Programme {slug}",
            organiser="Métropole",
            founders=founders or {"m": "Métropole", "r": "Région"},
            rule=DecisionRule(rule),
        ),
        ctx(),
    )
    service.add_axis(c.AddAxis(programme=slug, key="health", title="Santé"), ctx())
    service.schedule_session(
        c.ScheduleSession(
            programme=slug, key="W1", kind=SessionKind.WORKSHOP, on=WORKSHOP_DAY.date()
        ),
        ctx(),
    )


def register(service: Service, slug: str, key: str, name: str = "Jeanne Martin") -> Result:
    return service.register_participant(
        c.RegisterParticipant(
            programme=slug,
            key=key,
            name=name,
            organisation="Université de Montpellier",
            organisation_type=OrganisationType.UNIVERSITY,
            contact=f"{key}@example.org",
        ),
        ctx(),
    )


def contribute(service: Service, slug: str, key: str, author: str = "p1") -> Result:
    return service.submit_contribution(
        c.SubmitContribution(
            programme=slug, key=key, session="W1", axis="health", authors=[author], text=key
        ),
        ctx(),
    )


def synthesise(service: Service, slug: str, key: str, source: str) -> Result:
    return service.synthesise_proposal(
        c.SynthesiseProposal(
            programme=slug, key=key, title=f"Titre {key}", sources=[c.SourceRef.parse(source)]
        ),
        ctx(),
    )


def max_position(service: Service) -> int:
    return service.app.recorder.max_notification_id() or 0
