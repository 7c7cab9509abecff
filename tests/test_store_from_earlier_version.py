"""A store written by the earlier version of Registre (before the schema had a
version, when each command ran its own DDL) still verifies, answers exactly as
that version did, recognises the imports it recorded, and takes new records.

``fixtures/store_v0.db`` was recorded by that version: the demonstration
programme, an annulled vote, an erased participant, a returned priority and a
Pol.is import, with its projections part-built as its queries left them.
``fixtures/store_v0.expected.json`` holds the SHA-256 of what that version
printed for each command below, run on a copy of the file at another path;
when a later change deliberately makes a command say more, the hashes are
taken again (run this file as a script) and the commit says which.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.ledger.verify import verify
from registre.adapters.stores import parse_url, schema
from registre.cli.main import main
from registre.domain import Programme

LAYER = "e2e"

FIXTURES = Path(__file__).parent / "fixtures"
LONDON = FIXTURES / "polis" / "london.youth.policing"


@pytest.fixture
def old_store(tmp_path: Path) -> str:
    path = tmp_path / "copie" / "store.db"
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / "store_v0.db", path)
    return str(path)


def expected() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(
        (FIXTURES / "store_v0.expected.json").read_text(encoding="utf-8")
    )
    return found


def test_every_answer_is_the_one_the_earlier_version_gave(old_store: str) -> None:
    runner = CliRunner()
    for case in expected():
        result = runner.invoke(main, ["--database", old_store, *case["args"]])
        assert result.exit_code == case["exit"], (case["args"], result.stderr)
        digest = hashlib.sha256(result.stdout.encode()).hexdigest()
        assert digest == case["sha256"], (case["args"], result.stdout[:2000])


def test_the_store_is_upgraded_in_place_and_takes_new_records(old_store: str) -> None:
    config = parse_url(old_store)
    with Registre.open(config) as registre:
        assert schema.version(registre.store) == schema.VERSION
        result = registre.handle(
            c.AddAxis(programme="fabrik-medvallee", key="eau", title="Eau"),
            c.Context(actor="greffe", command_id="after-upgrade"),
        )
        assert not result.already_recorded
        report = verify(registre.store)
    assert report.ok and report.events == result.recorded[-1].position


def test_its_axes_read_as_a_structure_and_parts_nest_under_them(old_store: str) -> None:
    # The axes the earlier version recorded (AxisAdded) are parts at the top, at
    # the default level; a part recorded now hangs under one of them.
    config = parse_url(old_store)
    with Registre.open(config) as registre:
        registre.handle(
            c.AddAxis(
                programme="fabrik-medvallee",
                key="essais",
                title="Essais cliniques",
                parent="sante",
                level="concept",
            ),
            c.Context(actor="greffe", command_id="nested-after-upgrade"),
        )
        programme = registre.load(Programme, "fabrik-medvallee", "fabrik-medvallee")
        assert programme is not None
        assert [(p.key, p.level) for p, _ in programme.structure.walk()] == [
            ("sante", "axe"),
            ("essais", "concept"),
            ("environnement", "axe"),
            ("alimentation", "axe"),
        ]
    result = CliRunner().invoke(
        main, ["--database", old_store, "--json", "plan", "show", "fabrik-medvallee"]
    )
    assert result.exit_code == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["structure"]["levels"] == [
        {"level": "axe", "parts": 3},
        {"level": "concept", "parts": 1},
    ]
    essais = next(p for p in plan["structure"]["parts"] if p["key"] == "essais")
    assert (essais["path"], essais["depth"]) == ("Santé > Essais cliniques", 1)


def test_an_import_the_earlier_version_recorded_is_recognised(old_store: str) -> None:
    args = ["import", "polis", "fabrik-medvallee", str(LONDON), "--session", "EN-LIGNE"]
    result = CliRunner().invoke(main, ["--database", old_store, *args, "--as", "greffe"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("already imported:")


if __name__ == "__main__":  # pragma: no cover
    # Run by hand when an output is deliberately changed (say which in the commit):
    # python tests/test_store_from_earlier_version.py
    import sys
    import tempfile

    updated = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "copie.db"
        shutil.copyfile(FIXTURES / "store_v0.db", path)
        runner = CliRunner()
        for case in expected():
            result = runner.invoke(main, ["--database", str(path), *case["args"]])
            digest = hashlib.sha256(result.stdout.encode()).hexdigest()
            if digest != case["sha256"] or result.exit_code != case["exit"]:
                print("changed:", " ".join(case["args"]), file=sys.stderr)
            updated.append(case | {"exit": result.exit_code, "sha256": digest})
    text = json.dumps(updated, indent=1) + "\n"
    (FIXTURES / "store_v0.expected.json").write_text(text, encoding="utf-8")
