"""Every view reads the record alike: a founder's rejection, the date a rule
was met, an annulled registration or action, and the refusals of
contradictory options, seen through the command line on both stores."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from registre.cli.main import main

LAYER = "e2e"

SLUG = "labo"


class Clerk:
    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, *args: str, code: int = 0) -> Result:
        result = CliRunner().invoke(main, ["--database", self.url, *args])
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return result

    def record(self, *args: str, when: str = "2019-03-14", code: int = 0) -> Result:
        return self(*args, "--as", "greffe", "--occurred-at", when, code=code)

    def json(self, *args: str) -> Any:
        return json.loads(self("--json", *args).stdout)

    def head(self) -> int:
        return int(self.json("status")["projections"][0]["head"])


@pytest.fixture
def clerk(store_url: str) -> Clerk:
    c = Clerk(store_url)
    c.record(
        "programme",
        "open",
        SLUG,
        "--title",
        "Labo",
        "--organiser",
        "Ville",
        "--founder",
        "ville=Ville",
        "--founder",
        "etat=État",
        "--rule",
        "unanimity",
    )
    r = c.record
    r("programme", "axis", SLUG, "fin", "--title", "Financement")
    r("session", "schedule", SLUG, "A1", "--kind", "workshop", "--on", "2019-03-14")
    r(
        "participant",
        "register",
        SLUG,
        "P-1",
        "--name",
        "A",
        "--org",
        "Coop",
        "--org-type",
        "association",
    )
    r(
        "participant",
        "register",
        SLUG,
        "P-2",
        "--name",
        "B",
        "--org",
        "Nautile",
        "--org-type",
        "start-up",
    )
    r(
        "contribution",
        "submit",
        SLUG,
        "--key",
        "C-1",
        "--session",
        "A1",
        "--by",
        "P-1,P-2",
        "--text",
        "Un fonds",
    )
    r("proposal", "synthesise", SLUG, "F1", "--title", "Fonds", "--from", "C-1")
    r("validate", SLUG, "F1", "--body", "Comité", "--minutes", "CR-1", when="2019-04-02")
    return c


def decide(clerk: Clerk, founder: str, flag: str, why: str, when: str, *more: str) -> None:
    clerk.record(
        "decide", SLUG, "F1", "--founder", founder, flag, "--rationale", why, *more, when=when
    )


def site_page(clerk: Clerk, tmp_path: Path, name: str) -> str:
    out = tmp_path / "site"
    clerk("publish", SLUG, "--out", str(out))
    return (out / name).read_text("utf-8")


def test_a_founders_rejection_is_shown_in_every_view(clerk: Clerk, tmp_path: Path) -> None:
    decide(clerk, "ville", "--approve", "Inscrit au budget", "2019-04-10")
    decide(clerk, "etat", "--reject", "Hors compétence", "2019-04-12")
    trace = clerk.json("trace", SLUG, "F1")
    assert trace["state"] == "rejected-by-founders"
    assert trace["rejected_by"] == ["etat"]
    assert trace["decisions"]["etat"]["rationale"] == "Hors compétence"
    assert "rejected-by-founders by etat" in clerk("trace", SLUG, "F1").stdout
    prov = json.loads(clerk("trace", SLUG, "F1", "--format", "prov").stdout)
    entity = prov["entity"]["reg:proposal/F1"]
    assert (entity["reg:state"], entity["reg:rejected_by"]) == ("rejected-by-founders", "etat")
    assert entity["reg:decision_etat"] == "reject: Hors compétence"
    for fmt in ("dot", "mermaid"):
        assert "rejected-by-founders" in clerk("trace", SLUG, "F1", "--format", fmt).stdout
    exported = clerk.json("export", "proposals", SLUG, "--format", "json")["proposals"][0]
    assert (exported["state"], exported["rejected_by"]) == ("rejected-by-founders", ["etat"])
    assert exported["rationales"]["etat"] == "Hors compétence"
    assert clerk.json("plan", "show", SLUG)["priorities"] == []
    page = site_page(clerk, tmp_path, "proposition-F1.html")
    assert "Rejetée par État" in page and "Hors compétence" in page
    assert "en attente des fondateurs" not in page
    # The rejecting founder revises: the priority is adopted, in every view.
    decide(clerk, "etat", "--approve", "Finalement", "2019-04-20", "--revise")
    assert clerk.json("trace", SLUG, "F1")["state"] == "adopted"
    assert [p["key"] for p in clerk.json("plan", "show", SLUG)["priorities"]] == ["F1"]


@pytest.mark.parametrize("recorded_first", ["ville", "etat"])
def test_the_adoption_is_dated_when_the_rule_was_met(clerk: Clerk, recorded_first: str) -> None:
    # ville approves on the 10th, etat on the 18th, recorded in either order.
    days = {"ville": "2019-04-10", "etat": "2019-04-18"}
    order = [recorded_first, *(f for f in days if f != recorded_first)]
    for founder in order:
        decide(clerk, founder, "--approve", "oui", days[founder])

    def plan(day: str) -> list[dict[str, Any]]:
        shown = clerk.json("plan", "show", SLUG, "--as-of", day, "--by-occurrence")
        return list(shown["priorities"])

    assert plan("2019-04-15") == []
    assert [p["adopted_on"][:10] for p in plan("2019-04-19")] == ["2019-04-18"]
    assert clerk.json("plan", "show", SLUG)["priorities"][0]["adopted_on"][:10] == "2019-04-18"
    assert clerk.json("trace", SLUG, "F1")["adopted_on"][:10] == "2019-04-18"
    assert "adopted on 2019-04-18" in clerk("plan", "show", SLUG).stdout


def test_an_annulled_registration_feeds_no_view(clerk: Clerk) -> None:
    rows = clerk.json("history", SLUG, "--kind", "Registered")
    start_up = next(r["position"] for r in rows if r["subject"] == "P-2")
    clerk.record("correct", SLUG, str(start_up), "--reason", "inscrit par erreur")
    trace = clerk.json("trace", SLUG, "F1")
    assert trace["organisation_types"] == {"association": ["P-1"]}
    stats = clerk.json("stats", SLUG)
    proposal = next(p for p in stats["proposals"] if p["proposal"] == "F1")
    assert proposal["types"] == ["association"]
    exported = clerk.json("export", "proposals", SLUG, "--format", "json")["proposals"][0]
    assert exported["organisation_types"] == ["association"]


def test_an_annulled_action_is_gone_from_every_format(clerk: Clerk) -> None:
    decide(clerk, "ville", "--approve", "oui", "2019-04-10")
    decide(clerk, "etat", "--approve", "oui", "2019-04-11")
    clerk.record(
        "action", "assign", SLUG, "A-1", "--priority", "F1", "--title", "Créer", "--lead", "Ville"
    )
    clerk.record(
        "action", "assign", SLUG, "A-2", "--priority", "F1", "--title", "Doter", "--lead", "Ville"
    )
    assigned = clerk.json("history", SLUG, "--kind", "Assigned")
    a1 = next(r["position"] for r in assigned if r["subject"] == "A-1")
    clerk.record("correct", SLUG, str(a1), "--reason", "action en double")
    trace = clerk.json("trace", SLUG, "F1")
    assert trace["actions"] == ["A-2"]
    assert all(e["to_key"] != "A-1" for e in trace["edges"])
    for fmt in ("dot", "mermaid"):
        drawn = clerk("trace", SLUG, "F1", "--format", fmt).stdout
        assert "A-2" in drawn and "A-1" not in drawn
    prov = json.loads(clerk("trace", SLUG, "F1", "--format", "prov").stdout)
    assert "reg:action/A-2" in prov["entity"] and "reg:action/A-1" not in prov["entity"]
    actions = clerk.json("plan", "show", SLUG)["priorities"][0]["actions"]
    assert [a["key"] for a in actions] == ["A-2"]


@pytest.mark.parametrize(
    "args",
    [
        ("decide", SLUG, "F1", "--founder", "ville", "--approve", "--reject", "--rationale", "x"),
        ("decide", SLUG, "F1", "--founder", "ville", "--reject", "--approve", "--rationale", "x"),
        ("decide", SLUG, "F1", "--founder", "ville", "--amend", "--approve", "--rationale", "x"),
        ("validate", SLUG, "F1", "--body", "B", "--minutes", "M", "--return", "--reject"),
        (
            "round",
            "open",
            SLUG,
            "R1",
            "--session",
            "A1",
            "--method",
            "dots",
            "--limit",
            "3",
            "--max-score",
            "5",
            "--proposal",
            "F1",
        ),
    ],
)
def test_contradictory_options_are_refused_and_nothing_is_written(
    clerk: Clerk, args: tuple[str, ...]
) -> None:
    head = clerk.head()
    result = clerk.record(*args, code=2)
    assert "error:" in result.stderr and "Traceback" not in result.stderr
    assert clerk.head() == head


def test_a_done_action_at_twenty_percent_is_refused(clerk: Clerk) -> None:
    decide(clerk, "ville", "--approve", "oui", "2019-04-10")
    decide(clerk, "etat", "--approve", "oui", "2019-04-11")
    clerk.record(
        "action", "assign", SLUG, "A-1", "--priority", "F1", "--title", "Créer", "--lead", "Ville"
    )
    head = clerk.head()
    result = clerk.record(
        "action", "progress", SLUG, "A-1", "--status", "done", "--percent", "20", code=2
    )
    assert "--percent" in result.stderr
    assert clerk.head() == head


def test_merge_title_renames_an_existing_target(clerk: Clerk) -> None:
    r = clerk.record
    r("proposal", "synthesise", SLUG, "F2", "--title", "Prêts", "--from", "C-1")
    r("proposal", "synthesise", SLUG, "F3", "--title", "Garanties", "--from", "C-1")
    r("proposal", "merge", SLUG, "F3", "--from", "F2", "--title", "Prêts garantis")
    assert clerk.json("trace", SLUG, "F3")["title"] == "Prêts garantis"


def test_history_says_what_each_record_did(clerk: Clerk) -> None:
    decide(clerk, "ville", "--approve", "Inscrit au budget", "2019-04-10")
    rows = clerk.json("history", SLUG, "--kind", "FounderDecided")
    clerk.record("correct", SLUG, str(rows[0]["position"]), "--reason", "mauvais fondateur")
    text = clerk("history", SLUG).stdout
    assert "decided 'approve': Inscrit au budget" in text
    assert f"annuls #{rows[0]['position']} (FounderDecided): mauvais fondateur" in text
    assert "CommandReceipt" not in text and "command " not in text
    assert "command " in clerk("history", SLUG, "--receipts").stdout
    clerk.record("validate", SLUG, "F1", "--body", "Comité", "--minutes", "CR-2", "--return")
    assert "returned by Comité" in clerk("history", SLUG, "--kind", "Validated").stdout
    clerk("history", "inconnu", code=1)
    clerk("history", SLUG, "--kind", "Foo", code=2)
    # --since filters on the date each line shows: when it happened.
    since = clerk.json("history", SLUG, "--since", "2019-04-01")
    assert since and all(r["occurred_at"] >= "2019-04-01" for r in since)
    assert all(r["kind"] != "Submitted" for r in since)


def test_export_events_of_an_unknown_programme_is_refused(clerk: Clerk) -> None:
    result = clerk("export", "events", "inconnu", code=1)
    assert "no programme 'inconnu'" in result.stderr


def test_a_proposal_annulled_after_its_merge_is_gone_from_the_lineage(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["--database", str(tmp_path / "r.db")]
    env = {"REGISTRE_ACTOR": "greffe", "REGISTRE_KEY_DIR": str(tmp_path / "keys")}

    def run(line: str) -> Any:
        result = runner.invoke(main, [*base, *shlex.split(line)], env=env)
        assert result.exit_code == 0, (line, result.stderr)
        return result

    for line in (
        "programme open labo --title Labo --organiser Ville --founder ville=Ville --rule any",
        "session schedule labo A1 --kind workshop --on 2019-03-14",
        "participant register labo P-1 --name Anne --org Coop --org-type association",
        "contribution submit labo --key C-1 --session A1 --by P-1 --text un",
        "contribution submit labo --key C-2 --session A1 --by P-1 --text deux",
        "proposal synthesise labo A --title A --from C-1",
        "proposal synthesise labo B --title B --from C-2",
        "proposal merge labo N --from A --from B --title Fusion",
    ):
        run(line)
    created = json.loads(run("--json history labo --kind Synthesised").stdout)
    position = next(r["position"] for r in created if r["subject"] == "A")
    run(f"correct labo {position} --reason 'proposition saisie par erreur'")
    trace = json.loads(run("trace labo N --format json").stdout)
    assert trace["proposals"] == ["B", "N"]
    assert [c["key"] for c in trace["contributions"]] == ["C-2"]
    for fmt in ("dot", "mermaid", "prov", "text"):
        assert "proposal/A" not in run(f"trace labo N --format {fmt}").stdout
