"""Keys belong to the deployment the store records, not to the store's path:
a store moved, copied or restored keeps signing and verifying; init never
replaces a key; verify tells an unknown key from an altered checkpoint; a
rotation is endorsed by the old key."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registre.adapters.ledger import keyring, notes
from registre.adapters.stores import open_store, parse_url
from registre.cli.main import main
from registre.domain.errors import NotFound

LAYER = "integration"

WHO = ["--as", "greffe"]


def cli(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def record(url: str) -> None:
    db = ["--database", url]
    assert cli(*db, "init")[0] == 0
    opened = cli(
        *db, "programme", "open", "labo", "--title", "T", "--organiser", "O",
        "--founder", "ville=Ville", "--rule", "any", *WHO,
    )  # fmt: skip
    assert opened[0] == 0, opened
    assert cli(*db, "audit", "checkpoint", "--label", "un")[0] == 0
    assert cli(*db, "programme", "axis", "labo", "a1", "--title", "Axe", *WHO)[0] == 0


def verify_json(url: str, *extra: str) -> tuple[int, dict[str, object]]:
    code, out, _ = cli("--database", url, "--json", "audit", "verify", *extra)
    found: dict[str, object] = json.loads(out)
    return code, found


def kinds(report: dict[str, object]) -> list[str]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return [f["kind"] for f in findings]


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "keys"
    monkeypatch.setenv("REGISTRE_KEY_DIR", str(folder))
    return folder


def test_a_store_copied_to_another_folder_signs_and_verifies(tmp_path: Path, keys: Path) -> None:
    url = str(tmp_path / "a" / "registre.db")
    Path(url).parent.mkdir()
    record(url)
    moved = tmp_path / "ailleurs" / "copie.db"
    moved.parent.mkdir()
    shutil.copy(url, moved)
    code, report = verify_json(str(moved))
    assert code == 0 and report["ok"], report
    code, out, err = cli("--database", str(moved), "audit", "checkpoint", "--label", "deux")
    assert code == 0, err
    code, out, _ = cli("--database", str(moved), "init")
    assert code == 0 and "signing key found" in out
    assert len(list(keys.glob("*.pem"))) == 1
    code, report = verify_json(str(moved))
    assert code == 0 and report["checkpoints"] == 2, report


def test_init_never_replaces_a_deployments_key(tmp_path: Path, keys: Path) -> None:
    url = str(tmp_path / "registre.db")
    record(url)
    (key_file,) = keys.glob("*.pem")
    kept = key_file.read_bytes()
    key_file.unlink()
    code, _, err = cli("--database", url, "init")
    assert code != 0 and "restore the key file" in err, err
    assert not key_file.exists()
    # Another deployment's key put in its place is refused too, and named.
    other = tmp_path / "autre.db"
    record(str(other))
    foreign = next(p for p in keys.glob("*.pem"))
    shutil.copy(foreign, key_file)
    code, _, err = cli("--database", url, "init")
    assert code == 1 and "is not a key of deployment" in err, err
    code, report = verify_json(url)
    assert code == 4 and kinds(report) == ["key"], report
    key_file.write_bytes(kept)
    assert verify_json(url)[0] == 0


def test_an_unknown_key_is_not_called_an_alteration(tmp_path: Path, keys: Path) -> None:
    url = str(tmp_path / "registre.db")
    record(url)
    with open_store(parse_url(url)) as store:
        deployment, origin = store.deployment, store.origin
    # Someone signs a checkpoint with a key of their own and slips it in.
    forger = Ed25519PrivateKey.generate()
    public = keyring.public_key_bytes(forger)
    body = notes.checkpoint_body(origin, 2, b"\x00" * 32, "2024-01-01T00:00:00+00:00", "")
    signed = notes.sign(body, origin, forger)
    import sqlite3

    with sqlite3.connect(url) as conn:
        conn.execute(
            "INSERT INTO registre_checkpoints (tree_size, root_hash, created_at, label, "
            "deployment, key_id, public_key, signature, note) VALUES (?,?,?,?,?,?,?,?,?)",
            (
                2,
                b"\x00" * 32,
                "2024-01-01T00:00:00+00:00",
                "",
                deployment,
                keyring.key_id(public),
                public,
                signed.signature,
                notes.Note(body, (signed,)).text,
            ),
        )
    code, report = verify_json(url)
    assert code == 4 and kinds(report) == ["unknown-key"], report
    assert "not altered but not the deployment's" in json.dumps(report)


def test_a_rotation_is_endorsed_by_the_old_key(tmp_path: Path, keys: Path) -> None:
    url = str(tmp_path / "registre.db")
    record(url)
    db = ["--database", url]
    code, out, err = cli(*db, "audit", "key", "--rotate")
    assert code == 0 and "endorsed by it" in out, err
    assert cli(*db, "audit", "checkpoint", "--label", "après")[0] == 0
    code, report = verify_json(url)
    assert code == 0 and report["checkpoints"] == 2, report
    with open_store(parse_url(url)) as store:
        ring = keyring.keyring(store)
    assert len(ring.operator) == 2 and not ring.problems
    # A key added without an endorsement is not trusted, and said so.
    import sqlite3

    stranger = keyring.public_key_bytes(Ed25519PrivateKey.generate())
    with sqlite3.connect(url) as conn:
        conn.execute(
            "INSERT INTO registre_keys (role, name, key_id, public_key, added_at, endorsed_by, "
            "endorsement) VALUES ('operator', 'x', ?, ?, 'now', ?, ?)",
            (keyring.key_id(stranger), stranger, next(iter(ring.operator)), b"\x00" * 64),
        )
    code, report = verify_json(url)
    assert code == 4 and kinds(report) == ["key"], report


@pytest.mark.postgres
def test_a_postgres_dump_restored_elsewhere_signs_and_verifies(
    postgres_url: str, keys: Path, tmp_path: Path
) -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump and pg_restore are not installed")
    record(postgres_url)
    parts = urlsplit(postgres_url)
    source_db = parts.path.lstrip("/")
    schema = parts.query.removeprefix("schema=")
    dump = tmp_path / "store.dump"
    host = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", "postgres"]
    subprocess.run(["pg_dump", *host, "-Fc", "-n", schema, "-f", str(dump), source_db], check=True)
    target = f"registre_restore_{uuid.uuid4().hex[:8]}"
    subprocess.run(["createdb", *host, target], check=True)
    try:
        subprocess.run(["pg_restore", *host, "-d", target, str(dump)], check=True)
        restored = urlunsplit((parts.scheme, parts.netloc, f"/{target}", parts.query, ""))
        code, report = verify_json(restored)
        assert code == 0 and report["ok"], report
        code, _, err = cli("--database", restored, "audit", "checkpoint", "--label", "restauré")
        assert code == 0, err
        assert verify_json(restored)[0] == 0
    finally:
        subprocess.run(["dropdb", *host, "--force", target], check=False)


@pytest.mark.parametrize("form", ["written", "OpenSSH", "encrypted", "not a key"])
def test_a_key_file_reads_as_the_library_reads_it(tmp_path: Path, form: str) -> None:
    """The key file `init` writes is read without the library's PEM reader; any
    other form still goes through it, and is read alike or refused alike."""
    from cryptography.hazmat.primitives import serialization as s

    path = tmp_path / "k.pem"
    if form == "written":
        made = keyring._write_new_key(path)
        assert made is not None
        assert keyring._plain_ed25519(path.read_bytes()) is not None
    else:
        made = Ed25519PrivateKey.generate()
        encoding, layout = s.Encoding.PEM, s.PrivateFormat.PKCS8
        crypt: s.KeySerializationEncryption = s.NoEncryption()
        if form == "OpenSSH":
            layout = s.PrivateFormat.OpenSSH
        elif form == "encrypted":
            crypt = s.BestAvailableEncryption(b"secret")
        pem = made.private_bytes(encoding, layout, crypt)
        if form == "not a key":  # the armour, and the key's prefix cut short
            pem = b"\n".join([keyring.PEM_BEGIN, b"MC4CAQAwBQYDK2VwBCIEIA==", keyring.PEM_END, b""])
        path.write_bytes(pem)
        assert keyring._plain_ed25519(path.read_bytes()) is None
    if form != "written":
        with pytest.raises((ValueError, TypeError)):  # the library refuses it
            s.load_pem_private_key(path.read_bytes(), password=None)
        with pytest.raises(NotFound, match="encrypted" if form == "encrypted" else "not"):
            keyring.read_private_key(path)
        return
    expected = s.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(expected, Ed25519PrivateKey)
    read = keyring.read_private_key(path)
    assert keyring.public_key_bytes(read) == keyring.public_key_bytes(expected)
    assert read.private_bytes_raw() == expected.private_bytes_raw()
    if form == "written":
        assert keyring.public_key_bytes(read) == keyring.public_key_bytes(made)
