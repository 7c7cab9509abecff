"""The public restitution site of a programme: static pages that work from
the folder they are written to (file://), with no outside asset. The one
script, ``preuve.js``, checks in the browser the proofs each proposal's page
carries (``ledger.proofs``); the pages read the same without it.

Data comes from the projections, caught up first; pages are rendered by
Jinja2 with autoescaping, so every recorded text is shown as text.
"""

from __future__ import annotations

import importlib.resources
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from registre.adapters.exporters import KINDS, build, render
from registre.adapters.ledger.proofs import PublishedLog
from registre.adapters.site import words
from registre.adapters.site.svg import bar_chart, draw, layout
from registre.domain.errors import NotFound
from registre.domain.reading import ProgrammeFigures, ProgrammeTotals, programme_totals
from registre.domain.structure import Part, plural_level
from registre.projections.listings import (
    ContributionVersion,
    ProposalRow,
    read_contributions,
    read_organiser,
    read_proposals,
)
from registre.projections.participation import (
    ParticipationReport,
    SessionAttendance,
    read_participation,
)
from registre.projections.phrases import date_fr
from registre.projections.plan import ActionPlan, PlanPriority, read_plan
from registre.projections.programmes import VIEWS as FIGURES_VIEWS
from registre.projections.programmes import read_figures
from registre.projections.runner import Projector
from registre.projections.tallies import RoundTally, read_tallies
from registre.projections.trace import Trace, read_trace
from registre.projections.trace_graph import trace_graph

# The page's margins around the graph (main's padding, the frame's border and
# padding), in CSS pixels: the graph fits a screen wider than its width plus these.
GRAPH_FRAME = 2 * 16 + 2 * (1 + 4)
# Beyond this many bars a chart is no longer read: its table is shown alone.
CHART_ROWS = 40


def page_name(proposal: str) -> str:
    # Keys are letters, digits, '.', '_' and '-': safe as file names everywhere.
    return f"proposition-{proposal}.html"


def site_folder(programme: str) -> str:
    """The folder, beside a programme's pages, of the site of a programme within it
    (slugs are keys: safe as folder names everywhere)."""
    return programme


def part_id(key: str) -> str:
    """The anchor of a part on the structure's page (keys are safe in ids)."""
    return f"partie-{key}"


def capital(text: str) -> str:
    """ "Thème", "Axe de travail": a level word at the start of a label."""
    return text[:1].upper() + text[1:]


@dataclass
class Site:
    programme: str
    plan: ActionPlan
    organiser: str
    head: int
    proposals: list[ProposalRow]
    traces: dict[str, Trace]
    contributions: list[ContributionVersion]
    participation: ParticipationReport | None
    rounds: list[RoundTally]
    # The latest signed checkpoint of the audit ledger (tree_size, root_hash, time,
    # signature, public_key); None while this installation publishes none.
    checkpoint: dict[str, Any] | None = None
    sessions: dict[str, str] = field(default_factory=dict)  # key -> title
    # The latest plan publication and the founders' cosignatures of it
    # (``ledger.witness.publication_status``); None while no plan is published.
    publication: dict[str, Any] | None = None
    # With programmes within it: its figures and theirs, each site in a folder of its own.
    figures: ProgrammeFigures | None = None
    # The larger programme's home page, when the two are published together.
    larger_href: str | None = None

    @property
    def totals(self) -> ProgrammeTotals | None:
        return programme_totals(self.figures) if self.figures is not None else None


