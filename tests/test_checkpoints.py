"""Signed checkpoints, the deployment key, proofs, exports and the offline verifier."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from registre.adapters.application import Registre
from registre.adapters.application import commands as c
from registre.adapters.ledger import checkpoints as cp
from registre.adapters.ledger.merkle import EMPTY_ROOT
from registre.adapters.ledger.notes import checkpoint_body
from registre.adapters.ledger.offline_verify import main as offline_main
from registre.adapters.ledger.offline_verify import signature_valid
from registre.adapters.ledger.verify import verify
from registre.adapters.stores.config import parse_url
from registre.cli.main import main
from registre.domain import DecisionRule

LAYER = "integration"

CTX = c.Context(actor="greffe")


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "keys"
    monkeypatch.setenv(cp.KEY_DIR_ENV, str(folder))
    return folder


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_key_is_created_once_outside_the_store_and_private(store_url: str, keys: Path) -> None:
    code, out, _ = cli("--database", store_url, "init")
    assert code == 0 and "signing key created" in out
    (key_file,) = keys.iterdir()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    code, out, _ = cli("--database", store_url, "init")
    assert "signing key found" in out and list(keys.iterdir()) == [key_file]
    code, pem, _ = cli("--database", store_url, "audit", "key", "--export")
    assert code == 0 and pem.startswith("-----BEGIN PUBLIC KEY-----")
    code, raw, _ = cli("--database", store_url, "audit", "key", "--export", "--format", "base64")
    assert len(base64.b64decode(raw)) == 32


def test_a_checkpoint_signs_the_root_of_the_ledger(store_url: str, keys: Path) -> None:
    config = parse_url(store_url)
    with Registre.open(config) as service:
        cp.ensure_key(service.store, keys)
        assert cp.latest_checkpoint(service.store) is None
        empty = cp.create_checkpoint(service.store, "vide", keys)
        assert (empty.tree_size, empty.root_hash) == (0, EMPTY_ROOT)
        service.handle(
            c.OpenProgramme(
                programme="labo",
                title="T",
                organiser="O",
                founders={"m": "M"},
                rule=DecisionRule.ANY,
            ),
            CTX,
        )
        made = cp.create_checkpoint(service.store, "ouverture", keys)
        latest = cp.latest_checkpoint(service.store)
    assert made.tree_size == 2  # the opening and its receipt
    assert latest is not None and latest["id"] == made.id and latest["label"] == "ouverture"
    statement = checkpoint_body(
        f"registre/{latest['deployment']}",
        2,
        bytes.fromhex(latest["root_hash"]),
        latest["created_at"],
        "ouverture",
    ).encode()
    assert latest["statement"] == statement.decode()
    public = base64.b64decode(latest["public_key"])
    assert signature_valid(public, base64.b64decode(latest["signature"]), statement)
    assert not signature_valid(public, base64.b64decode(latest["signature"]), statement + b" ")


def test_publishing_a_plan_signs_a_checkpoint_that_covers_it(store_url: str, keys: Path) -> None:
    db = ["--database", store_url]
    cli(*db, "init")
    who = ["--as", "greffe"]
    assert (
        cli(
            *db,
            "programme",
            "open",
            "labo",
            "--title",
            "T",
            "--organiser",
            "O",
            "--founder",
            "ville=Ville",
            "--rule",
            "any",
            *who,
        )[0]
        == 0
    )
    code, out, err = cli(*db, "plan", "publish", "labo", "--label", "Restitution", *who)
    assert code == 0, err
    assert "signed checkpoint #1 covers the 4 events recorded so far" in out
    code, out, _ = cli(*db, "audit", "verify")
    assert code == 0 and "verified: 4 events" in out


def test_publishing_without_a_key_publishes_nothing(store_url: str, keys: Path) -> None:
    db, who = ["--database", store_url], ["--as", "greffe"]
    cli(
        *db,
        "programme",
        "open",
        "labo",
        "--title",
        "T",
        "--organiser",
        "O",
        "--founder",
        "ville=Ville",
        "--rule",
        "any",
        *who,
    )
    code, out, err = cli(*db, "plan", "publish", "labo", "--label", "R", *who)
    assert code == 1 and out == ""
    assert err.startswith("error: nothing published: a plan version is published with a ")
    assert "has no signing key yet: run `registre init`" in err
    code, out, _ = cli(*db, "history", "labo")
    assert code == 0 and "plan published" not in out


def test_proofs_export_and_offline_verification(store_url: str, keys: Path, tmp_path: Path) -> None:
    db, who = ["--database", store_url], ["--as", "greffe"]
    cli(*db, "init")
    cli(
        *db,
        "programme",
        "open",
        "labo",
        "--title",
        "T",
        "--organiser",
        "O",
        "--founder",
        "ville=Ville",
        "--rule",
        "any",
        *who,
    )
    assert cli(*db, "audit", "checkpoint", "--label", "un")[0] == 0
    for i in range(5):
        cli(*db, "programme", "axis", "labo", f"a{i}", "--title", "Axe", *who)
    assert cli(*db, "audit", "checkpoint", "--label", "deux")[0] == 0

    code, out, _ = cli(*db, "audit", "prove", "#3", "--checkpoint", "2")
    proof = json.loads(out)
    assert code == 0 and proof["verified"] and proof["tree_size"] == 12
    code, out, _ = cli(*db, "audit", "consistency", "1", "2")
    assert code == 0 and json.loads(out)["verified"]
    code, _, err = cli(*db, "audit", "prove", "99")
    assert code == 1 and "not covered by checkpoint #2" in err

    events, checkpoint = tmp_path / "events.jsonl", tmp_path / "checkpoint.json"
    pub = tmp_path / "key.pem"
    assert cli(*db, "export", "events", "--all", "--out", str(events))[0] == 0
    assert cli(*db, "audit", "checkpoint", "--export", str(checkpoint))[0] == 0
    pub.write_text(cli(*db, "audit", "key", "--export")[1])
    lines = events.read_text().splitlines()
    first = json.loads(lines[0])
    assert first["position"] == 1 and first["event"]["slug"] == "labo"
    offline = ["audit", "verify", "--export", str(events), "--checkpoint", str(checkpoint)]
    # The key inside the checkpoint proves nothing: the verifier wants one from elsewhere.
    code, out, err = cli(*offline)
    assert code == 2 and out == ""
    assert err.startswith("error: give the deployment's published public key (--public-key")
    code, out, _ = cli(*offline, "--public-key", str(pub))
    assert code == 0 and out.startswith("verified: 12 events")
    key_id = json.loads(cli("--json", *db, "audit", "key")[1])["key_id"]
    assert out.rstrip().endswith(f"by key {key_id} (given by --public-key {pub})")
    code, out, _ = cli(*offline, "--key-id", key_id)
    assert code == 0
    assert out.rstrip().endswith(f"by key {key_id} (its fingerprint given by --key-id)")
    code, out, _ = cli(*offline, "--key-id", "0" * 16)
    assert code == 4
    assert f"tampered: the checkpoint is signed by key {key_id}, not by the key" in out
    assert offline_main([str(events), str(checkpoint), "--public-key", str(pub)]) == 0
    assert offline_main([str(events), str(checkpoint)]) == 2

    # One changed character in the export, or in the checkpoint, and it no longer verifies.
    altered = json.loads(lines[4])
    altered["topic"] += "x"
    events.write_text("\n".join([*lines[:4], json.dumps(altered), *lines[5:]]) + "\n")
    code, out, err = cli(*offline, "--key-id", key_id)
    assert code == 4 and "tampered: event #5 was altered" in out
    # The readable copy is what a reader reads: a value changed in it is named.
    altered = json.loads(lines[0])
    altered["event"]["slug"] = "autre"
    events.write_text("\n".join([json.dumps(altered), *lines[1:]]) + "\n")
    code, out, err = cli(*offline, "--key-id", key_id)
    assert code == 4 and (
        "tampered: event #1 was altered: its readable copy differs from its recorded "
        "payload (slug)" in out
    )
    events.write_text("\n".join(lines) + "\n")
    # A leaf gone from the export: the checkpoint says the event is genuine.
    leafless = json.loads(lines[4])
    leafless["leaf_hash"] = None
    events.write_text("\n".join([*lines[:4], json.dumps(leafless), *lines[5:]]) + "\n")
    code, out, err = cli(*offline, "--key-id", key_id)
    assert code == 4 and out.splitlines()[0] == (
        "tampered: event #5 has no ledger leaf: its leaf was deleted: the event is the one "
        "the checkpoint covers"
    )
    events.write_text("\n".join(lines) + "\n")
    data = json.loads(checkpoint.read_text())
    data["label"] = "autre"
    checkpoint.write_text(json.dumps(data))
    assert offline_main([str(events), str(checkpoint), "--key-id", key_id]) == 4
    assert offline_main([str(events), str(tmp_path / "absent.json"), "--key-id", key_id]) == 2

    # A programme's own export is a part of the log: its events and its receipts.
    cli(
        *db,
        "programme",
        "open",
        "autre",
        "--title",
        "T",
        "--organiser",
        "O",
        "--founder",
        "ville=Ville",
        "--rule",
        "any",
        *who,
    )
    code, out, _ = cli(*db, "export", "events", "labo")
    assert code == 0 and len(out.splitlines()) == 12
    assert cli(*db, "export", "events")[0] == 2


def test_verification_says_which_key_it_trusted(
    store_url: str, keys: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = ["--database", store_url]
    cli(*db, "init")
    # A checkpoint of the empty log verifies too.
    assert cli(*db, "audit", "checkpoint", "--label", "un")[0] == 0
    key_id = json.loads(cli("--json", *db, "audit", "key")[1])["key_id"]
    pub = tmp_path / "key.pem"
    pub.write_text(cli(*db, "audit", "key", "--export")[1])

    code, out, _ = cli(*db, "audit", "verify", "--public-key", str(pub))
    assert code == 0
    assert out.rstrip().endswith(
        f"checked with key {key_id} (given by --public-key {pub}), which this store pins"
    )
    # On a machine without the key file and without --public-key: the store's own
    # pinned key, said as such, and what would rule out a store whose keys were replaced.
    monkeypatch.setenv(cp.KEY_DIR_ENV, str(tmp_path / "elsewhere"))
    code, out, _ = cli(*db, "audit", "verify")
    assert code == 0
    assert out.splitlines() == [
        "note: no key from elsewhere vouches for the store's own: give the deployment's "
        "published key (--public-key FILE) to rule out a store whose keys were replaced",
        "verified: 0 events match their ledger leaves and 1 signed checkpoint, checked with "
        f"key {key_id} as this store pins it, and no key from elsewhere",
    ]
    report = json.loads(cli("--json", *db, "audit", "verify")[1])
    assert (
        report["trusted_keys"] == f"key {key_id} as this store pins it, and no key from elsewhere"
    )


def test_verification_of_a_store_without_keys_says_so(store_url: str) -> None:
    with Registre.open(parse_url(store_url)) as service:
        report = verify(service.store)
    assert report.ok
    assert report.trusted == "no key: this store pins none, and none was given"
