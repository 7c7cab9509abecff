"""Checkpoints, tiles and proofs checked by an implementation Registre did not
write: Go's ``golang.org/x/mod/sumdb/note`` and ``sumdb/tlog`` (Debian's
``golang-golang-x-mod-dev``, built with ``golang-go``), driven by
``tlog_go/main.go``. Where Go or the package is missing, the test skips on a
developer's machine and fails in CI (``./dev test`` installs both)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from registre.cli.main import main

LAYER = "integration"

GOPATH = Path("/usr/share/gocode")
SOURCE = Path(__file__).parent / "tlog_go"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="module")
def go_verifier(tmp_path_factory: pytest.TempPathFactory) -> Path:
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


def run_go(verifier: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(verifier), *args], capture_output=True, text=True, check=False)


def test_go_verifies_the_checkpoints_tiles_and_proofs(
    go_verifier: Path, store_url: str, tmp_path: Path
) -> None:
    db = ["--database", store_url]
    assert cli(*db, "demo")[0] == 0  # its plan publication signs a checkpoint
    code, out, _ = cli(*db, "--json", "audit", "checkpoint", "--export", str(tmp_path / "c1"))
    first = json.loads(out)
    for i in range(300):  # past a full tile, so that a level-1 tile is written too
        assert cli(*db, "programme", "axis", "fabrik-medvallee", f"x{i}", "--title", "X",
                   "--as", "greffe")[0] == 0  # fmt: skip
    assert cli(*db, "audit", "checkpoint", "--label", "deux")[0] == 0
    site = tmp_path / "site"
    code, _, err = cli(*db, "publish", "fabrik-medvallee", "--out", str(site))
    assert code == 0, err
    log = site / "donnees" / "journal"
    vkey = json.loads(cli(*db, "--json", "audit", "key")[1])["vkey"]
    old_root = base64.b64encode(bytes.fromhex(first["root_hash"])).decode()
    ok = run_go(go_verifier, str(log), vkey, str(first["tree_size"]), old_root)
    assert ok.returncode == 0, ok.stderr
    assert "inclusion verified" in ok.stdout and "consistency verified" in ok.stdout
    assert (log / "tile" / "1").is_dir()

    # One byte changed in a tile, an entry, or the note: Go refuses it.
    for target in ("tile/0/000", "tile/entries/000", "checkpoint"):
        path = log / target
        original = path.read_bytes()
        changed = bytearray(original)
        changed[len(changed) // 3] ^= 0x01
        path.write_bytes(bytes(changed))
        bad = run_go(go_verifier, str(log), vkey)
        assert bad.returncode != 0, (target, bad.stdout)
        path.write_bytes(original)
    # A root the later tree does not extend: the consistency proof fails.
    forked = base64.b64encode(b"\x07" * 32).decode()
    assert run_go(go_verifier, str(log), vkey, str(first["tree_size"]), forked).returncode != 0
