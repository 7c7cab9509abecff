"""A programme whose structure nests, read by every view: the plan (text, JSON
and as it stood before a part was added), the trace, the statistics and the
published site show each priority under its themes and axes, with the level
words the programme uses, the larger programme and the ones within it, and the
sessions dedicated to a part; all with the path the aggregate itself reads. On
both stores."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from cli_support import Registre as Cli
from service_support import ctx, max_position

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.site.build import build_site
from registre.domain import (
    Decision,
    DecisionRule,
    OrganisationType,
    Outcome,
    Programme,
    SessionKind,
)
from registre.projections import projector_for
from registre.projections.plan import read_plan
from registre.projections.trace import read_trace

LAYER = "integration"

P = "labo"

PARTS = [
    # key, title, parent, level
    ("T1", "Financer son projet", None, "thème"),
    ("T2", "Se former", None, "thème"),
    ("A1", "Prêts d'honneur", "T1", "axe de travail"),
    ("A2", "Fonds local", "T1", "axe de travail"),
    ("A3", "Mentorat", "T2", "axe de travail"),
    ("C1", "Un guichet unique", "A1", "concept"),
    ("C2", "Parrainage", "A1", "concept"),
]


def record(service: Registre) -> int:
    """Records the programme; returns the position before its last part."""

    def send(command: c.Command) -> None:
        service.handle(command, ctx())

    send(
        c.OpenProgramme(
            programme=P,
            title="Labo258",
            organiser="Ville de Nantes",
            founders={"ville": "Ville de Nantes", "metro": "Nantes Métropole"},
            rule=DecisionRule.UNANIMITY,
        )
    )
    send(
        c.OpenProgramme(
            programme="labo-nord",
            title="Labo Nord",
            organiser="Ville de Nantes",
            founders={"ville": "Ville de Nantes"},
            rule=DecisionRule.ANY,
            part_of=P,
        )
    )
    for key, title, parent, level in PARTS[:-1]:
        send(c.AddAxis(programme=P, key=key, title=title, parent=parent, level=level))
    before_last_part = max_position(service)
    key, title, parent, level = PARTS[-1]
    send(c.AddAxis(programme=P, key=key, title=title, parent=parent, level=level))
    people = [("P-1", OrganisationType.ASSOCIATION), ("P-2", OrganisationType.STARTUP)]
    for person, kind in people:
        send(
            c.RegisterParticipant(
                programme=P,
                key=person,
                name=f"Personne {person}",
                organisation="O",
                organisation_type=kind,
            )
        )
    send(
        c.ScheduleSession(
            programme=P,
            key="S1",
            kind=SessionKind.WORKSHOP,
            on=date(2019, 3, 14),
            title="Co-conception",
            axes=["T1"],
        )
    )
    send(
        c.ScheduleSession(
            programme=P,
            key="S2",
            kind=SessionKind.COUNCIL,
            on=date(2019, 4, 4),
            title="Conseil du mentorat",
            axes=["A3"],
        )
    )
    send(c.RecordAttendance(programme=P, session="S1", participants=["P-1", "P-2"]))
    send(c.RecordAttendance(programme=P, session="S2", participants=["P-2"]))
    contributions = [
        ("K1", "S1", "C1", "P-1"),
        ("K2", "S2", "A3", "P-2"),
        ("K3", "S1", "A2", "P-2"),
    ]
    for key, session, axis, author in contributions:
        send(
            c.SubmitContribution(
                programme=P, key=key, session=session, axis=axis, authors=[author], text=key
            )
        )
    proposals = [
        ("F1", "Guichet unique", "C1", "K1"),
        ("F2", "Mentors", "A3", "K2"),
        ("F3", "Fonds", "A2", "K3"),
    ]
    for key, title, axis, source in proposals:
        send(
            c.SynthesiseProposal(
                programme=P, key=key, title=title, axis=axis, sources=[c.SourceRef.parse(source)]
            )
        )
        send(
            c.ValidateProposal(
                programme=P,
                proposal=key,
                body="Comité",
                minutes="CR-1",
                outcome=Outcome.VALIDATED,
            )
        )
    for key, founder, decision in [
        ("F1", "ville", Decision.APPROVE),
        ("F1", "metro", Decision.APPROVE),
        ("F2", "ville", Decision.APPROVE),
        ("F2", "metro", Decision.APPROVE),
        ("F3", "ville", Decision.REJECT),
    ]:
        send(
            c.DecideOnPriority(
                programme=P, proposal=key, founder=founder, decision=decision, rationale="CR"
            )
        )
    return before_last_part


@pytest.fixture
def recorded(service: Registre, store_url: str) -> tuple[Registre, str, int]:
    return service, store_url, record(service)


def test_the_plan_shows_priorities_under_their_parts(
    recorded: tuple[Registre, str, int],
) -> None:
    service, url, before_last_part = recorded
    aggregate = service.load(Programme, P, P)
    assert aggregate is not None
    cli = Cli(url)
    text = cli.plain(f"plan show {P}").stdout
    assert "programmes within it: labo-nord (Labo Nord)" in text
    assert "structure: 2 thèmes, 3 axes de travail, 2 concepts" in text
    lines = text.splitlines()
    tree = lines[lines.index("thème T1: Financer son projet") :]
    assert tree[:3] == [
        "thème T1: Financer son projet",
        "  axe de travail A1: Prêts d'honneur",
        "    concept C1: Un guichet unique",
    ]
    assert tree[3].startswith("      F1  Guichet unique")
    assert "thème T2: Se former" in tree and "  axe de travail A3: Mentorat" in tree
    assert "F3" not in text  # rejected by a founder: not in the plan
    plan = json.loads(cli.plain(f"--json plan show {P}").stdout)
    assert plan["sub_programmes"] == [{"programme": "labo-nord", "title": "Labo Nord"}]
    assert plan["structure"]["levels"] == [
        {"level": "thème", "parts": 2},
        {"level": "axe de travail", "parts": 3},
        {"level": "concept", "parts": 2},
    ]
    for priority in plan["priorities"]:
        # The same path as the aggregate reads with the domain's rule.
        expected = aggregate.structure.path(priority["axis"])
        assert [p["key"] for p in priority["axis_path"]] == [p.key for p in expected]
    f1 = next(p for p in plan["priorities"] if p["key"] == "F1")
    assert [p["level"] for p in f1["axis_path"]] == ["thème", "axe de travail", "concept"]
    assert f1["axis_level"] == "concept"
    nord = json.loads(cli.plain("--json plan show labo-nord").stdout)
    assert nord["part_of"] == {"programme": P, "title": "Labo258"}
    assert "part of programme labo (Labo258)" in cli.plain("plan show labo-nord").stdout
    # As the record stood before the last concept was added.
    then = json.loads(cli.plain(f"--json plan show {P} --at {before_last_part}").stdout)
    assert [p["key"] for p in then["structure"]["parts"]] == ["T1", "A1", "C1", "A2", "T2", "A3"]


def test_the_trace_and_the_statistics_show_the_hierarchy(
    recorded: tuple[Registre, str, int],
) -> None:
    _, url, _ = recorded
    cli = Cli(url)
    trace = cli.plain(f"trace {P} F1").stdout.splitlines()
    assert trace[1] == (
        "under: thème T1 Financer son projet > axe de travail A1 Prêts d'honneur > "
        "concept C1 Un guichet unique"
    )
    as_json = json.loads(cli.plain(f"trace {P} F2 --format json").stdout)
    assert as_json["axis"] == "A3"
    assert [p["key"] for p in as_json["axis_path"]] == ["T2", "A3"]
    stats = cli.plain(f"stats {P}").stdout
    assert "structure: 2 thèmes, 3 axes de travail, 2 concepts" in stats
    assert "programmes within it: labo-nord (Labo Nord)" in stats
    data = json.loads(cli.plain(f"--json stats {P}").stdout)
    parts = {p["axis"]: p for p in data["parts"]}
    # A theme counts who took part under it or below it; a session belongs to its part.
    assert parts["T1"]["participants"] == 2 and parts["T1"]["sessions"] == ["S1"]
    assert parts["T1"]["contributions"] == 2
    assert parts["A1"]["participants"] == 1 and parts["A1"]["sessions"] == []
    assert parts["A3"]["sessions"] == ["S2"] and parts["T2"]["participants"] == 1
    assert parts["C1"]["path"] == "Financer son projet > Prêts d'honneur > Un guichet unique"
    assert [p["axis"] for p in data["parts"]] == ["T1", "A1", "C1", "C2", "A2", "T2", "A3"]
    assert data["levels"][0] == {"level": "thème", "parts": 2}


def test_the_site_shows_the_hierarchy_to_a_citizen(
    recorded: tuple[Registre, str, int], tmp_path: Path
) -> None:
    service, _, _ = recorded
    views = projector_for(service.store)
    out = tmp_path / "site"
    build_site(views, P, out)
    structure = (out / "structure.html").read_text("utf-8")
    assert "organise ses travaux en 2 thèmes, 3 axes de travail et 2 concepts" in structure
    assert "Le programme qui en fait partie : <strong>Labo Nord</strong>" in structure
    # Nested lists: the concept sits inside its axis, inside its theme.
    t1 = structure.index('id="partie-T1"')
    a1 = structure.index('id="partie-A1"')
    c1 = structure.index('id="partie-C1"')
    t2 = structure.index('id="partie-T2"')
    assert t1 < a1 < c1 < t2
    assert structure[t1:t2].count("<ul>") >= 2
    assert "Séance consacrée : Co-conception (14 mars 2019)" in structure
    assert "Conseil du mentorat" in structure[structure.index('id="partie-A3"') :]
    index = (out / "index.html").read_text("utf-8")
    assert "Les priorités, par thème" in index
    assert "2 thèmes, 3 axes de travail et 2 concepts" in index
    f1 = index.index("Guichet unique</a>")
    assert "Axe de travail</span> Prêts d&#39;hon" in index[f1 - 400 : f1]
    page = (out / "proposition-F1.html").read_text("utf-8")
    assert 'href="structure.html#partie-C1">Un guichet unique</a>' in page
    participation = (out / "participation.html").read_text("utf-8")
    for level in ("thème", "axe de travail", "concept"):
        assert f"Participants par {level}" in participation
    nord = tmp_path / "nord"
    build_site(views, "labo-nord", nord)
    assert "fait partie du programme <strong>Labo258</strong>" in (nord / "index.html").read_text(
        "utf-8"
    )
    # Every view reads the same path: the trace's is the plan's.
    with views.reading("plan") as db:
        plan = read_plan(db, P)
    assert plan is not None
    with views.reading("provenance") as db:
        trace = read_trace(db, P, "F1", plan.structure)
    assert trace is not None
    assert [p["key"] for p in trace.axis_path] == [p.key for p in plan.structure.path("C1")]
