"""`registre export`: the plan, proposals, contributions and tallies as CSV and
JSON, matching the projections, on both stores; and no personal data in any
byte of any export."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registre.adapters.application import Registre
from registre.adapters.stores.config import parse_url
from registre.cli.main import main
from registre.projections import projector_for
from registre.projections.plan import read_plan
from registre.projections.tallies import read_tallies

LAYER = "e2e"

SLUG = "fabrik-medvallee"
KINDS = ("plan", "proposals", "contributions", "tallies")


def run(url: str, *args: str) -> Any:
    return CliRunner().invoke(main, ["--database", url, *args], catch_exceptions=False)


@pytest.fixture
def demo_store(demo_url: str) -> str:
    """A copy of its own of the demonstration programme, recorded once per run (conftest)."""
    return demo_url


def export(url: str, kind: str, fmt: str) -> str:
    result = run(url, "export", kind, SLUG, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


@pytest.mark.stores("sqlite", "postgres")
def test_every_export_parses_and_matches_the_projections(demo_store: str) -> None:
    service = Registre.open(parse_url(demo_store))
    try:
        views = projector_for(service.store)
        views.catch_up(["plan", "tallies"])
        with views.reading("plan") as db:
            plan = read_plan(db, SLUG)
        with views.reading("tallies") as db:
            rounds = read_tallies(db, SLUG)
    finally:
        service.close()
    assert plan is not None

    plan_rows = list(csv.DictReader(io.StringIO(export(demo_store, "plan", "csv"))))
    assert [r["priority"] for r in plan_rows] == [
        p.key for ps in plan.by_axis().values() for p in ps
    ]
    p02 = next(r for r in plan_rows if r["priority"] == "P-02")
    assert p02["axis_title"] == "Environnement"
    assert p02["decision_region"] == "approve" and p02["actions"] == "A-03"
    plan_json = json.loads(export(demo_store, "plan", "json"))
    assert plan_json["founders"] == plan.founders
    assert [p["key"] for p in plan_json["priorities"]] == [p.key for p in plan.priorities]

    proposals = json.loads(export(demo_store, "proposals", "json"))["proposals"]
    by_key = {p["proposal"]: p for p in proposals}
    assert {k for k, p in by_key.items() if p["adopted"]} == {p.key for p in plan.priorities}
    assert by_key["P-08"]["validation"] == "rejected" and by_key["P-07"]["structure"] == "merged"
    assert by_key["P-06"]["kinds_of_organisation"] == 3
    proposal_rows = list(csv.DictReader(io.StringIO(export(demo_store, "proposals", "csv"))))
    assert [r["proposal"] for r in proposal_rows] == list(by_key)
    assert "metropole=approve" in proposal_rows[0]["decisions"].split(";")

    versions = json.loads(export(demo_store, "contributions", "json"))["contributions"]
    c02 = [v for v in versions if v["contribution"] == "C-02"]
    assert [v["version"] for v in c02] == [1, 2]
    assert c02[1]["text"].startswith("Besoin : une donnée environnementale")
    assert c02[0]["authors"] == ["P-11", "P-33"]
    assert c02[0]["organisation_types"] == ["research-lab", "start-up"]
    rows = list(csv.DictReader(io.StringIO(export(demo_store, "contributions", "csv"))))
    assert len(rows) == len(versions) and rows[0]["text"] == versions[0]["text"]

    (round_,) = rounds
    tallies = list(csv.DictReader(io.StringIO(export(demo_store, "tallies", "csv"))))
    assert {r["proposal"]: int(r["total"]) for r in tallies} == {
        t.proposal: t.total for t in round_.proposals
    }
    document = json.loads(export(demo_store, "tallies", "json"))
    assert document["rounds"] == [round_.as_dict()]


def test_no_name_or_contact_in_any_export(store_url: str, tmp_path: Path) -> None:
    people = {
        "P-1": ("Zéphyrine Quillebœuf", "zephyrine@example.org", "Atelier Quillebœuf"),
        "P-2": ("Barnabé Trouvetout", "+33 6 12 34 56 78", "Coopérative Trouvetout"),
    }
    run(
        store_url,
        "programme",
        "open",
        "labo",
        "--as",
        "greffe",
        "--title",
        "Labo",
        "--organiser",
        "Ville",
        "--founder",
        "ville=Ville",
        "--rule",
        "any",
    )
    run(
        store_url,
        "session",
        "schedule",
        "labo",
        "A1",
        "--as",
        "greffe",
        "--kind",
        "workshop",
        "--on",
        "2019-03-14",
    )
    for key, (name, contact, org) in people.items():
        result = run(
            store_url,
            "participant",
            "register",
            "labo",
            key,
            "--as",
            "greffe",
            "--name",
            name,
            "--contact",
            contact,
            "--org",
            org,
            "--org-type",
            "sme",
        )
        assert result.exit_code == 0, result.stderr
    steps = [
        ("session", "attend", "labo", "A1", "P-1", "P-2"),
        (
            "contribution",
            "submit",
            "labo",
            "--key",
            "C-1",
            "--session",
            "A1",
            "--by",
            "P-1,P-2",
            "--text",
            "Un fonds de garantie",
        ),
        ("proposal", "synthesise", "labo", "F1", "--title", "Fonds", "--from", "C-1@1"),
        (
            "round",
            "open",
            "labo",
            "R1",
            "--session",
            "A1",
            "--method",
            "approval",
            "--limit",
            "1",
            "--proposal",
            "F1",
        ),
        ("vote", "cast", "labo", "R1", "--by", "P-1", "--for", "F1"),
        ("round", "close", "labo", "R1"),
        ("validate", "labo", "F1", "--body", "Comité", "--minutes", "CR-1"),
        ("decide", "labo", "F1", "--founder", "ville", "--approve", "--rationale", "Oui"),
    ]
    for step in steps:
        result = run(store_url, *step, "--as", "greffe")
        assert result.exit_code == 0, (step, result.stderr)
    written = b""
    for kind in KINDS:
        for fmt in ("csv", "json"):
            out = tmp_path / f"{kind}.{fmt}"
            result = run(store_url, "export", kind, "labo", "--format", fmt, "--out", str(out))
            assert result.exit_code == 0 and result.stdout == "", result.stderr
            written += out.read_bytes()
    assert b"P-1" in written and b"sme" in written
    for name, contact, org in people.values():
        for secret in (name, contact, org, name.split()[0], name.split()[1]):
            assert secret.encode() not in written, secret
            assert json.dumps(secret).encode() not in written, secret


def test_export_refusals(demo_store: str, tmp_path: Path) -> None:
    missing = run(demo_store, "export", "plan", "nope")
    assert missing.exit_code == 1 and "no programme 'nope'" in missing.stderr
    bad = run(demo_store, "export", "plan", SLUG, "--format", "xml")
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1
    nowhere = run(demo_store, "export", "plan", SLUG, "--out", str(tmp_path / "no" / "plan.csv"))
    assert nowhere.exit_code == 2 and nowhere.stderr.startswith("error: cannot write")
