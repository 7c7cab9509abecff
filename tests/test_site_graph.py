"""The provenance graph's geometry, read back from the SVG: no edge runs
through a box other than its two ends, every text fits its box, every label
sits clear of the boxes, and the drawing fits its viewBox; on the demo's
pages and on random lineages. DOT and Mermaid carry the same validation and
decisions."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Recordings
from hypothesis import given, settings
from hypothesis import strategies as st
from site_support import publish_demo

from registre.adapters.site.svg import FONT, LABEL_FONT, PAD, draw, layout, text_width
from registre.cli.main import main
from registre.projections.trace_graph import GraphNode, TraceGraph

LAYER = "e2e"

NS = {"svg": "http://www.w3.org/2000/svg"}
Rect = tuple[float, float, float, float]  # x, y, width, height


def points(d: str) -> list[list[tuple[float, float]]]:
    """The path as polylines (curves sampled), one per command after the first."""
    tokens = re.findall(r"[MLC]|-?\d+(?:\.\d+)?(?:e-?\d+)?", d)
    lines: list[list[tuple[float, float]]] = []
    here = (0.0, 0.0)
    i = 0
    while i < len(tokens):
        op = tokens[i]
        if op == "M":
            here = (float(tokens[i + 1]), float(tokens[i + 2]))
            i += 3
        elif op == "L":
            there = (float(tokens[i + 1]), float(tokens[i + 2]))
            lines.append([here, there])
            here, i = there, i + 3
        elif op == "C":
            c = [float(x) for x in tokens[i + 1 : i + 7]]
            p0, p1, p2, p3 = here, (c[0], c[1]), (c[2], c[3]), (c[4], c[5])
            sampled = []
            for k in range(41):
                t = k / 40
                sampled.append(
                    tuple(
                        (1 - t) ** 3 * a
                        + 3 * (1 - t) ** 2 * t * b
                        + 3 * (1 - t) * t**2 * e
                        + t**3 * f
                        for a, b, e, f in zip(p0, p1, p2, p3, strict=True)
                    )
                )
            lines.append(sampled)  # type: ignore[arg-type]
            here, i = p3, i + 7
        else:
            raise AssertionError(f"unexpected path command {op!r} in {d!r}")
    return lines


def crosses(a: tuple[float, float], b: tuple[float, float], r: Rect) -> bool:
    """Whether segment a-b enters the inside of rectangle r (its border excluded)."""
    x, y, w, h = r
    x0, y0, x1, y1 = x + 0.5, y + 0.5, x + w - 0.5, y + h - 0.5
    steps = max(int(abs(b[0] - a[0]) + abs(b[1] - a[1])), 1)
    for k in range(steps + 1):
        px = a[0] + (b[0] - a[0]) * k / steps
        py = a[1] + (b[1] - a[1]) * k / steps
        if x0 < px < x1 and y0 < py < y1:
            return True
    return False


def check(svg: ET.Element) -> int:
    """Asserts the geometry of one graph; returns its number of edges."""
    _, _, width, height = (float(v) for v in svg.attrib["viewBox"].split())
    boxes: dict[str, Rect] = {}
    for g in svg.iterfind("svg:g", NS):
        rect = g.find("svg:rect", NS)
        assert rect is not None
        r = tuple(float(rect.attrib[k]) for k in ("x", "y", "width", "height"))
        boxes[g.attrib["data-id"]] = r  # type: ignore[assignment]
        x, y, w, h = r
        assert x >= 0 and x + w <= width and y >= 0 and y + h <= height, g.attrib["data-id"]
        for text in g.iterfind("svg:text", NS):
            tx, ty = float(text.attrib["x"]), float(text.attrib["y"])
            bold = text.attrib.get("font-weight") == "bold"
            assert tx >= x + PAD - 0.01 and tx + text_width(text.text or "", bold) <= x + w, (
                text.text
            )
            assert ty - FONT >= y and ty + 4 <= y + h, text.text
    edges = 0
    for path in svg.iterfind("svg:path[@class='edge']", NS):
        ends = {path.attrib["data-from"], path.attrib["data-to"]}
        assert ends <= set(boxes), ends
        edges += 1
        for line in points(path.attrib["d"]):
            for a, b in itertools.pairwise(line):
                for p in (a, b):
                    assert 0 <= p[0] <= width and 0 <= p[1] <= height, (ends, p)
                for other, r in boxes.items():
                    if other not in ends:
                        assert not crosses(a, b, r), f"{sorted(ends)} runs through {other}"
    for label in svg.iterfind("svg:text[@class='label']", NS):
        cx, base = float(label.attrib["x"]), float(label.attrib["y"])
        half = len(label.text or "") * LABEL_FONT * 0.31
        lx0, lx1, ly0, ly1 = cx - half, cx + half, base - LABEL_FONT, base + 2
        assert lx0 >= 0 and lx1 <= width and ly0 >= 0 and ly1 <= height, label.text
        for other, (x, y, w, h) in boxes.items():
            apart = lx1 <= x or x + w <= lx0 or ly1 <= y or y + h <= ly0
            assert apart, f"label {label.text!r} over {other}"
    return edges


def graphs_of(page: Path) -> list[ET.Element]:
    found = re.findall(r'<svg[^>]*class="graph".*?</svg>', page.read_text("utf-8"), re.S)
    return [ET.fromstring(x) for x in found]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, recordings: Recordings) -> Path:
    return publish_demo(tmp_path_factory.mktemp("graph"), recordings)


def test_the_demos_graphs_keep_their_lines_out_of_other_boxes(site: Path) -> None:
    pages = sorted(site.glob("proposition-*.html"))
    assert len(pages) == 8
    for page in pages:
        [svg] = graphs_of(page)
        assert check(svg) >= 1, page.name
    p06 = graphs_of(site / "proposition-P-06.html")[0]
    kinds = {g.attrib["class"] for g in p06.iterfind("svg:g", NS)}
    assert {"node contribution", "node proposal", "node round", "node validation"} <= kinds
    assert {"node decision", "node priority", "node action"} <= kinds
    # C-15 feeds P-06 past P-07, which sits between them: the line must go around.
    c15 = p06.find("svg:path[@data-from='contribution/C-15@1']", NS)
    assert c15 is not None and c15.attrib["data-to"] == "proposal/P-06"


def test_the_graph_shows_each_founders_decision_and_a_revision(site: Path) -> None:
    p02 = (site / "proposition-P-02.html").read_text("utf-8")
    [svg] = graphs_of(site / "proposition-P-02.html")
    decisions = [
        " ".join(t.text or "" for t in g.iterfind("svg:text", NS))
        for g in svg.iterfind("svg:g[@class='node decision']", NS)
    ]
    assert len(decisions) == 4  # three founders, one of whom revised
    assert sum("Région Occitanie" in d for d in decisions) == 2
    assert any("demande d&#39;amender" in d or "demande d'amender" in d for d in decisions)
    assert "révisée" in p02
    p08 = graphs_of(site / "proposition-P-08.html")[0]
    [refusal] = [g for g in p08.iterfind("svg:g[@class='node validation']", NS)]
    assert "rejetée" in " ".join(t.text or "" for t in refusal.iterfind("svg:text", NS))


KINDS = ["proposal", "round", "validation", "decision", "priority", "action"]


@st.composite
def graphs(draw_: st.DrawFn) -> TraceGraph:
    g = TraceGraph()
    contributions = draw_(st.lists(st.integers(1, 3), min_size=0, max_size=5))
    for c, versions in enumerate(contributions):
        for v in range(1, versions + 1):
            g.add(GraphNode(f"contribution/C{c}@{v}", "contribution", [f"C{c} v{v}"]))
            if v > 1:
                g.link(f"contribution/C{c}@{v - 1}", f"contribution/C{c}@{v}", "amended", "")
    others = draw_(st.lists(st.sampled_from(KINDS), min_size=1, max_size=12))
    words = st.text(alphabet="abcdéèMWmw -'", min_size=0, max_size=70)
    for i, kind in enumerate(others):
        g.add(GraphNode(f"{kind}/{i}", kind, [f"{kind} {i}", draw_(words), draw_(words)]))
    ids = list(g.nodes)
    for j, target in enumerate(ids):
        if target.startswith("contribution/"):
            continue
        sources = draw_(st.sets(st.integers(0, max(j - 1, 0)), max_size=4)) if j else set()
        for i in sorted(sources):
            if i < j:
                g.link(ids[i], target, "cites", draw_(st.sampled_from(["", "citée", "total 12"])))
    return g


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_random_lineages_keep_their_lines_out_of_other_boxes(g: TraceGraph) -> None:
    svg = ET.fromstring(str(draw(layout(g), "g", "titre", "description")))
    assert check(svg) == len(g.edges)


def test_the_check_finds_a_line_through_a_box_and_a_text_too_long(site: Path) -> None:
    [svg] = graphs_of(site / "proposition-P-06.html")
    boxes = {g.attrib["data-id"]: g.find("svg:rect", NS) for g in svg.iterfind("svg:g", NS)}
    p07 = boxes["proposal/P-07"]
    assert p07 is not None
    x, y = float(p07.attrib["x"]), float(p07.attrib["y"])
    c15 = svg.find("svg:path[@data-from='contribution/C-15@1']", NS)
    assert c15 is not None
    c15.attrib["d"] = f"M{x - 20},{y - 20} L{x + 60},{y + 60}"  # straight through P-07
    with pytest.raises(AssertionError, match="runs through proposal/P-07"):
        check(svg)
    [svg] = graphs_of(site / "proposition-P-06.html")
    text = svg.find("svg:g/svg:text", NS)
    assert text is not None
    text.text = "Une contribution au titre bien trop long pour sa boîte"
    with pytest.raises(AssertionError):
        check(svg)


def test_dot_and_mermaid_show_the_validation_and_each_founders_decision(sqlite_url: str) -> None:
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, ["--database", sqlite_url, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        return result.stdout

    run("demo")
    dot = run("trace", "fabrik-medvallee", "P-02", "--format", "dot")
    validation = re.findall(r'"(validation/\d+)" \[label="validation: validated', dot)
    decisions = re.findall(r'"(decision/\d+)" \[label="founder (\w+)\\n(\w+)"', dot)
    assert len(validation) == 1
    assert sorted((f, d) for _, f, d in decisions) == [
        ("etat", "approve"),
        ("metropole", "approve"),
        ("region", "amend"),
        ("region", "approve"),
    ]
    assert f'"proposal/P-02" -> "{validation[0]}" [label="validation"]' in dot
    assert '[label="revises"]' in dot and '-> "priority/P-02" [label="adopted"]' in dot
    assert '"priority/P-02" -> "action/A-03"' in dot
    mermaid = run("trace", "fabrik-medvallee", "P-08", "--format", "mermaid")
    assert "validation: rejected" in mermaid and "priority" not in mermaid
