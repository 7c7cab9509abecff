"""The five source programmes at their published size, as workbooks a clerk
fills in (``programmes/*.xlsx``), recorded through the sheet importer exactly
as ``registre import sheet SLUG FILE`` records them.

Each workbook opens its programme (a ``programme`` sheet), sets its structure
and records its sessions, participants, contributions, synthesis, votes,
validations, founders' decisions and action plan. Labo258 is a programme of
programmes: the umbrella first, then its eleven neighbourhood labs and its
entrepreneurship lab, each a workbook of its own that says it is part of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.importers.runner import ImportReport, Progress
from registre.domain import Programme
from registre.domain.errors import AlreadyExists

QUARTIERS = (
    "centre-ville",
    "bellevue-chantenay",
    "dervallieres-zola",
    "hauts-paves-saint-felix",
    "breil-barberie",
    "nantes-nord",
    "nantes-erdre",
    "doulon-bottiere",
    "nantes-sud",
    "ile-de-nantes",
    "malakoff-saint-donatien",
)


@dataclass(frozen=True)
class Source:
    """A source programme: what it is, and its workbooks in the order they are recorded
    (each named after the programme it opens)."""

    name: str
    summary: str
    slugs: tuple[str, ...]


PROGRAMMES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "medvallee",
            "Fabrik MedVallée (Montpellier, 2021–22): three founders, six workshops, "
            "431 actors, a strategy in four parts and twelve axes, an action plan",
            ("medvallee",),
        ),
        Source(
            "labo258",
            "Labo258 (Nantes, 2019): 12 axes of reflection, 11 neighbourhood labs, and the "
            "entrepreneurship lab (40 people, 12 themes, 17 work axes, 29 concepts, "
            "6 personae, 7 levers)",
            ("labo258", *(f"labo258-{q}" for q in QUARTIERS), "labo258-entreprendre"),
        ),
        Source(
            "industrie-positive",
            "Industrie Positive (Montpellier, 2019–20): a council of 18 member "
            "organisations, monthly meetings on three strategic axes, a roadmap",
            ("industrie-positive",),
        ),
        Source(
            "cite-economie",
            "Cité de l'économie et des métiers de demain (Occitanie, 2018): six challenges, "
            "a forum of 193 partners, a book of ideas",
            ("cite-economie",),
        ),
        Source(
            "assemblee-territoires",
            "Assemblée des Territoires (Occitanie, 2016): 158 elected officials in eight "
            "production workshops on three themes",
            ("assemblee-territoires",),
        ),
    )
}
NAMES = tuple(PROGRAMMES)


@contextlib.contextmanager
def workbooks() -> Iterator[Path]:
    """The folder of the workbooks, as installed with the package."""
    with resources.as_file(resources.files("registre.adapters.demo") / "programmes") as folder:
        yield folder


def record_programme(
    registre: Registre,
    name: str,
    progress: Progress | None = None,
    announce: Progress | None = None,
) -> list[ImportReport]:
    """Records one source programme through the sheet importer; its import reports.

    ``announce(slug, n, total)`` is called before each workbook is imported."""
    from registre.adapters.importers.runner import run
    from registre.adapters.importers.sheet import plan_sheet

    source = PROGRAMMES[name]
    for slug in source.slugs:
        if registre.load(Programme, slug, slug) is not None:
            raise AlreadyExists(
                f"programme {slug} is already recorded in this store "
                f"({registre.config.display}); the record cannot be rewritten: to start "
                "afresh, run the demo on another store, e.g. --database demo-2.db"
            )
    ctx = c.Context(actor=f"greffe-{name}")
    reports: list[ImportReport] = []
    with workbooks() as folder:
        for n, slug in enumerate(source.slugs, 1):
            if announce is not None:
                announce(slug, n, len(source.slugs))
            # Each event cites FILE[SHEET]:ROW by the workbook's name, as a clerk's
            # import of the same file from its folder would.
            file = folder / f"{slug}.xlsx"
            plan = plan_sheet(slug, str(file), None, name=file.name)
            reports.append(run(registre, plan, ctx, progress))
    return reports
