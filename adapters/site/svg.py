"""SVG drawn here, in Python, so the site needs no script and no outside
library: a proposal's provenance graph and horizontal bar charts.

Every text is escaped; each drawing is an image with a title and a
description that a screen reader announces, and the pages give the same
facts as text beside it.

The graph reads from top to bottom, one row per step of the story: the
contributions, the proposals they fed, the votes and the validation, the
founders' decisions, the priority and its actions. An edge that spans rows
passes through a free slot of each row it crosses, so no line runs through
a box it does not join; every line between two rows stays in the gap
between them.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from textwrap import wrap

from markupsafe import Markup, escape

from registre.projections.trace_graph import TraceGraph

NODE_W, GAP_X, GAP_Y, MARGIN, SLOT_W = 196, 24, 58, 12, 18
PAD, LINE_H, FONT, LABEL_FONT = 8, 15, 12.5, 11
# The widest a character of the site's sans-serif fonts runs, in em: the
# wrapping below keeps every line inside its box with these.
EM_REGULAR, EM_BOLD = 0.58, 0.64
STYLES = {  # fill, stroke: dark strokes on pale fills keep text above 7:1 contrast
    "contribution": ("#e8f1fb", "#1f5fa8"),
    "proposal": ("#fff4d6", "#7a5000"),
    "round": ("#f1ecf8", "#5b3f8c"),
    "validation": ("#eef2f2", "#2f4f52"),
    "decision": ("#eaf4ec", "#1e6b34"),
    "priority": ("#e3f4e6", "#1e6b34"),
    "action": ("#eef2f2", "#2f4f52"),
    "refused": ("#fbeaea", "#8a1c1c"),
    "pending": ("#fff0e0", "#8a4b00"),
}


def chars_in(width: float, bold: bool) -> int:
    """How many characters surely fit in ``width`` pixels."""
    return int(width // (FONT * (EM_BOLD if bold else EM_REGULAR)))


def text_width(text: str, bold: bool) -> float:
    """The most room a line of text can take."""
    return len(text) * FONT * (EM_BOLD if bold else EM_REGULAR)


def _wrap(text: str, width: int, lines: int) -> list[str]:
    parts = wrap(text, width, break_on_hyphens=False) or [""]
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][: width - 1].rstrip() + "…"
    return parts


def _short(text: str, width: int = 27, lines: int = 2) -> list[str]:
    return _wrap(text, width, lines)


@dataclass
class Box:
    id: str
    kind: str  # a node's kind, or "slot" for the free place an edge passes through
    lines: list[tuple[str, bool]] = field(default_factory=list)  # (text, bold)
    full: str = ""
    style: str = ""
    rank: int = 0
    order: float = 0
    x: float = 0
    y: float = 0
    w: float = SLOT_W
    h: float = 0

    @property
    def slot(self) -> bool:
        return self.kind == "slot"


@dataclass
class Route:
    source: str
    target: str
    relation: str
    label: str
    via: list[str]  # the slots it passes through, row by row


@dataclass
class Drawing:
    boxes: dict[str, Box]
    routes: list[Route]
    width: int
    height: int


def _box(node_id: str, kind: str, lines: list[str], tone: str) -> Box:
    inner = NODE_W - 2 * PAD
    shown: list[tuple[str, bool]] = []
    for i, line in enumerate(x for x in lines if x):
        bold = i == 0
        for part in _wrap(line, chars_in(inner, bold), 2 if bold else 3):
            shown.append((part, bold))
    shown = shown[:5]
    full = " — ".join(x for x in lines if x)
    height = 2 * PAD + LINE_H * len(shown) + 2
    return Box(node_id, kind, shown, full, tone or kind, w=NODE_W, h=height)


def layout(g: TraceGraph) -> Drawing:
    """Rows by the longest path from the contributions; within a row, each box
    near the mean place of what it joins (a few sweeps down and up)."""
    boxes = {n.id: _box(n.id, n.kind, n.lines, n.tone) for n in g.nodes.values()}
    flow = [e for e in g.edges if e.relation != "amended"]
    for b in boxes.values():
        if b.kind != "contribution":
            b.rank = 1  # below the contributions, even with none on record
    for _ in boxes:
        changed = False
        for e in flow:
            want = boxes[e.source].rank + 1
            if boxes[e.target].rank < want:
                boxes[e.target].rank, changed = want, True
        if not changed:
            break
    routes: list[Route] = []
    for e in g.edges:
        a, b = boxes[e.source], boxes[e.target]
        via = []
        for r in range(a.rank + 1, b.rank):
            slot = Box(f"slot/{len(boxes)}", "slot", rank=r)
            boxes[slot.id] = slot
            via.append(slot.id)
        routes.append(Route(e.source, e.target, e.relation, e.label, via))
    _order(boxes, routes)
    return _place(boxes, routes)


def _order(boxes: dict[str, Box], routes: list[Route]) -> None:
    rows: dict[int, list[Box]] = {}
    for b in boxes.values():
        rows.setdefault(b.rank, []).append(b)
    for row in rows.values():
        for i, b in enumerate(row):
            b.order = i
    pairs: list[tuple[str, str]] = []
    for r in routes:
        chain = [r.source, *r.via, r.target]
        if r.relation != "amended":
            pairs += list(itertools.pairwise(chain))
    above = {b: [a for a, c in pairs if c == b] for b in boxes}
    below = {b: [c for a, c in pairs if a == b] for b in boxes}

    def contribution(b: Box) -> tuple[str, int]:
        key, _, version = b.id.removeprefix("contribution/").rpartition("@")
        return key, int(version or 0)

    for sweep in range(6):
        down = sweep % 2 == 0
        for rank in sorted(rows, reverse=not down):
            row = rows[rank]
            near = above if down else below

            def centre(b: Box, near: dict[str, list[str]] = near) -> float:
                seen = [boxes[x].order for x in near[b.id]]
                return sum(seen) / len(seen) if seen else b.order

            if rank == 0:
                # A contribution's versions stay side by side, in order.
                blocks: dict[str, list[Box]] = {}
                for b in row:
                    blocks.setdefault(contribution(b)[0], []).append(b)
                place = {k: sum(centre(b) for b in bs) / len(bs) for k, bs in blocks.items()}
                row.sort(key=lambda b: (place[contribution(b)[0]], contribution(b)))
            else:
                row.sort(key=lambda b: (centre(b), b.order))
            for i, b in enumerate(row):
                b.order = i


def _place(boxes: dict[str, Box], routes: list[Route]) -> Drawing:
    rows: dict[int, list[Box]] = {}
    for b in sorted(boxes.values(), key=lambda b: b.order):
        rows.setdefault(b.rank, []).append(b)
    widths = {r: sum(b.w for b in row) + GAP_X * (len(row) - 1) for r, row in rows.items()}
    inner = max(widths.values(), default=NODE_W)
    y = float(MARGIN)
    for rank in sorted(rows):
        row = rows[rank]
        x = MARGIN + (inner - widths[rank]) / 2
        tallest = max((b.h for b in row if not b.slot), default=LINE_H)
        for b in row:
            b.x, b.y = x, y
            if b.slot:
                b.h = tallest
            x += b.w + GAP_X
        y += tallest + GAP_Y
    width = int(inner + 2 * MARGIN)
    height = int(y - GAP_Y + MARGIN)
    return Drawing(boxes, routes, width, height)


def _row_bottom(d: Drawing, b: Box) -> float:
    return max(x.y + x.h for x in d.boxes.values() if x.rank == b.rank)


def _ports(d: Drawing) -> dict[tuple[int, str], tuple[float, float]]:
    """Where each route leaves its source and reaches its target: spread along
    the bottom and the top of a box, in the order of what is at the other end."""
    ports: dict[tuple[int, str], tuple[float, float]] = {}
    for b in d.boxes.values():
        if b.slot:
            continue
        leaving = [
            (i, r) for i, r in enumerate(d.routes) if r.source == b.id and r.relation != "amended"
        ]
        arriving = [
            (i, r) for i, r in enumerate(d.routes) if r.target == b.id and r.relation != "amended"
        ]
        leaving.sort(key=lambda ir: d.boxes[(ir[1].via or [ir[1].target])[0]].x)
        arriving.sort(key=lambda ir: d.boxes[(ir[1].via or [ir[1].source])[-1]].x)
        for n, (i, _) in enumerate(leaving):
            ports[(i, "out")] = (b.x + b.w * (n + 1) / (len(leaving) + 1), b.y + b.h)
        for n, (i, _) in enumerate(arriving):
            ports[(i, "in")] = (b.x + b.w * (n + 1) / (len(arriving) + 1), b.y)
    return ports


def route_path(
    d: Drawing, i: int, ports: Mapping[tuple[int, str], tuple[float, float]]
) -> tuple[str, tuple[float, float] | None]:
    """The path of route ``i`` and where its label goes (None: no room for one)."""
    r = d.routes[i]
    a, b = d.boxes[r.source], d.boxes[r.target]
    if r.relation == "amended":  # side by side in the first row
        y = a.y + min(a.h, b.h) / 2
        return f"M{a.x + a.w:g},{y:g} L{b.x:g},{y:g}", None
    x, y = ports[(i, "out")]
    parts = [f"M{x:g},{y:g}"]
    label_at = None
    bottom = _row_bottom(d, a)
    for slot_id in r.via:
        s = d.boxes[slot_id]
        sx = s.x + s.w / 2
        parts.append(f"L{x:g},{bottom:g}")
        parts.append(_curve(x, bottom, sx, s.y))
        label_at = label_at or ((x + sx) / 2, (bottom + s.y) / 2)
        x, y = sx, s.y
        bottom = s.y + s.h
    tx, ty = ports[(i, "in")]
    parts.append(f"L{x:g},{bottom:g}")
    parts.append(_curve(x, bottom, tx, ty))
    label_at = label_at or ((x + tx) / 2, (bottom + ty) / 2)
    return " ".join(parts), label_at


def _curve(x1: float, y1: float, x2: float, y2: float) -> str:
    """From one row's bottom to the next row's top, within the gap between them."""
    k = (y2 - y1) / 2
    return f"C{x1:g},{y1 + k:g} {x2:g},{y2 - k:g} {x2:g},{y2:g}"


def draw(d: Drawing, ident: str, title: str, description: str) -> Markup:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" role="img" '
        f'width="{d.width}" height="{d.height}" viewBox="0 0 {d.width} {d.height}" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(description)}</desc>',
        '<defs><marker id="' + ident + '-arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
    ]
    ports = _ports(d)
    labels = []
    for i, r in enumerate(d.routes):
        path, label_at = route_path(d, i, ports)
        out.append(
            f'<path class="edge" data-from="{escape(r.source)}" data-to="{escape(r.target)}" '
            f'd="{path}" stroke="#444" fill="none" stroke-width="1.3" '
            f'marker-end="url(#{ident}-arrow)"/>'
        )
        if r.label and label_at:
            lx, ly = label_at
            labels.append(
                f'<text class="label" x="{lx:g}" y="{ly + 4:g}" font-size="{LABEL_FONT}" '
                f'text-anchor="middle" fill="#333" stroke="#fff" stroke-width="3" '
                f'paint-order="stroke">{escape(r.label)}</text>'
            )
    for b in d.boxes.values():
        if b.slot:
            continue
        fill, stroke = STYLES[b.style]
        width_ = 3 if b.kind == "priority" else 1.5
        out.append(
            f'<g class="node {b.kind}" data-id="{escape(b.id)}"><title>{escape(b.full)}</title>'
            f'<rect x="{b.x:g}" y="{b.y:g}" width="{b.w:g}" height="{b.h:g}" rx="6" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{width_}"/>'
        )
        for i, (line, bold) in enumerate(b.lines):
            weight = ' font-weight="bold"' if bold else ""
            out.append(
                f'<text x="{b.x + PAD:g}" y="{b.y + PAD + 11 + i * LINE_H:g}" '
                f'font-size="{FONT}"{weight} fill="#1a1a1a">{escape(line)}</text>'
            )
        out.append("</g>")
    out += labels  # over the lines, on their white halo
    out.append("</svg>")
    return Markup("".join(out))


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