def gather(views: Projector, programme: str) -> Site:
    views.catch_up(["plan", "provenance", "participation", "tallies"])
    with views.reading("plan") as db:
        plan = read_plan(db, programme)
        organiser = read_organiser(db, programme)
        proposals = read_proposals(db, programme)
    if plan is None or organiser is None:
        raise NotFound(f"no programme {programme!r} in this store")
    structure = plan.structure
    with views.reading("provenance") as db:
        traces = {p.key: t for p in proposals if (t := read_trace(db, programme, p.key, structure))}
        contributions = read_contributions(db, programme)
    with views.reading("participation") as db:
        participation = read_participation(db, programme, structure)
    with views.reading("tallies") as db:
        rounds = read_tallies(db, programme)
    sessions = (
        {s.session: s.title or s.session for s in participation.sessions} if participation else {}
    )
    figures = None
    if plan.sub_programmes:
        views.catch_up(list(FIGURES_VIEWS))
        figures = read_figures(views, programme)
    return Site(
        programme,
        plan,
        organiser,
        views.head(),
        proposals,
        traces,
        contributions,
        participation,
        rounds,
        sessions=sessions,
        figures=figures,
    )


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("registre.adapters.site", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date_fr"] = date_fr
    env.globals.update(
        words=words,
        page_name=page_name,
        plural=words.plural,
        part_id=part_id,
        capital=capital,
        site_folder=site_folder,
        totals_of=programme_totals,
    )
    return env


def build_site(
    views: Projector,
    programme: str,
    out: Path,
    checkpoint: dict[str, Any] | None = None,
    log: PublishedLog | None = None,
    publication: dict[str, Any] | None = None,
    larger_href: str | None = None,
) -> list[Path]:
    """Writes the site into ``out`` (created if needed); returns the files written.

    ``checkpoint`` is the latest signed checkpoint of the ledger, shown on the
    verification page and written beside the open data for offline checks;
    ``log`` gives each proposal's page the proofs of the events of its trace;
    ``publication`` says whether the founders' witnesses cosigned the plan's
    latest publication (final) or whose cosignature is awaited; ``larger_href``
    links the larger programme's home page, published with it."""
    site = gather(views, programme)
    site.checkpoint = checkpoint
    site.publication = publication
    site.larger_href = larger_href
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    common = {"site": site, "plan": site.plan, "founders": site.plan.founders}
    written: list[Path] = []

    def write(name: str, template: str, **context: Any) -> None:
        path = out / name
        path.write_text(env.get_template(template).render(**common, **context), "utf-8")
        written.append(path)

    write("index.html", "index.html", current="index", groups=_groups(site), **_levels(site))
    write("propositions.html", "propositions.html", current="propositions")
    if site.plan.parts:
        write(
            "structure.html",
            "structure.html",
            current="structure",
            **_structure_page(site),
            **_levels(site),
        )
    for p in site.proposals:
        trace = site.traces.get(p.key)
        if trace is not None:
            proof = _proof(log, trace, out, p.key, written)
            write(
                page_name(p.key),
                "proposition.html",
                current="propositions",
                proof=proof,
                **_page(site, p, trace),
            )
    write("participation.html", "participation.html", current="participation", charts=_charts(site))
    write(
        "verifier.html",
        "verifier.html",
        current="verifier",
        files=_open_data(views, site, out, written),
    )
    static = importlib.resources.files("registre.adapters.site").joinpath("static")
    for name in ("site.css", "preuve.js"):
        (out / name).write_text(static.joinpath(name).read_text("utf-8"), "utf-8")
        written.append(out / name)
    if log is not None and log.latest is not None:
        # The verifier a citizen runs alone: one file, the standard library only.
        source = importlib.resources.files("registre.adapters.ledger").joinpath("standalone.py")
        (out / "verifier.py").write_text(source.read_text("utf-8"), "utf-8")
        written.append(out / "verifier.py")
    return written


def build_sites(
    views: Projector,
    programme: str,
    out: Path,
    checkpoint: dict[str, Any] | None = None,
    log: PublishedLog | None = None,
    publication_of: Callable[[str], dict[str, Any] | None] | None = None,
) -> list[tuple[Path, list[Path]]]:
    """The site of a programme and, each in a folder of its own beside its pages
    (``site_folder``), the sites of the programmes within it, at any depth, each
    linking to the larger one's; every folder with the files written into it.
    ``publication_of`` gives a programme's plan publication (see ``build_site``)."""
    done: list[tuple[Path, list[Path]]] = []
    pending: list[tuple[str, Path, str | None]] = [(programme, out, None)]
    seen: set[str] = set()
    while pending:
        slug, folder, up = pending.pop(0)
        if slug in seen:  # the domain records no loop; publish none either
            continue
        seen.add(slug)
        publication = publication_of(slug) if publication_of is not None else None
        done.append((folder, build_site(views, slug, folder, checkpoint, log, publication, up)))
        with views.reading("plan") as db:
            plan = read_plan(db, slug)
        for sub, _ in plan.sub_programmes if plan is not None else []:
            pending.append((sub, folder / site_folder(sub), "../index.html"))
    return done


def trace_positions(t: Trace) -> set[int]:
    """The events a page's trace is read from: its steps, the votes behind its
    tallies, and the corrections that annulled any of them."""
    steps = [*t.steps, *(v.step for v in t.votes)]
    return {s.position for s in steps} | {s.annulled_by for s in steps if s.annulled_by}


def _proof(
    log: PublishedLog | None, t: Trace, out: Path, key: str, written: list[Path]
) -> str | None:
    """The page's proof as JSON, safe inside a script element, also written to
    ``donnees/preuves/`` for the offline verifier; None without a checkpoint."""
    proof = log.page_proof(trace_positions(t)) if log is not None else None
    if proof is None:
        return None
    text = json.dumps({"page": key, **proof}, ensure_ascii=False, separators=(",", ":"))
    folder = out / "donnees" / "preuves"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key}.json").write_text(text + "\n", "utf-8")
    written.append(folder / f"{key}.json")
    # "<" escaped: no text in the proof can close the script element.
    return text.replace("<", "\\u003c")


