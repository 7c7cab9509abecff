"""Commands for store-backed tests: a small programme recorded through the service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from registre.adapters.application import Registre, Result
from registre.adapters.application import commands as c
from registre.domain import DecisionRule, OrganisationType, SessionKind

WORKSHOP_DAY = datetime(2022, 3, 1, 9, 30, tzinfo=UTC)


def ctx(command_id: str | None = None, **extra: Any) -> c.Context:
    return c.Context(actor="clerk", command_id=command_id, **extra)


def open_programme(
    service: Registre, slug: str, founders: dict[str, str] | None = None, rule: str = "unanimity"
) -> None:
    service.handle(
        c.OpenProgramme(
            programme=slug,
            title=f"Programme {slug}",
            organiser="Métropole",
            founders=founders or {"m": "Métropole", "r": "Région"},
            rule=DecisionRule(rule),
        ),
        ctx(),
    )
    service.handle(c.AddAxis(programme=slug, key="health", title="Santé"), ctx())
    service.handle(
        c.ScheduleSession(
            programme=slug, key="W1", kind=SessionKind.WORKSHOP, on=WORKSHOP_DAY.date()
        ),
        ctx(),
    )


def register(service: Registre, slug: str, key: str, name: str = "Jeanne Martin") -> Result:
    return service.handle(
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


def contribute(service: Registre, slug: str, key: str, author: str = "p1") -> Result:
    return service.handle(
        c.SubmitContribution(
            programme=slug, key=key, session="W1", axis="health", authors=[author], text=key
        ),
        ctx(),
    )


def synthesise(service: Registre, slug: str, key: str, source: str) -> Result:
    return service.handle(
        c.SynthesiseProposal(
            programme=slug, key=key, title=f"Titre {key}", sources=[c.SourceRef.parse(source)]
        ),
        ctx(),
    )


def max_position(service: Registre) -> int:
    return service.store.app.recorder.max_notification_id() or 0
