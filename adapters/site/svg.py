"""SVG drawn here, in Python, so the site needs no script and no outside
library: a proposal's provenance graph and horizontal bar charts.

Every text is escaped; each drawing is an image with a title and a
description that a screen reader announces, and the pages give the same
facts as text beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from textwrap import wrap

from markupsafe import Markup, escape

from registre.projections.trace import Trace

COLUMN = 270  # distance between two layers of the graph, room for an edge label
NODE_W, NODE_H, GAP, MARGIN = 190, 54, 16, 12
STYLES = {  # fill, stroke: dark strokes on pale fills keep text above 7:1 contrast
    "contribution": ("#e8f1fb", "#1f5fa8"),
    "proposal": ("#fff4d6", "#7a5000"),
    "priority": ("#e3f4e6", "#1e6b34"),
    "round": ("#f1ecf8", "#5b3f8c"),
    "action": ("#eef2f2", "#2f4f52"),
}


@dataclass
class Node:
    id: str
    kind: str
    lines: list[str]
    full: str  # the whole label, shown as a tooltip
    layer: int = 0
    x: float = 0
    y: float = 0


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)  # from, to, label


def _short(text: str, width: int = 27, lines: int = 2) -> list[str]:
    parts = wrap(text, width) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return parts


def lineage(t: Trace) -> Graph:
    """Contribution versions -> proposals -> priority -> rounds and actions."""
    g = Graph()
    titles: dict[str, str] = {}
    for s in t.steps:
        if s.subject_kind == "proposal" and s.kind in ("Synthesised", "Reworded"):
            titles[s.subject] = str(s.detail["title"])
        if s.subject_kind == "action" and s.kind == "Assigned":
            titles[f"action/{s.subject}"] = str(s.detail["title"])
    for c in t.contributions:
        previous = None
        for v in sorted(c.versions):
            state = "retirée" if c.withdrawn else ""
            state = "annulée" if c.void or v in c.annulled_versions else state
            node_id = f"contribution/{c.key}@{v}"
            head = f"Contribution {c.key}, v{v}"
            g.nodes[node_id] = Node(node_id, "contribution", [head, state], f"{head} {state}")
            if previous:
                g.edges.append((previous, node_id, "amendée"))
            previous = node_id
    for p in t.proposals:
        adopted = p == t.proposal and t.adopted
        head = f"{p} · priorité adoptée" if adopted else f"Proposition {p}"
        title = titles.get(p, "")
        g.nodes[f"proposal/{p}"] = Node(
            f"proposal/{p}", "priority" if adopted else "proposal", [head, *_short(title)], title
        )
    for r in dict.fromkeys(x.round for x in t.tallies):
        g.nodes[f"round/{r}"] = Node(f"round/{r}", "round", ["Vote", *_short(r)], f"Vote {r}")
    for a in t.actions:
        title = titles.get(f"action/{a}", "")
        g.nodes[f"action/{a}"] = Node(
            f"action/{a}", "action", [f"Action {a}", *_short(title)], title
        )
    tallies = {(x.round, x.proposal): x for x in t.tallies}
    names = {"cites": "citée", "merged-into": "fusion", "split-into": "scission"}
    for e in t.edges:
        source = f"{e.from_kind}/{e.from_key}" + (f"@{e.from_version}" if e.from_version else "")
        target = f"{e.to_kind}/{e.to_key}"
        if source not in g.nodes or target not in g.nodes:
            continue
        label = names.get(e.relation, "")
        if e.relation == "voted-in" and (e.to_key, e.from_key) in tallies:
            label = f"total {tallies[(e.to_key, e.from_key)].total}"
        g.edges.append((source, target, label))
    _layout(g)
    return g


def _layout(g: Graph) -> None:
    """Layers by longest path from the contributions; within a layer, nodes
    sit near the mean position of what feeds them, to keep lines short."""
    kinds = {n.id: n.kind for n in g.nodes.values()}
    # Versions of one contribution stay in the first layer, stacked.
    flow = [(a, b) for a, b, _ in g.edges if (kinds[a], kinds[b]) != ("contribution",) * 2]
    for _ in g.nodes:
        changed = False
        for a, b in flow:
            want = g.nodes[a].layer + 1
            if g.nodes[b].kind != "contribution" and g.nodes[b].layer < want:
                g.nodes[b].layer, changed = want, True
        if not changed:
            break
    for n in g.nodes.values():
        if n.kind != "contribution" and n.layer == 0:
            n.layer = 1  # a proposal with no contribution on record still sits right of them
    layers: dict[int, list[Node]] = {}
    for n in g.nodes.values():
        layers.setdefault(n.layer, []).append(n)
    rank: dict[str, float] = {}
    for layer in sorted(layers):
        nodes = layers[layer]
        if layer:
            feeds = {n.id: [rank[a] for a, b in flow if b == n.id and a in rank] for n in nodes}
            nodes.sort(key=lambda n: sum(feeds[n.id]) / len(feeds[n.id]) if feeds[n.id] else 0)
        for i, n in enumerate(nodes):
            rank[n.id] = i
    tallest = max((len(ns) for ns in layers.values()), default=1)
    for layer, nodes in layers.items():
        offset = (tallest - len(nodes)) * (NODE_H + GAP) / 2
        for i, n in enumerate(nodes):
            n.x = MARGIN + layer * COLUMN
            n.y = MARGIN + offset + i * (NODE_H + GAP)


def _size(g: Graph) -> tuple[int, int]:
    width = max((n.x for n in g.nodes.values()), default=0) + NODE_W + MARGIN
    height = max((n.y for n in g.nodes.values()), default=0) + NODE_H + MARGIN
    return int(width), int(height)


def graph_svg(t: Trace, ident: str, title: str, description: str) -> Markup:
    g = lineage(t)
    width, height = _size(g)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        '<defs><marker id="' + ident + '-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
    ]
    for a, b, label in g.edges:
        out.append(_edge(g.nodes[a], g.nodes[b], label, ident))
    for n in g.nodes.values():
        fill, stroke = STYLES[n.kind]
        width_ = 3 if n.kind == "priority" else 1.5
        out.append(
            f'<g class="node {n.kind}"><title>{escape(n.full or n.lines[0])}</title>'
            f'<rect x="{n.x}" y="{n.y}" width="{NODE_W}" height="{NODE_H}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width_}"/>'
        )
        for i, line in enumerate(n.lines[:3]):
            weight = ' font-weight="bold"' if i == 0 else ""
            out.append(
                f'<text x="{n.x + 8}" y="{n.y + 17 + i * 15}" font-size="12.5"{weight} '
                f'fill="#1a1a1a">{escape(line)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return Markup("".join(out))


def _edge(a: Node, b: Node, label: str, ident: str) -> str:
    marker = f'marker-end="url(#{ident}-arrow)"'
    if a.layer == b.layer:  # one version of a contribution to the next, stacked below
        x = a.x + NODE_W / 2
        return (
            f'<path d="M{x},{a.y + NODE_H} L{x},{b.y}" stroke="#444" fill="none" '
            f'stroke-width="1.3" {marker}/>'
        )
    x1, y1 = a.x + NODE_W, a.y + NODE_H / 2
    x2, y2 = b.x, b.y + NODE_H / 2
    mid = (x1 + x2) / 2
    path = (
        f'<path d="M{x1},{y1} C{mid},{y1} {mid},{y2} {x2},{y2}" stroke="#444" fill="none" '
        f'stroke-width="1.3" {marker}/>'
    )
    if not label:
        return path
    return path + (
        f'<text x="{mid}" y="{(y1 + y2) / 2 - 4}" font-size="11" text-anchor="middle" '
        f'fill="#333" stroke="#fff" stroke-width="3" paint-order="stroke">{escape(label)}</text>'
    )


# -- bar charts ------------------------------------------------------------------------

BAR_W, ROW_H = 300, 44


def bar_chart(rows: list[tuple[str, int]], ident: str, title: str, unit: str) -> Markup:
    """Horizontal bars, each under its label, so the chart stays readable at
    phone width; the description lists every value."""
    top = max((v for _, v in rows), default=0) or 1
    width, height = 380, len(rows) * ROW_H + 8
    summary = "; ".join(f"{label} : {value} {unit}" for label, value in rows)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(summary)}</desc>',
    ]
    for i, (label, value) in enumerate(rows):
        y = 4 + i * ROW_H
        bar = max(round(BAR_W * value / top), 2 if value else 0)
        shown = escape(_short(label, 52, 1)[0])
        out.append(
            f'<text x="0" y="{y + 13}" font-size="13" fill="#1a1a1a">{shown}</text>'
            f'<rect x="0" y="{y + 19}" width="{bar}" height="16" rx="2" fill="#1f5fa8"/>'
            f'<text x="{bar + 6}" y="{y + 32}" font-size="13" fill="#1a1a1a">{value}</text>'
        )
    out.append("</svg>")
    return Markup("".join(out))