@dataclass
class Group:
    """The priorities under one part at the top of the structure (None: under none)."""

    part: Part | None
    title: str
    # Each priority with the parts between the top one and its own (its own last).
    priorities: list[tuple[PlanPriority, list[Part]]]

    @property
    def sections(self) -> list[tuple[list[Part], list[PlanPriority]]]:
        """The priorities under each part below the top one, in the structure's
        order, each part once (none: the top part's own priorities)."""
        runs: list[tuple[list[Part], list[PlanPriority]]] = []
        for priority, below in self.priorities:
            if runs and [p.key for p in runs[-1][0]] == [p.key for p in below]:
                runs[-1][1].append(priority)
            else:
                runs.append((below, [priority]))
        return runs


def _groups(site: Site) -> list[Group]:
    """The plan's priorities under the parts at the top of the structure, in the
    structure's order; each with the rest of its path."""
    structure = site.plan.structure
    grouped: dict[str | None, Group] = {}
    for priority in site.plan.priorities:
        path = structure.path(priority.axis) if priority.axis else []
        top = path[0] if path else None
        key = top.key if top else priority.axis
        if key not in grouped:
            title = top.title if top else site.plan.axes.get(key or "", key or "")
            grouped[key] = Group(top, title, [])
        grouped[key].priorities.append((priority, path[1:]))
    order = {part.key: n for n, (part, _) in enumerate(structure.walk())}
    for g in grouped.values():
        # Within a group, in the structure's order (a part's own before its parts'),
        # so the priorities of one part come together; in adoption order under it.
        g.priorities.sort(key=lambda pair: order.get(pair[0].axis or "", len(order)))

    def place(g: Group) -> tuple[int, int]:
        # The structure's order; then parts it does not hold; then no part at all.
        if g.part is not None:
            return 0, order[g.part.key]
        return (1, 0) if g.title else (2, 0)

    return sorted(grouped.values(), key=place)


def _levels(site: Site) -> dict[str, Any]:
    """How the structure is said in a sentence: "12 thèmes, 17 axes de travail et
    29 concepts", and the level its top parts share, if they share one."""
    structure = site.plan.structure
    counts = [plural_level(level, n) for level, n in structure.levels()]
    said = ", ".join(counts[:-1]) + (" et " if len(counts) > 1 else "") + (counts[-1:] or [""])[0]
    tops = {part.level for part in structure.children()}
    return {"levels_said": said, "top_level": tops.pop() if len(tops) == 1 else None}


def _structure_page(site: Site) -> dict[str, Any]:
    """What the structure's page shows of each part: its proposals and adopted
    priorities, the sessions dedicated to it, and who took part under it."""
    structure = site.plan.structure
    proposals: dict[str, list[ProposalRow]] = {}
    for p in site.proposals:
        if p.axis:
            proposals.setdefault(p.axis, []).append(p)
    adopted = {p.key for p in site.plan.priorities}
    sessions: dict[str, list[SessionAttendance]] = {}
    people: dict[str, int] = {}
    if site.participation is not None:
        for s in site.participation.sessions:
            for axis in s.axes:
                sessions.setdefault(axis, []).append(s)
        people = {p.axis: p.participants for p in site.participation.parts}
    return {
        "structure": structure,
        "proposals_of": proposals,
        "adopted": adopted,
        "sessions_of": sessions,
        "people_of": people,
    }


