"""A proposal's trace as a graph, for every drawing of it: the site's SVG, DOT
and Mermaid.

From top to bottom (or left to right): the contributions' versions it cites,
the proposals of its lineage, the rounds it was voted in, the steering
committee's validations, each founder's decisions (a revision follows the
decision it revises), the adoption as a priority of the plan, and the
priority's actions. Annulled validations and decisions are left out, as the
timeline says why. The words come from the phrase catalogue, in the language
asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from registre.projections.phrases import (
    DECISIONS,
    METHODS,
    OUTCOMES,
    RULES,
    STATES,
    Lang,
    plural,
    word,
)
from registre.projections.trace import Step, Trace


@dataclass
class GraphNode:
    id: str
    kind: str  # contribution, proposal, round, validation, decision, priority, action
    lines: list[str]  # the first line names the node; the others say what it holds
    tone: str = ""  # "refused" for a rejection, "pending" for a return or a request to amend


@dataclass
class GraphEdge:
    source: str
    target: str
    relation: str  # cites, amended, merged-into, split-into, voted-in, validation, ...
    label: str


@dataclass
class TraceGraph:
    nodes: dict[str, GraphNode] = field(default_factory=dict)
    edges: list[GraphEdge] = field(default_factory=list)

    def add(self, node: GraphNode) -> None:
        self.nodes[node.id] = node

    def link(self, source: str, target: str, relation: str, label: str) -> None:
        if source in self.nodes and target in self.nodes:
            self.edges.append(GraphEdge(source, target, relation, label))


LABELS: dict[str, tuple[str, str]] = {  # relation -> (French, English)
    "cites": ("citée", "cites"),
    "amended": ("amendée", "amended"),
    "merged-into": ("fusion", "merged-into"),
    "split-into": ("scission", "split-into"),
    "validation": ("", "validation"),
    "decision": ("", "decision"),
    "revises": ("révisée", "revises"),
    "adopted": ("", "adopted"),
    "carried-out-by": ("", "carried-out-by"),
}


def _label(relation: str, lang: Lang) -> str:
    fr, en = LABELS.get(relation, (relation, relation))
    return fr if lang == "fr" else en


def _live(steps: list[Step], kind: str, lineage: list[str]) -> list[Step]:
    return [
        s
        for s in steps
        if s.subject_kind == "proposal" and s.subject in lineage and s.kind == kind
        if not s.annulled
    ]


def trace_graph(t: Trace, lang: Lang, founders: Mapping[str, str] | None = None) -> TraceGraph:
    """The graph of a trace; ``founders`` names the founders (key -> name)."""
    fr = lang == "fr"
    g = TraceGraph()
    titles: dict[str, str] = {}
    for s in t.steps:
        if s.subject_kind == "proposal" and s.kind in ("Synthesised", "Reworded"):
            titles[f"proposal/{s.subject}"] = str(s.detail["title"])
        if s.subject_kind == "action" and s.kind in ("Assigned", "ResultRecorded"):
            titles[f"action/{s.subject}"] = str(s.detail["title"])
    for c in t.contributions:
        previous = None
        for v in sorted(c.versions):
            node = f"contribution/{c.key}@{v}"
            state = ("retirée" if fr else "withdrawn") if c.withdrawn else ""
            if c.void or v in c.annulled_versions:
                state = "annulée" if fr else "annulled"
            head = f"Contribution {c.key}, v{v}" if fr else f"{c.key} v{v}"
            g.add(GraphNode(node, "contribution", [head, state] if state else [head]))
            if previous:
                g.link(previous, node, "amended", _label("amended", lang))
            previous = node
    for p in t.proposals:
        node = f"proposal/{p}"
        lines = [f"Proposition {p}" if fr else p, titles.get(node, "")]
        if p == t.proposal and t.state != "draft":
            lines.append(word(STATES, t.state, lang) if fr else t.state)
        g.add(GraphNode(node, "proposal", lines))
    for r in dict.fromkeys(x.round for x in t.tallies):
        method = next(x.method for x in t.tallies if x.round == r)
        g.add(
            GraphNode(
                f"round/{r}", "round", ["Vote" if fr else "round", r, word(METHODS, method, lang)]
            )
        )
    tallies = {(x.round, x.proposal): x for x in t.tallies}
    for e in t.edges:
        source = f"{e.from_kind}/{e.from_key}" + (f"@{e.from_version}" if e.from_version else "")
        target = f"{e.to_kind}/{e.to_key}"
        label = _label(e.relation, lang)
        if e.relation == "voted-in" and (e.to_key, e.from_key) in tallies:
            x = tallies[(e.to_key, e.from_key)]
            votes = plural(x.counted, "vote", lang=lang)
            label = f"total {x.total} ({votes})" if fr else f"voted: {x.total} ({votes})"
        if e.relation != "carried-out-by":  # actions hang from the priority, below
            g.link(source, target, e.relation, label)
    _decisions(t, g, lang, founders or {})
    for a in t.actions:
        node = f"action/{a}"
        g.add(
            GraphNode(
                node, "action", [f"Action {a}" if fr else f"action {a}", titles.get(node, "")]
            )
        )
        feeds = f"priority/{t.proposal}" if f"priority/{t.proposal}" in g.nodes else None
        for e in t.edges:
            if e.relation == "carried-out-by" and e.to_key == a:
                g.link(
                    feeds or f"proposal/{e.from_key}", node, e.relation, _label(e.relation, lang)
                )
    return g


def _decisions(t: Trace, g: TraceGraph, lang: Lang, founders: Mapping[str, str]) -> None:
    """The validations, each founder's decisions and the adoption, as nodes."""
    fr = lang == "fr"
    validations = _live(t.steps, "Validated", t.proposals)
    for s in validations:
        outcome = str(s.detail["outcome"])
        lines = [
            f"Validation : {word(OUTCOMES, outcome)}" if fr else f"validation: {outcome}",
            str(s.detail["body"]),
            f"{'compte rendu' if fr else 'minutes'} {s.detail['minutes']}",
        ]
        tone = {"rejected": "refused", "returned": "pending"}.get(outcome, "")
        g.add(GraphNode(f"validation/{s.position}", "validation", lines, tone))
        g.link(
            f"proposal/{s.subject}",
            f"validation/{s.position}",
            "validation",
            _label("validation", lang),
        )
    last_of: dict[str, str] = {}  # founder -> their latest decision's node
    for s in _live(t.steps, "FounderDecided", t.proposals):
        founder = str(s.detail["founder"])
        decision = str(s.detail["decision"])
        node = f"decision/{s.position}"
        name = founders.get(founder, founder) if fr else f"founder {founder}"
        lines = [name, word(DECISIONS, decision, lang)]
        tone = {"reject": "refused", "amend": "pending"}.get(decision, "")
        g.add(GraphNode(node, "decision", lines, tone))
        revises = s.detail.get("revises_position")
        if revises is not None and f"decision/{revises}" in g.nodes:
            g.link(f"decision/{revises}", node, "revises", _label("revises", lang))
        else:
            answered = [
                v for v in validations if v.subject == s.subject and v.position < s.position
            ]
            source = f"validation/{answered[-1].position}" if answered else f"proposal/{s.subject}"
            g.link(source, node, "decision", _label("decision", lang))
        last_of[f"{s.subject}/{founder}"] = node
    if not t.adopted:
        return
    adoptions = _live(t.steps, "Adopted", [t.proposal])
    rule = str(adoptions[-1].detail["rule"]) if adoptions else ""
    approvers = [str(f) for f in adoptions[-1].detail["founders"]] if adoptions else []
    node = f"priority/{t.proposal}"
    head = "Priorité du plan d'action" if fr else "adopted priority"
    g.add(GraphNode(node, "priority", [head, t.proposal, word(RULES, rule, lang)]))
    for f in approvers:
        if f"{t.proposal}/{f}" in last_of:
            g.link(last_of[f"{t.proposal}/{f}"], node, "adopted", _label("adopted", lang))
