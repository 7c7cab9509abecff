"""The trace of a proposal as a readable timeline, JSON, W3C PROV-JSON,
Graphviz DOT and Mermaid.

Texts recorded in the programme (titles, reasons, minutes) are shown as
recorded; only the words around them are this tool's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import datetime
from typing import Any
from urllib.parse import quote

from prov.model import PROV, PROV_LABEL, PROV_TYPE, Namespace, ProvDocument

from registre.projections.phrases import Lang, describe
from registre.projections.trace import Step, Trace
from registre.projections.trace_graph import trace_graph

FORMATS = ("text", "json", "prov", "dot", "mermaid")


def render(trace: Trace, fmt: str) -> str:
    renderers = {
        "text": to_text,
        "json": to_json,
        "prov": to_prov,
        "dot": to_dot,
        "mermaid": to_mermaid,
    }
    return renderers[fmt](trace)


# -- text ---------------------------------------------------------------------------


def _names(items: Iterable[Any]) -> str:
    return ", ".join(str(i) for i in items)


def describe_step(s: Step, lang: Lang = "en", founders: Mapping[str, str] | None = None) -> str:
    """What one step did, in a line: "proposal P-01: validated by …"."""
    return describe(s.subject_kind, s.subject, s.kind, s.detail, lang, founders)


def who(s: Step) -> str:
    behalf = f" for {s.on_behalf_of}" if s.on_behalf_of else ""
    source = f" [{s.source}]" if s.source else ""
    return f"recorded {s.recorded_at[:16]} by {s.actor}{behalf}{source}"


def to_text(t: Trace) -> str:
    state = "adopted priority" if t.adopted else "proposal"
    lines = [f"{t.proposal}  {t.title} — {state} of {t.programme}"]
    if t.axis_path:
        lines.append(f"under: {path_line(t)}")
    elif t.axis:
        lines.append(f"axis: {t.axis}")
    lines.append(f"state: {state_line(t)}")
    lines.append(f"proposals in its lineage: {_names(t.proposals)}")
    lines += ["", "contributions"]
    for c in t.contributions:
        cited = sorted({e.from_version for e in t.edges if e.from_key == c.key and e.from_version})
        versions = ", ".join(
            f"v{v} #{pos}" + (" annulled" if v in c.annulled_versions else "")
            for v, pos in sorted(c.versions.items())
        )
        flags = (" — ANNULLED" if c.void else "") + (
            f" — withdrawn: {c.withdrawn}" if c.withdrawn else ""
        )
        lines.append(
            f"  {c.key}  session {c.session}, axis {c.axis or '-'}, by {_names(c.authors)}; "
            f"{versions}; cited: {_names(f'v{v}' for v in cited)}{flags}"
        )
    lines.append("organisations that fed it:")
    for kind, keys in t.organisation_types.items():
        lines.append(f"  {kind}: {_names(keys)}")
    erased = [a.key for a in t.authors if a.erased]
    if erased:
        lines.append(f"  (data erased on request: {_names(erased)})")
    lines += ["", "timeline"]
    for s in t.steps:
        mark = f"  [ANNULLED by #{s.annulled_by}: {s.annulled}]" if s.annulled else ""
        lines.append(
            f"  #{s.position:<6} {s.occurred_at[:10]}  {describe_step(s)} — {who(s)}{mark}"
        )
    lines += ["", "votes"]
    for tally in t.tallies:
        when = f"closed at #{tally.closed_at}" if tally.closed_at else "still open"
        values = f" ({_names(f'{k} {n}' for k, n in tally.by_value.items())})"
        lines.append(
            f"  round {tally.round} ({tally.method}), {tally.proposal}: {tally.counted} votes "
            f"counted, total {tally.total}, {tally.voters} voters"
            f"{values if tally.by_value else ''}; {when}"
        )
        for v in t.votes:
            if v.round == tally.round and v.proposal == tally.proposal and v.status != "counted":
                why = f": {v.step.annulled}" if v.status == "annulled" else ""
                lines.append(
                    f"    {v.status} #{v.step.position}: {v.participant} {v.value:+d}{why} — "
                    f"{who(v.step)}"
                )
    if not t.tallies:
        lines.append("  not voted on")
    return "\n".join(lines)


def path_line(t: Trace) -> str:
    """The part it sits under, from the top of the structure: "thème T1 Financer >
    concept C1 Un guichet"."""
    return " > ".join(f"{p['level']} {p['key']} {p['title']}" for p in t.axis_path)


def part_said(t: Trace) -> str:
    """ "part: thème T1 Financer > concept C1 Un guichet", or "axis: A1" for a part
    the structure does not hold; empty for a proposal under no part."""
    if t.axis_path:
        return f"part: {path_line(t)}"
    return f"axis: {t.axis}" if t.axis else ""