def _page(site: Site, p: ProposalRow, t: Trace) -> dict[str, Any]:
    cited = {c.key for c in t.contributions}
    versions = [v for v in site.contributions if v.contribution in cited]
    ident = f"graphe-{p.key}"
    drawing = layout(trace_graph(t, "fr", site.plan.founders))
    nodes = [
        drawing.boxes[n].full
        for n in sorted(
            (b.id for b in drawing.boxes.values() if not b.slot),
            key=lambda n: (drawing.boxes[n].rank, drawing.boxes[n].order),
        )
    ]
    description = (
        f"De haut en bas : {' ; '.join(nodes)}. "
        "Les flèches vont de chaque contribution citée vers la proposition, "
        "puis vers les votes, la validation, les décisions des fondateurs, "
        "la priorité et ses actions."
    )
    title = f"Graphe de provenance de {p.key} : {t.title}"
    return {
        "proposal": p,
        "trace": t,
        "versions": versions,
        "graph": draw(drawing, ident, title, description),
        "graph_title": title,
        # Below this width of the screen, the graph scrolls sideways: the page says so.
        "graph_scrolls_below": drawing.width + GRAPH_FRAME,
    }


def _charts(site: Site) -> list[dict[str, Any]]:
    report = site.participation
    if report is None:
        return []
    by_type = [(words.organisation_type(t.org_type), t.took_part) for t in report.by_type]
    by_session = [
        (f"{s.title or s.session} ({date_fr(s.held_on)})", s.attendees) for s in report.sessions
    ]
    # (anchor, title, heading of the labels, rows, how many rows, said in words)
    charts = [
        (
            "types",
            "Participants par type d'organisation",
            "Type d'organisation",
            by_type,
            words.plural(len(by_type), "type d'organisation", "types d'organisation"),
        ),
        (
            "seances",
            "Présents à chaque séance",
            "Séance",
            by_session,
            words.plural(len(by_session), "séance"),
        ),
    ]
    if site.plan.structure.nested and report.parts:
        # One chart per level: each part counts who took part under it or below it.
        for n, (level, count) in enumerate(report.levels, start=1):
            rows = [(p.title, p.participants) for p in report.parts if p.level == level]
            title = f"Participants par {level}"
            charts.append((f"niveau-{n}", title, capital(level), rows, plural_level(level, count)))
    else:
        by_axis = [(site.plan.axes.get(a.axis, a.axis), a.participants) for a in report.axes]
        said = words.plural(len(by_axis), "axe")
        charts.append(("axes", "Participants par axe", "Axe", by_axis, said))
    return [
        {
            "id": ident,
            "title": title,
            "heading": heading,
            "rows": rows,
            "count": said,
            # A chart of many bars is not read: its table is shown alone.
            "svg": (
                bar_chart(rows, f"graphique-{ident}", title, "participants")
                if len(rows) <= CHART_ROWS
                else None
            ),
        }
        for ident, title, heading, rows, said in charts
    ]


def _open_data(views: Projector, site: Site, out: Path, written: list[Path]) -> list[str]:
    """The open-data exports, beside the pages, so the site carries its data."""
    folder = out / "donnees"
    folder.mkdir(exist_ok=True)
    names = []
    for kind in KINDS:
        export = build(views, kind, site.programme)
        for fmt in ("csv", "json"):
            path = folder / f"{kind}.{fmt}"
            path.write_text(render(export, fmt), "utf-8", newline="")
            written.append(path)
            names.append(f"donnees/{kind}.{fmt}")
    if site.checkpoint is not None:
        path = folder / "point-de-controle.json"
        path.write_text(json.dumps(site.checkpoint, ensure_ascii=False, indent=2), "utf-8")
        written.append(path)
        names.append("donnees/point-de-controle.json")
    return names
