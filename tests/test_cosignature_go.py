"""A founder's cosignature checked by code Registre did not write: Go's
``golang.org/x/mod/sumdb/note`` (Debian's ``golang-golang-x-mod-dev``) parses
the cosigned checkpoint, matches each signature line to its key by name and
key hash, and checks the deployment's Ed25519 signature with its own
verifier; the witness's cosignature/v1 is checked by a verifier written in Go
from the C2SP specification (``cosig_go/main.go``), not from Registre's code.
Where Go or the package is missing, the test skips on a developer's machine
and fails in CI (``./dev test`` installs both)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from registre.adapters.application import Registre
from registre.adapters.ledger import witness
from registre.adapters.stores import parse_url
from registre.cli.main import main

LAYER = "e2e"

GOPATH = Path("/usr/share/gocode")
SOURCE = Path(__file__).parent / "cosig_go"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WHO = ["--as", "greffe"]


@pytest.fixture(scope="module")
def go_cosignature_verifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = shutil.which("go") is None or not (GOPATH / "src/golang.org/x/mod/sumdb").is_dir()
    if missing:
        message = (
            "Go and golang-golang-x-mod-dev are needed "
            "(apt-get install golang-go golang-golang-x-mod-dev)"
        )
        if IN_CI:
            pytest.fail(message + "; CI must not skip the independent verification")
        pytest.skip(message)
    out = tmp_path_factory.mktemp("go") / "verify"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": str(GOPATH),
        "GOCACHE": str(out.parent / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run(["go", "build", "-o", str(out), "."], cwd=SOURCE, env=env, check=True)
    return out


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_go_verifies_a_founders_cosignature(
    go_cosignature_verifier: Path, sqlite_url: str, tmp_path: Path
) -> None:
    db = ["--database", sqlite_url]
    assert cli(*db, "init")[0] == 0
    code, _, err = cli(
        *db, "programme", "open", "labo", "--title", "T", "--organiser", "O",
        "--founder", "ville=Ville", "--rule", "any", *WHO,
    )  # fmt: skip
    assert code == 0, err
    key = tmp_path / "ville.pem"
    assert cli(*db, "audit", "witness", "labo", "ville", "--key", str(key), *WHO)[0] == 0
    code, out, err = cli(*db, "--json", "audit", "cosign", "labo", "ville", "--key", str(key))
    assert code == 0, err
    cosigned = tmp_path / "cosigned.txt"
    cosigned.write_text(json.loads(out)["note"], encoding="utf-8")
    operator = json.loads(cli(*db, "--json", "audit", "key")[1])["vkey"]
    with Registre.open(parse_url(sqlite_url)) as registre:
        name, public = witness.registered(registre.store, "labo").witnesses["ville"]
    import base64

    wkey = witness.vkey(name, base64.b64decode(public))
    ok = subprocess.run(
        [str(go_cosignature_verifier), str(cosigned), operator, wkey],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    assert f"verified signature of {name}" in ok.stdout

    # One byte of the signature changed (a character well inside the base64,
    # not one that only carries padding bits): Go refuses the note.
    text = cosigned.read_text(encoding="utf-8").split("\n")
    last, i = text[-2], len(text[-2]) - 20
    text[-2] = last[:i] + ("A" if last[i] != "A" else "B") + last[i + 1 :]
    cosigned.write_text("\n".join(text), encoding="utf-8")
    bad = subprocess.run(
        [str(go_cosignature_verifier), str(cosigned), operator, wkey],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode != 0
