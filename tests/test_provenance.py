"""The provenance projection traces a priority back to its contributions and
forward to its actions, with every step's recorder, and renders the trace."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from click.testing import CliRunner
from prov.model import ProvDocument

from registre.adapters.application import Registre, Result
from registre.adapters.application import commands as c
from registre.adapters.application.service import make_audit
from registre.cli.main import main
from registre.domain import (
    ActionStatus,
    Ballot,
    Decision,
    DecisionRule,
    Method,
    OrganisationType,
    Round,
    SessionKind,
)
from registre.projections import projector_for
from registre.projections.runner import Projector
from registre.projections.trace import Trace, read_trace
from registre.projections.trace_formats import render, to_dot, to_mermaid, to_prov, to_text

LAYER = "unit"

P = "prov"
TYPES = {
    "p1": "university",
    "p2": "association",
    "p3": "sme",
    "p4": "citizen",
    "p5": "citizen",
    "p6": "start-up",
}


def ctx(**extra: Any) -> c.Context:
    return c.Context(actor="greffe", **extra)


def position(result: Result, kind: str) -> int:
    return next(r.position for r in result.recorded if r.kind.endswith(kind))


def record_programme(s: Registre) -> None:
    """Two contributions (one amended, cited at version 2), merged, reworded,
    voted on (a retraction, a replacement, an annulled vote, a late vote),
    validated, decided by three founders (one revision), adopted, acted on."""
    s.handle(
        c.OpenProgramme(
            programme=P,
            title="Programme",
            organiser="Métropole",
            founders={"m": "Métropole", "r": "Région", "e": "État"},
            rule=DecisionRule.UNANIMITY,
        ),
        ctx(),
    )
    s.handle(c.AddAxis(programme=P, key="sante", title="Santé"), ctx())
    s.handle(
        c.ScheduleSession(programme=P, key="W1", kind=SessionKind.WORKSHOP, on=date(2022, 3, 1)),
        ctx(),
    )
    for key, kind in TYPES.items():
        s.handle(
            c.RegisterParticipant(
                programme=P,
                key=key,
                name=f"Nom {key}",
                organisation=f"Org {key}",
                organisation_type=OrganisationType(kind),
            ),
            ctx(),
        )
    for key, author in (("C1", "p1"), ("C2", "p2")):
        s.handle(
            c.SubmitContribution(
                programme=P, key=key, session="W1", authors=[author], text=f"Idée {key}"
            ),
            ctx(source="atelier-1/fiches"),
        )
    s.handle(c.AmendContribution(programme=P, key="C1", text="Idée C1, précisée"), ctx())
    team = ctx(on_behalf_of="Équipe d'animation", source="synthese-1")
    s.handle(
        c.SynthesiseProposal(
            programme=P, key="P1", title="Un", axis="sante", sources=[c.SourceRef.parse("C1@2")]
        ),
        team,
    )
    s.handle(
        c.SynthesiseProposal(
            programme=P, key="P2", title="Deux", axis="sante", sources=[c.SourceRef.parse("C2")]
        ),
        team,
    )
    s.handle(
        c.MergeProposals(
            programme=P, target="P3", sources=["P1", "P2"], title='Un "lieu" <commun>'
        ),
        team,
    )
    s.handle(c.RewordProposal(programme=P, key="P3", title="Un lieu commun"), team)
    s.handle(
        c.OpenRound(programme=P, key="R1", session="W1", method=Method.AGREE, proposals=["P3"]),
        ctx(),
    )

    def vote(participant: str, value: str) -> Result:
        return s.handle(
            c.CastVote(
                programme=P, round="R1", participant=participant, proposal="P3", value=value
            ),
            ctx(source="atelier-2"),
        )

    vote("p1", "agree")
    vote("p3", "agree")
    vote("p3", "disagree")  # replaces p3's agreement
    vote("p4", "agree")
    s.handle(c.RetractVote(programme=P, round="R1", participant="p4", proposal="P3"), ctx())
    mistaken = vote("p5", "agree")
    s.handle(
        c.CorrectRecord(programme=P, position=position(mistaken, "VoteCast"), reason="doublon"),
        ctx(),
    )
    # A vote racing the close: its command read the round while it was open.
    round_: Round = s.store.app.repository.get(Round.create_id(P, "R1"))
    s.handle(c.CloseRound(programme=P, key="R1"), ctx(source="atelier-2"))
    audit = make_audit(ctx(), "late-vote")
    ballot = Ballot.start(round_, "p6", audit)
    ballot.cast(round_, "P3", 1, audit)
    s.store.app.save(ballot)
    s.handle(
        c.ValidateProposal(programme=P, proposal="P3", body="COPIL", minutes="CR-1"),
        ctx(on_behalf_of="COPIL", source="CR-1"),
    )
    for founder, decision, revise in (
        ("m", "approve", False),
        ("r", "approve", False),
        ("e", "amend", False),
        ("e", "approve", True),
    ):
        s.handle(
            c.DecideOnPriority(
                programme=P,
                proposal="P3",
                founder=founder,
                decision=Decision(decision),
                rationale=f"motif {founder}",
                revise=revise,
            ),
            ctx(on_behalf_of=f"fondateur {founder}", source=f"courrier-{founder}"),
        )
    s.handle(
        c.AssignAction(programme=P, key="A1", priority="P3", title="Faire", lead="Métropole"), ctx()
    )
    s.handle(c.EraseParticipant(programme=P, key="p2", reason="demande RGPD"), ctx())


def trace_of(projector: Projector, proposal: str = "P3") -> Trace:
    projector.catch_up(["provenance"])
    with projector.reading("provenance") as db:
        found = read_trace(db, P, proposal)
    assert found is not None
    return found


def test_the_trace_names_every_step_from_contributions_to_actions(service: Registre) -> None:
    record_programme(service)
    t = trace_of(projector_for(service.store))
    assert (t.title, t.adopted, t.proposals, t.actions) == (
        "Un lieu commun",
        True,
        ["P1", "P2", "P3"],
        ["A1"],
    )
    kinds = [(s.subject, s.kind) for s in t.steps]
    for expected in [
        ("C1", "Submitted"),
        ("C1", "Amended"),
        ("C2", "Submitted"),
        ("P1", "Synthesised"),
        ("P1", "MergedInto"),
        ("P2", "MergedInto"),
        ("P3", "Synthesised"),
        ("P3", "Reworded"),
        ("R1", "Opened"),
        ("R1/p4", "VoteRetracted"),
        ("R1/p5", "RecordAnnulled"),
        ("R1", "Closed"),
        ("P3", "Validated"),
        ("P3", "Adopted"),
        ("A1", "Assigned"),
    ]:
        assert expected in kinds
    decisions = [s for s in t.steps if s.kind == "FounderDecided"]
    assert [(d.detail["founder"], d.detail["decision"]) for d in decisions] == [
        ("m", "approve"),
        ("r", "approve"),
        ("e", "amend"),
        ("e", "approve"),
    ]
    assert decisions[3].detail["revises_position"] == decisions[2].position
    assert {(s.actor, s.on_behalf_of, s.source) for s in decisions} >= {
        ("greffe", "fondateur e", "courrier-e")
    }
    validated = next(s for s in t.steps if s.kind == "Validated")
    assert (validated.detail["body"], validated.detail["minutes"], validated.source) == (
        "COPIL",
        "CR-1",
        "CR-1",
    )
    assert next(s for s in t.steps if s.subject == "P1").on_behalf_of == "Équipe d'animation"
    cites = {(e.from_key, e.from_version, e.to_key) for e in t.edges if e.relation == "cites"}
    assert cites == {("C1", 2, "P1"), ("C2", 1, "P2")}
    assert {(e.from_key, e.to_key) for e in t.edges if e.relation == "merged-into"} == {
        ("P1", "P3"),
        ("P2", "P3"),
    }
    c1 = next(x for x in t.contributions if x.key == "C1")
    assert sorted(c1.versions) == [1, 2] and c1.session == "W1"
    # The erased participant still counts, named by key alone.
    assert t.organisation_types == {"association": ["p2"], "university": ["p1"]}
    p2 = next(a for a in t.authors if a.key == "p2")
    assert (p2.erased, p2.organisation) == (True, None)


def test_the_tally_counts_votes_recorded_before_the_close(service: Registre) -> None:
    record_programme(service)
    t = trace_of(projector_for(service.store))
    [tally] = t.tallies
    assert (tally.round, tally.method, tally.counted, tally.total, tally.voters, tally.late) == (
        "R1",
        "agree",
        2,
        0,
        2,
        1,
    )
    assert tally.by_value == {"agree": 1, "disagree": 1}
    assert [(v.participant, v.value, v.status) for v in t.votes] == [
        ("p1", 1, "counted"),
        ("p3", 1, "replaced"),
        ("p3", -1, "counted"),
        ("p4", 1, "retracted"),
        ("p5", 1, "annulled"),
        ("p6", 1, "late"),
    ]
    annulled = next(v for v in t.votes if v.status == "annulled")
    correction = next(s for s in t.steps if s.kind == "RecordAnnulled")
    assert annulled.step.annulled == "doublon"
    assert annulled.step.annulled_by == correction.position
    assert correction.detail["target_position"] == annulled.step.position
    text = to_text(t)
    for line in ("2 votes counted, total 0, 2 voters", "late #", "retracted #", "annulled #"):
        assert line in text
    assert "revised the decision of #" in text and "correction: annuls #" in text


def test_prov_dot_and_mermaid_carry_the_lineage(service: Registre) -> None:
    record_programme(service)
    t = trace_of(projector_for(service.store))
    doc = ProvDocument.deserialize(content=to_prov(t), format="json")
    ids = {str(r.identifier) for r in doc.get_records() if r.identifier is not None}
    for expected in (
        "reg:contribution/C1@1",
        "reg:contribution/C1@2",
        "reg:contribution/C2@1",
        "reg:proposal/P3",
        "reg:action/A1",
        "reg:agent/greffe",
        "reg:participant/p1",
    ):
        assert expected in ids
    derivations = {
        (
            str(r.get_attribute("prov:generatedEntity").pop()),
            str(r.get_attribute("prov:usedEntity").pop()),
        )
        for r in doc.get_records()
        if r.get_type().localpart == "Derivation"
    }
    assert ("reg:proposal/P1", "reg:contribution/C1@2") in derivations
    assert ("reg:proposal/P3", "reg:proposal/P1") in derivations
    assert ("reg:action/A1", "reg:proposal/P3") in derivations
    delegations = [r for r in doc.get_records() if r.get_type().localpart == "Delegation"]
    assert delegations  # the clerk recorded for the validating body and the founders
    dot = to_dot(t)
    assert '"contribution/C1@2" -> "proposal/P1" [label="cites"]' in dot
    assert '"proposal/P1" -> "proposal/P3" [label="merged-into"]' in dot
    assert '\\"lieu\\"' not in dot  # the reworded title is shown, the quoted one escaped if ever
    mermaid = to_mermaid(t)
    # The part it sits at is the diagram's title (front matter), then the flowchart.
    assert "flowchart LR" in mermaid.splitlines()[:4]
    assert '-->|"cites"|' in mermaid and '-->|"merged-into"|' in mermaid
    assert json.loads(render(t, "json"))["proposal"] == "P3"


def test_quotes_and_markup_in_recorded_titles_are_escaped(service: Registre) -> None:
    record_programme(service)
    t = trace_of(projector_for(service.store))
    t.steps = [s for s in t.steps if s.kind != "Reworded"]  # keep the merge's title
    assert '\\"lieu\\" <commun>' in to_dot(t)
    mermaid = to_mermaid(t)
    assert "#quot;lieu#quot; #lt;commun#gt;" in mermaid and '"lieu"' not in mermaid


def test_a_rebuild_from_zero_gives_the_same_trace(service: Registre) -> None:
    record_programme(service)
    incremental = projector_for(service.store)
    incremental.catch_up(["provenance"])  # built while later events arrive
    service.handle(
        c.ReportProgress(programme=P, key="A1", status=ActionStatus.IN_PROGRESS, percent=30), ctx()
    )
    built = trace_of(incremental)
    incremental.replay("provenance")
    assert trace_of(incremental) == built


def run(url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["--database", url, *args], catch_exceptions=False)


@pytest.mark.e2e
@pytest.mark.parametrize("fmt", ["text", "json", "prov", "dot", "mermaid"])
def test_registre_trace_on_the_demo(demo_url: str, fmt: str) -> None:
    result = run(demo_url, "trace", "fabrik-medvallee", "P-06", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    if fmt == "text":
        assert "merged into P-06" in out and "adopted as a priority" in out
    elif fmt == "json":
        assert json.loads(out)["proposals"] == ["P-06", "P-07"]
    elif fmt == "prov":
        doc = ProvDocument.deserialize(content=out, format="json")
        assert any(str(r.identifier) == "reg:proposal/P-06" for r in doc.get_records())
    elif fmt == "dot":
        assert '"proposal/P-07" -> "proposal/P-06" [label="merged-into"]' in out
    else:
        assert '-->|"merged-into"|' in out


@pytest.mark.e2e
@pytest.mark.stores("sqlite", "postgres")
def test_registre_trace_on_postgres_and_refusals(demo_url: str) -> None:
    store_url = demo_url
    assert "P-01" in run(store_url, "--json", "trace", "fabrik-medvallee", "P-01").stdout
    nope = run(store_url, "trace", "nope", "P-01")
    assert nope.exit_code == 1 and nope.stderr.strip() == "error: no programme 'nope' in this store"
    missing = run(store_url, "trace", "fabrik-medvallee", "P-99")
    assert missing.exit_code == 1 and "has no proposal 'P-99'" in missing.stderr
