"""The five source programmes, recorded from their workbooks by `registre demo NAME`
(through `registre import sheet`), hold what their published accounts say: the
counts (people, organisations, sessions, parts of the structure at each level),
the plan's priorities under their parts, and the trace of one priority from the
contributions behind it to the founders' decisions.

Each programme is recorded once per run and store (see conftest's ``Recordings``)
and read by one test.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from conftest import Recordings

from registre.adapters.application import Registre
from registre.adapters.demo.programmes import NAMES, PROGRAMMES, QUARTIERS
from registre.adapters.stores.config import parse_url
from registre.cli.main import main
from registre.domain import Participant, Programme, Session

LAYER = "integration"


def cli(url: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["--database", url, *args])
    assert result.exit_code == 0, f"registre {' '.join(args)}\n{result.stderr}"
    return result.stdout


def as_json(url: str, *args: str) -> Any:
    return json.loads(cli(url, "--json", *args))


def recorded(recordings: Recordings, store_kind: str, name: str) -> str:
    """The store holding the source programme ``name``, recorded for this run.

    Each recording is read by one test alone, which records nothing: it reads the
    recording itself rather than a copy (on PostgreSQL a copy is a database made
    from it, as long to make and drop as the recording)."""

    def record(url: str) -> Any:
        return as_json(url, "demo", name)

    recording = recordings.recording(f"source-{name}", store_kind, record)
    imported = [i["programme"] for i in recording.output["imports"]]
    assert imported == list(PROGRAMMES[name].slugs)
    return recording.url


class Record:
    """The aggregates of one programme, read back from the store."""

    def __init__(self, url: str, slug: str) -> None:
        self.url = url
        self.slug = slug
        registre = Registre.open(parse_url(url))
        try:
            programme = registre.load(Programme, slug, slug)
            assert programme is not None, f"no programme {slug}"
            self.programme: Programme = programme
            stats = as_json(url, "stats", slug)
            self.stats = stats
            self.sessions: dict[str, Session] = {}
            for s in stats["sessions"]:
                session = registre.load(Session, slug, s["session"])
                assert session is not None
                self.sessions[s["session"]] = session
        finally:
            registre.close()

    def levels(self) -> Counter[str]:
        return Counter(part.level for part in self.programme.parts.values())

    def under(self, level: str) -> dict[str, str | None]:
        """Each part of ``level`` -> the level of the part it hangs under."""
        parts = self.programme.parts
        return {
            key: (parts[p.parent].level if p.parent else None)
            for key, p in parts.items()
            if p.level == level
        }

    def organisations(self) -> set[str]:
        """The organisations of the participants, as registered (by the record's history)."""
        history = as_json(self.url, "history", self.slug)
        keys = {e["subject"] for e in history if e["subject_kind"] == "participant"}
        registre = Registre.open(parse_url(self.url))
        try:
            participants = [registre.load(Participant, self.slug, key) for key in sorted(keys)]
        finally:
            registre.close()
        return {p.organisation for p in participants if p is not None and p.organisation}

    def kinds_of_session(self) -> Counter[str]:
        return Counter(s.kind.value for s in self.sessions.values())


def plan_under_parts(url: str, slug: str, record: Record) -> list[dict[str, Any]]:
    """The plan's priorities, each checked to sit at a part of the structure and to
    have every founder's approval its rule needs."""
    plan = as_json(url, "plan", "show", slug)
    assert plan["priorities"], f"{slug} has no priority in its plan"
    founders = set(record.programme.founders)
    for priority in plan["priorities"]:
        assert priority["axis"] in record.programme.parts, priority
        approving = {f for f, d in priority["decisions"].items() if d["decision"] == "approve"}
        if record.programme.rule.value == "unanimity":
            assert approving == founders, priority
        else:
            assert approving, priority
        assert priority["actions"], f"priority {priority['key']} has no action"
    return list(plan["priorities"])


def check_trace(url: str, slug: str, key: str, founders: list[str], revised: bool) -> str:
    """The trace of ``key`` runs from its contributions to each founder's decision."""
    trace = cli(url, "trace", slug, key)
    timeline = trace.split("timeline", 1)[1]
    steps = ["submitted", "synthesised", "validated by", "adopted as a priority"]
    steps += [f"founder {f} decided" for f in founders]
    if revised:
        steps.append("revised the decision of")
    for step in steps:
        assert step in trace, f"the trace of {key} in {slug} has no {step!r}"
    order = [timeline.index(s) for s in ("synthesised", "validated by", "adopted as a priority")]
    assert order == sorted(order)
    assert "contributions\n" in trace and "organisations that fed it" in trace
    return trace


def test_the_listed_programmes_are_the_five() -> None:
    assert NAMES == (
        "medvallee",
        "labo258",
        "industrie-positive",
        "cite-economie",
        "assemblee-territoires",
    )


def test_fabrik_medvallee(recordings: Recordings, store_kind: str, tmp_path: Path) -> None:
    url = recorded(recordings, store_kind, "medvallee")
    r = Record(url, "medvallee")
    # Three founders, who must all validate the strategy and plan.
    assert sorted(r.programme.founders) == ["etat", "metropole", "region"]
    assert r.programme.rule.value == "unanimity"
    # Six progressive workshops, an intermediate video restitution, the Assises.
    workshops = sorted((s.on, k) for k, s in r.sessions.items() if s.kind.value == "workshop")
    assert len(workshops) == 6
    assert [k for _, k in workshops] == [f"atelier-{i}" for i in range(1, 7)]
    assert r.kinds_of_session()["restitution"] == 1
    # A listing of more than 400 actors, every one at a workshop at least.
    assert r.stats["participants"] > 400
    assert all(t["took_part"] == t["registered"] for t in r.stats["by_type"])
    kinds = {t["org_type"] for t in r.stats["by_type"]}
    assert {"start-up", "large-company", "research-lab", "university", "local-authority"} <= kinds
    # Three filières and a common base, strategic axes under each.
    assert r.levels() == {"filière": 3, "socle commun": 1, "axe stratégique": 12}
    assert set(r.under("axe stratégique").values()) == {"filière", "socle commun"}
    priorities = plan_under_parts(url, "medvallee", r)
    assert {r.programme.parts[p["axis"]].level for p in priorities} == {"axe stratégique"}
    # The État's refusal keeps one validated proposal out of the plan.
    assert len(priorities) == 13
    # On the home page, under each filière, each strategic axis heads its priorities once.
    site = tmp_path / "site"
    cli(url, "publish", "medvallee", "--out", str(site))
    home = (site / "index.html").read_text("utf-8")
    headings = re.findall(r'<h4 class="subpart">(.*?)</h4>', home)
    assert headings and len(headings) == len(set(headings))
    axes = {r.programme.parts[p["axis"]].title.replace("'", "&#39;") for p in priorities}
    assert {h.rsplit("</span> ", 1)[1] for h in headings} == axes
    check_trace(url, "medvallee", "P-01", ["metropole", "etat", "region"], revised=True)


def test_labo258(recordings: Recordings, store_kind: str) -> None:
    url = recorded(recordings, store_kind, "labo258")
    umbrella = Record(url, "labo258")
    assert umbrella.levels() == {"axe de réflexion": 12}
    registre = Registre.open(parse_url(url))
    try:
        labs = {}
        for slug in PROGRAMMES["labo258"].slugs[1:]:
            lab = registre.load(Programme, slug, slug)
            assert lab is not None
            labs[slug] = lab
    finally:
        registre.close()
    # Eleven neighbourhood labs and the entrepreneurship lab, each part of Labo258.
    assert {lab.part_of for lab in labs.values()} == {"labo258"}
    quartiers = [s for s in labs if s.removeprefix("labo258-") in QUARTIERS]
    assert len(quartiers) == 11
    assert all(labs[s].title.startswith("Labo-quartier ") for s in quartiers)

    # The umbrella counts what its labs hold, each lab with its own figures.
    within = umbrella.stats["within"]
    lab_figures = {f["programme"]: f for f in within["programmes"]}
    assert set(lab_figures) == set(labs)
    for key in ("participants", "proposals", "adopted"):
        assert within["totals"][key] == sum(f[key] for f in lab_figures.values())
    entreprendre = lab_figures["labo258-entreprendre"]
    assert entreprendre["participants"] == 40
    assert entreprendre["adopted"] == len(entreprendre["priorities"]) > 0
    assert as_json(url, "plan", "show", "labo258")["within"] == within

    r = Record(url, "labo258-entreprendre")
    # About 40 people, from students to business owners, in two workshops.
    assert r.stats["participants"] == 40
    workshops = sorted((s.on, k) for k, s in r.sessions.items() if s.kind.value == "workshop")
    assert [k for _, k in workshops] == ["co-conception", "prototypage"]
    # 12 themes, 17 work axes for them, 29 concepts, 6 personae, 7 levers of change.
    assert r.levels() == {
        "thème": 12,
        "axe de travail": 17,
        "concept": 29,
        "persona": 6,
        "vecteur d'évolution": 7,
    }
    assert set(r.under("axe de travail").values()) == {"thème"}
    assert set(r.under("concept").values()) == {"axe de travail"}
    themes_answered = {r.programme.parts[k].parent for k in r.under("axe de travail")}
    assert len(themes_answered) == 12  # every theme has its work axes
    priorities = plan_under_parts(url, "labo258-entreprendre", r)
    assert {r.programme.parts[p["axis"]].level for p in priorities} == {"concept"}
    check_trace(url, "labo258-entreprendre", "K-28", ["ville"], revised=True)


INDUSTRIE_MEMBERS = {
    "APF34",
    "Bulane",
    "Chambre de Commerce et d'Industrie de l'Hérault",
    "Chambre de Métiers et de l'Artisanat de l'Hérault",
    "Cyleone",
    "EDF",
    "Equadim",
    "Groupe Méridis",
    "IBM",
    "IDATE",
    "Main Gauche",
    "Meliès BA",
    "Orange",
    "RadioAct & Netia",
    "Seclab",
    "Synia",
    "UIMM Montpellier",
    "UNICEM",
}


def test_industrie_positive(recordings: Recordings, store_kind: str) -> None:
    url = recorded(recordings, store_kind, "industrie-positive")
    r = Record(url, "industrie-positive")
    # The council of the 18 member organisations the Métropole named.
    assert r.organisations() == INDUSTRIE_MEMBERS
    # Monthly from October 2019 to the spring of 2020.
    councils = sorted(s.on for s in r.sessions.values() if s.kind.value == "council")
    assert councils[0] == date(2019, 10, 1)
    assert councils[-1] <= date(2020, 6, 20)
    months = [(d.year, d.month) for d in councils]
    assert len(set(months)) == len(months) == 6
    # Three strategic axes, each thematic council given to one of them.
    assert r.levels() == {"axe stratégique": 3, "thématique": 7}
    given = [
        s.axes[0] for s in r.sessions.values() if len(s.axes) == 1 and s.kind.value == "council"
    ]
    assert sorted(given) == ["image", "intelligence-collective", "projets"]
    priorities = plan_under_parts(url, "industrie-positive", r)
    top = {p["axis"]: r.programme.parts[p["axis"]].parent for p in priorities}
    assert set(top.values()) == {"image", "projets", "intelligence-collective"}
    check_trace(url, "industrie-positive", "F-08", ["metropole"], revised=True)


def test_cite_de_l_economie(recordings: Recordings, store_kind: str) -> None:
    url = recorded(recordings, store_kind, "cite-economie")
    r = Record(url, "cite-economie")
    # Six "how might we" challenges.
    assert r.levels() == {"défi": 6}
    assert all("comment pourrions-nous" in p.title for p in r.programme.parts.values())
    # A forum of about 200 partners on 5 November 2018.
    forum = r.sessions["forum"]
    assert forum.on == date(2018, 11, 5)
    attendance = {s["session"]: s for s in r.stats["sessions"]}["forum"]
    assert 190 <= attendance["attendees"] <= 200
    kinds = set(attendance["by_type"])
    assert {"research-lab", "university", "start-up", "sme", "association", "other"} <= kinds
    priorities = plan_under_parts(url, "cite-economie", r)
    assert {p["axis"] for p in priorities} == set(r.programme.parts)  # an idea per challenge
    check_trace(url, "cite-economie", "I-01", ["region"], revised=False)


def test_assemblee_des_territoires(recordings: Recordings, store_kind: str) -> None:
    url = recorded(recordings, store_kind, "assemblee-territoires")
    r = Record(url, "assemblee-territoires")
    # 158 elected officials.
    assert r.stats["participants"] == 158
    assert [t["org_type"] for t in r.stats["by_type"]] == ["elected-official"]
    # Eight production workshops, each led by one social entrepreneur, on one theme.
    workshops = [s for s in r.sessions.values() if s.kind.value == "workshop"]
    assert len(workshops) == 8
    assert len({f for s in workshops for f in s.facilitators}) == 8
    assert all(len(s.facilitators) == 1 and len(s.axes) == 1 for s in workshops)
    # Three themes.
    assert r.levels() == {"thème": 3}
    assert {s.axes[0] for s in workshops} == set(r.programme.parts)
    priorities = plan_under_parts(url, "assemblee-territoires", r)
    assert {p["axis"] for p in priorities} == set(r.programme.parts)
    check_trace(url, "assemblee-territoires", "T-02", ["region"], revised=False)
