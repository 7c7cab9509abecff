"""A programme whose structure nests, read by every view: the plan (text, JSON
and as it stood before a part was added), the trace, the statistics and the
published site show each priority under its themes and axes, with the level
words the programme uses, the larger programme and the ones within it, and the
sessions dedicated to a part; all with the path the aggregate itself reads. On
both stores."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from cli_support import Registre as Cli
from service_support import ctx, max_position

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.site.build import build_site, build_sites
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
    # Within the neighbourhood lab: one person, one idea, adopted there.
    nord = "labo-nord"
    send(
        c.RegisterParticipant(
            programme=nord,
            key="N-1",
            name="Personne N-1",
            organisation="O",
            organisation_type=OrganisationType.ASSOCIATION,
        )
    )
    send(
        c.ScheduleSession(
            programme=nord, key="NS", kind=SessionKind.WORKSHOP, on=date(2019, 5, 2), title="Nord"
        )
    )
    send(c.SubmitContribution(programme=nord, key="NK", session="NS", authors=["N-1"], text="NK"))
    send(
        c.SynthesiseProposal(
            programme=nord,
            key="N1",
            title="Une maison des projets",
            sources=[c.SourceRef.parse("NK")],
        )
    )
    send(
        c.ValidateProposal(
            programme=nord, proposal="N1", body="Comité", minutes="CR-N", outcome=Outcome.VALIDATED
        )
    )
    send(
        c.DecideOnPriority(
            programme=nord,
            proposal="N1",
            founder="ville",
            decision=Decision.APPROVE,
            rationale="CR",
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
    # Its own figures and its lab's, added up by the domain's reading.
    within = [
        "with the 1 programme within it: 3 participants, 4 proposals, 3 adopted priorities",
        "  itself: 2 participants, 3 proposals, 2 adopted priorities",
        "  labo-nord (Labo Nord): 1 participant, 1 proposal, 1 adopted priority",
        "      - Une maison des projets",
    ]
    lines = text.splitlines()
    start = lines.index(within[0])
    assert lines[start : start + 4] == within
    stats = cli.plain(f"stats {P}").stdout.splitlines()
    start = stats.index(within[0])
    assert stats[start : start + 4] == within  # the statistics say the same
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
    assert plan["within"]["totals"] == {
        "programmes": 1,
        "participants": 3,
        "proposals": 4,
        "adopted": 3,
    }
    assert plan["within"]["programmes"][0]["priorities"] == ["Une maison des projets"]
    assert plan["within"] == json.loads(cli.plain(f"--json stats {P}").stdout)["within"]
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
    # Every trace format says the part, with its path.
    said = (
        "part: thème T1 Financer son projet > axe de travail A1 Prêts d'honneur > "
        "concept C1 Un guichet unique"
    )
    dot = cli.plain(f"trace {P} F1 --format dot").stdout
    assert f'label="{said}";' in dot
    mermaid = cli.plain(f"trace {P} F1 --format mermaid").stdout.splitlines()
    assert mermaid[:4] == [
        "---",
        f"title: {json.dumps(said, ensure_ascii=False)}",
        "---",
        "flowchart LR",
    ]
    prov = json.loads(cli.plain(f"trace {P} F1 --format prov").stdout)
    f1 = prov["entity"]["reg:proposal/F1"]
    assert (f1["reg:part"], f1["reg:part_level"]) == ("C1", "concept")
    assert f1["reg:part_path"] == said.removeprefix("part: ")
    # The exports carry each row's part, its level and its path.
    path = "Financer son projet > Prêts d'honneur > Un guichet unique"
    plan_rows = list(csv.DictReader(io.StringIO(cli.plain(f"export plan {P}").stdout)))
    row = next(r for r in plan_rows if r["priority"] == "F1")
    assert (row["axis"], row["axis_level"], row["axis_path"]) == ("C1", "concept", path)
    exported = json.loads(cli.plain(f"export proposals {P} --format json").stdout)
    f2 = next(p for p in exported["proposals"] if p["proposal"] == "F2")
    assert (f2["axis_level"], f2["axis_path"]) == ("axe de travail", "Se former > Mentorat")
    stats = cli.plain(f"stats {P}").stdout
    assert "structure: 2 thèmes, 3 axes de travail, 2 concepts" in stats
    assert "  labo-nord (Labo Nord): 1 participant, 1 proposal, 1 adopted priority" in stats
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
    assert 'Le programme qui en fait partie : <a href="labo-nord/index.html">Labo Nord</a>' in (
        structure
    )
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
    # Published together, each programme within it has its site in its folder, linked
    # both ways, and the larger one's home page shows each with its own figures.
    together = tmp_path / "ensemble"
    folders = [folder for folder, _ in build_sites(views, P, together)]
    assert folders == [together, together / "labo-nord"]
    home = (together / "index.html").read_text("utf-8")
    assert "Avec le programme qui en fait partie : 3 priorités adoptées sur 4 propositions" in home
    lab = home[home.index('<li class="programme">') :]
    assert '<a href="labo-nord/index.html">Labo Nord</a>' in lab
    assert "1 personne inscrite, 1 proposition, 1 priorité adoptée" in lab
    assert "<li>Une maison des projets</li>" in lab
    nord_home = (together / "labo-nord" / "index.html").read_text("utf-8")
    assert 'fait partie du programme <a href="../index.html">Labo258</a>' in nord_home
    assert "1 priorité adoptée sur 1 proposition" in nord_home
    # Every view reads the same path: the trace's is the plan's.
    with views.reading("plan") as db:
        plan = read_plan(db, P)
    assert plan is not None
    with views.reading("provenance") as db:
        trace = read_trace(db, P, "F1", plan.structure)
    assert trace is not None
    assert [p["key"] for p in trace.axis_path] == [p.key for p in plan.structure.path("C1")]


def test_the_statistics_of_a_programme_just_opened_are_zeros(
    service: Registre, store_url: str
) -> None:
    service.handle(
        c.OpenProgramme(
            programme="vide",
            title="Vide",
            organiser="Ville",
            founders={"ville": "Ville"},
            rule=DecisionRule.ANY,
        ),
        ctx(),
    )
    cli = Cli(store_url)
    assert cli.plain("stats vide").stdout.startswith("vide: 0 participants\n")
    data = json.loads(cli.plain("--json stats vide").stdout)
    assert (data["participants"], data["sessions"], data["proposals"]) == (0, [], [])
    refused = cli.plain("stats nulle")
    assert refused.exit_code == 1 and "no programme 'nulle'" in refused.output
