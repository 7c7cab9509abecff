"""A programme and the programmes within it, as every view counts them: each
one's participants, proposals and adopted priorities, read from the plan's and
the participation's views; how they add up is ``registre.domain.reading``'s
``programme_totals``."""

from __future__ import annotations

from registre.domain.reading import ProgrammeFigures
from registre.projections.listings import read_proposals
from registre.projections.participation import read_participation
from registre.projections.plan import read_plan
from registre.projections.runner import Projector

# The views these figures are read from: caught up before reading.
VIEWS = ("plan", "participation")


def read_figures(views: Projector, programme: str) -> ProgrammeFigures | None:
    """The figures of ``programme`` and, nested, of every programme within it
    (their views caught up by the caller); None if it was never opened."""
    seen: set[str] = set()
    own: dict[str, tuple[str, int, tuple[str, ...], list[str]]] = {}
    with views.reading("plan") as db:
        pending = [programme]
        while pending:
            slug = pending.pop()
            if slug in seen:  # the domain records no loop; read none either
                continue
            seen.add(slug)
            plan = read_plan(db, slug)
            if plan is None:
                continue
            within = [k for k, _ in plan.sub_programmes]
            own[slug] = (
                plan.title,
                len(read_proposals(db, slug)),
                tuple(p.title for p in plan.priorities),
                within,
            )
            pending.extend(within)
    if programme not in own:
        return None
    people: dict[str, int] = {}
    with views.reading("participation") as db:
        for slug in own:
            report = read_participation(db, slug)
            people[slug] = report.participants if report is not None else 0

    def figures(slug: str, path: frozenset[str]) -> ProgrammeFigures:
        title, proposals, priorities, within = own[slug]
        return ProgrammeFigures(
            slug,
            title,
            people[slug],
            proposals,
            priorities,
            tuple(figures(k, path | {k}) for k in within if k in own and k not in path),
        )

    return figures(programme, frozenset({programme}))