def state_line(t: Trace) -> str:
    """Where the proposal stands, who decided and why."""
    line = t.state
    if t.adopted_on:
        line += f" (the rule was met on {t.adopted_on[:10]})"
    if t.rejected_by:
        line += f" by {_names(t.rejected_by)}; it cannot be adopted unless they revise"
    for founder, d in t.decisions.items():
        line += f"\n  founder {founder}: {d['decision']} — {d['rationale']}"
    return line


def to_json(t: Trace) -> str:
    return json.dumps(asdict(t), ensure_ascii=False, indent=2)


# -- W3C PROV -----------------------------------------------------------------------


def to_prov(t: Trace) -> str:
    """PROV-JSON: contributions' versions, proposals and actions are entities,
    each step an activity, each clerk and participant an agent."""
    doc = ProvDocument()
    reg = doc.add_namespace("reg", f"urn:registre:{t.programme}:")
    for c in t.contributions:
        for v, pos in sorted(c.versions.items()):
            doc.entity(
                f"reg:contribution/{c.key}@{v}",
                {
                    PROV_TYPE: reg["ContributionVersion"],
                    "reg:session": c.session or "",
                    "reg:withdrawn": c.withdrawn or "",
                    "reg:annulled": v in c.annulled_versions or c.void,
                },
            )
            doc.wasGeneratedBy(f"reg:contribution/{c.key}@{v}", f"reg:step/{pos}")
            if v > 1:
                doc.wasRevisionOf(
                    f"reg:contribution/{c.key}@{v}", f"reg:contribution/{c.key}@{v - 1}"
                )
            for author in c.authors:
                doc.wasAttributedTo(f"reg:contribution/{c.key}@{v}", f"reg:participant/{author}")
    for a in t.authors:
        attrs: dict[Any, Any] = {
            PROV_TYPE: reg["Participant"],
            "reg:organisation_type": a.organisation_type,
        }
        if a.organisation:
            attrs["reg:organisation"] = a.organisation
        doc.agent(f"reg:participant/{a.key}", attrs)
    for p in t.proposals:
        attributes: dict[Any, Any] = {PROV_TYPE: reg["Proposal"]}
        if p == t.proposal:
            if t.axis_path:  # the part it sits at, and the path to it
                part = t.axis_path[-1]
                attributes["reg:part"] = part["key"]
                attributes["reg:part_level"] = part["level"]
                attributes["reg:part_path"] = path_line(t)
            elif t.axis:
                attributes["reg:part"] = t.axis
            attributes["reg:state"] = t.state
            if t.rejected_by:
                attributes["reg:rejected_by"] = _names(t.rejected_by)
            if t.adopted_on:
                attributes["reg:adopted_on"] = t.adopted_on[:10]
            for founder, d in t.decisions.items():
                attributes[f"reg:decision_{founder}"] = f"{d['decision']}: {d['rationale']}"
        doc.entity(f"reg:proposal/{p}", attributes)
    for a_key in t.actions:
        doc.entity(f"reg:action/{a_key}", {PROV_TYPE: reg["Action"]})
    actors: set[str] = set()
    for s in t.steps:
        _prov_step(doc, reg, s, actors, t.actions)
    for e in t.edges:
        activity = f"reg:step/{e.position}"
        if e.relation == "cites":
            source = f"reg:contribution/{e.from_key}@{e.from_version}"
            doc.used(activity, source)
            doc.wasDerivedFrom(f"reg:proposal/{e.to_key}", source, activity)
        elif e.relation in ("merged-into", "split-into", "carried-out-by"):
            doc.wasDerivedFrom(
                f"reg:{e.to_kind}/{e.to_key}", f"reg:proposal/{e.from_key}", activity
            )
        else:  # voted-in: the round's opening put the proposal to the vote
            doc.used(activity, f"reg:proposal/{e.from_key}")
    for tally in t.tallies:
        doc.entity(
            f"reg:tally/{tally.round}/{tally.proposal}",
            {
                PROV_TYPE: reg["Tally"],
                "reg:method": tally.method,
                "reg:counted": tally.counted,
                "reg:total": tally.total,
                "reg:voters": tally.voters,
                "reg:late": tally.late,
            },
        )
        doc.wasDerivedFrom(
            f"reg:tally/{tally.round}/{tally.proposal}", f"reg:proposal/{tally.proposal}"
        )
    return str(doc.serialize(format="json", indent=2))


def agent_id(name: str) -> str:
    """Who recorded a step is free text; percent-escaped, it is a valid PROV name."""
    return f"reg:agent/{quote(name, safe='')}"


