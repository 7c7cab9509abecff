"""The public restitution site of a programme: static pages that work from
the folder they are written to (file://), with no script and no outside asset.

Data comes from the projections, caught up first; pages are rendered by
Jinja2 with autoescaping, so every recorded text is shown as text.
"""

from __future__ import annotations

import importlib.resources
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from registre.adapters.exporters import KINDS, build, render
from registre.adapters.site import words
from registre.adapters.site.svg import bar_chart, draw, layout
from registre.domain.errors import NotFound
from registre.projections.listings import (
    ContributionVersion,
    ProposalRow,
    read_contributions,
    read_organiser,
    read_proposals,
)
from registre.projections.participation import ParticipationReport, read_participation
from registre.projections.phrases import date_fr
from registre.projections.plan import ActionPlan, read_plan
from registre.projections.runner import Projector
from registre.projections.tallies import RoundTally, read_tallies
from registre.projections.trace import Trace, read_trace
from registre.projections.trace_graph import trace_graph

# The page's margins around the graph (main's padding, the frame's border and
# padding), in CSS pixels: the graph fits a screen wider than its width plus these.
GRAPH_FRAME = 2 * 16 + 2 * (1 + 4)


def page_name(proposal: str) -> str:
    # Keys are letters, digits, '.', '_' and '-': safe as file names everywhere.
    return f"proposition-{proposal}.html"


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


def gather(views: Projector, programme: str) -> Site:
    views.catch_up(["plan", "provenance", "participation", "tallies"])
    with views.reading("plan") as db:
        plan = read_plan(db, programme)
        organiser = read_organiser(db, programme)
        proposals = read_proposals(db, programme)
    if plan is None or organiser is None:
        raise NotFound(f"no programme {programme!r} in this store")
    with views.reading("provenance") as db:
        traces = {p.key: t for p in proposals if (t := read_trace(db, programme, p.key))}
        contributions = read_contributions(db, programme)
    with views.reading("participation") as db:
        participation = read_participation(db, programme)
    with views.reading("tallies") as db:
        rounds = read_tallies(db, programme)
    sessions = (
        {s.session: s.title or s.session for s in participation.sessions} if participation else {}
    )
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
    )


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("registre.adapters.site", "templates"),
        autoescape=select_autoescape(["html"], default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date_fr"] = date_fr
    env.globals.update(words=words, page_name=page_name, plural=words.plural)
    return env


def build_site(
    views: Projector,
    programme: str,
    out: Path,
    checkpoint: dict[str, Any] | None = None,
    publication: dict[str, Any] | None = None,
) -> list[Path]:
    """Writes the site into ``out`` (created if needed); returns the files written.

    ``checkpoint`` is the latest signed checkpoint of the ledger, shown on the
    verification page and written beside the open data for offline checks;
    ``publication`` says whether the founders' witnesses cosigned the plan's
    latest publication (final) or whose cosignature is awaited."""
    site = gather(views, programme)
    site.checkpoint = checkpoint
    site.publication = publication
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    common = {"site": site, "plan": site.plan, "founders": site.plan.founders}
    written: list[Path] = []

    def write(name: str, template: str, **context: Any) -> None:
        path = out / name
        path.write_text(env.get_template(template).render(**common, **context), "utf-8")
        written.append(path)

    write("index.html", "index.html", current="index")
    write("propositions.html", "propositions.html", current="propositions")
    for p in site.proposals:
        trace = site.traces.get(p.key)
        if trace is not None:
            write(
                page_name(p.key),
                "proposition.html",
                current="propositions",
                **_page(site, p, trace),
            )
    write("participation.html", "participation.html", current="participation", charts=_charts(site))
    write(
        "verifier.html",
        "verifier.html",
        current="verifier",
        files=_open_data(views, site, out, written),
    )
    css = importlib.resources.files("registre.adapters.site").joinpath("static/site.css")
    (out / "site.css").write_text(css.read_text("utf-8"), "utf-8")
    written.append(out / "site.css")
    return written


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
    by_axis = [(site.plan.axes.get(a.axis, a.axis), a.participants) for a in report.axes]
    charts = [
        ("types", "Participants par type d'organisation", "Type d'organisation", by_type),
        ("seances", "Présents à chaque séance", "Séance", by_session),
        ("axes", "Participants par axe", "Axe", by_axis),
    ]
    return [
        {
            "id": ident,
            "title": title,
            "heading": heading,
            "rows": rows,
            "svg": bar_chart(rows, f"graphique-{ident}", title, "participants"),
        }
        for ident, title, heading, rows in charts
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