def _prov_step(
    doc: ProvDocument, reg: Namespace, s: Step, actors: set[str], t_actions: list[str]
) -> None:
    step = f"reg:step/{s.position}"
    attrs: dict[Any, Any] = {
        PROV_TYPE: reg[s.kind],
        "reg:subject": f"{s.subject_kind} {s.subject}",
        "reg:recorded_at": datetime.fromisoformat(s.recorded_at),
        "reg:description": describe_step(s),
    }
    if s.source:
        attrs["reg:source"] = s.source
    if s.annulled:
        attrs["reg:annulled"] = s.annulled
        attrs["reg:annulled_by"] = f"reg:step/{s.annulled_by}"
    occurred = datetime.fromisoformat(s.occurred_at)
    doc.activity(step, occurred, occurred, attrs)
    for agent in (s.actor, s.on_behalf_of):
        if agent and agent not in actors:
            actors.add(agent)
            doc.agent(agent_id(agent), {PROV_TYPE: PROV["Agent"], PROV_LABEL: agent})
    doc.wasAssociatedWith(step, agent_id(s.actor))
    if s.on_behalf_of:
        doc.actedOnBehalfOf(agent_id(s.actor), agent_id(s.on_behalf_of), step)
    if s.kind == "RecordAnnulled" and s.detail.get("target_position"):
        doc.wasInformedBy(step, f"reg:step/{s.detail['target_position']}")
    subject = f"reg:{s.subject_kind}/{s.subject}"
    if s.subject_kind == "action" and s.subject not in t_actions:
        return  # an annulled action is gone from the graph of entities
    if s.subject_kind in ("proposal", "action"):
        if s.kind in ("Synthesised", "Assigned", "ResultRecorded"):
            doc.wasGeneratedBy(subject, step)
        else:
            doc.used(step, subject)
    elif s.subject_kind == "ballot" and "proposal" in s.detail:
        doc.used(step, f"reg:proposal/{s.detail['proposal']}")


# -- graphs -------------------------------------------------------------------------

SHAPES = {  # node kind -> DOT shape
    "contribution": "note",
    "proposal": "box",
    "round": "ellipse",
    "validation": "hexagon",
    "decision": "diamond",
    "priority": "doubleoctagon",
    "action": "component",
}


def _dot_quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _node_label(lines: list[str]) -> str:
    return "\n".join(line for line in lines if line)


def to_dot(t: Trace) -> str:
    g = trace_graph(t, "en")
    lines = [f"digraph {_dot_quote(f'trace {t.programme} {t.proposal}')} {{", "  rankdir=LR;"]
    if part_said(t):  # the part it sits at, as the graph's title
        lines.append(f"  labelloc=t;\n  label={_dot_quote(part_said(t))};")
    for n in g.nodes.values():
        label = _dot_quote(_node_label(n.lines))
        lines.append(f"  {_dot_quote(n.id)} [label={label}, shape={SHAPES[n.kind]}];")
    for e in g.edges:
        lines.append(
            f"  {_dot_quote(e.source)} -> {_dot_quote(e.target)} [label={_dot_quote(e.label)}];"
        )
    lines.append("}")
    return "\n".join(lines)


def _mermaid_text(text: str) -> str:
    # Mermaid reads entity codes inside quoted labels; '#' first, so a recorded
    # "#quot;" stays text.
    for raw, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;")):
        text = text.replace(raw, code)
    return text.replace("\n", " ")


MERMAID_SHAPES = {  # node kind -> Mermaid's brackets
    "contribution": ('["', '"]'),
    "proposal": ('["', '"]'),
    "round": ('(["', '"])'),
    "validation": ('{{"', '"}}'),
    "decision": ('{"', '"}'),
    "priority": ('[["', '"]]'),
    "action": ('[/"', '"/]'),
}


def to_mermaid(t: Trace) -> str:
    g = trace_graph(t, "en")
    ids = {node_id: f"n{i}" for i, node_id in enumerate(g.nodes)}
    lines = ["flowchart LR"]
    if part_said(t):  # the part it sits at, as the diagram's title
        lines = ["---", f"title: {json.dumps(part_said(t), ensure_ascii=False)}", "---", *lines]
    for n in g.nodes.values():
        left, right = MERMAID_SHAPES[n.kind]
        lines.append(
            f"  {ids[n.id]}{left}{_mermaid_text(' — '.join(x for x in n.lines if x))}{right}"
        )
    for e in g.edges:
        label = f'|"{_mermaid_text(e.label)}"|' if e.label else ""
        lines.append(f"  {ids[e.source]} -->{label} {ids[e.target]}")
    return "\n".join(lines)
