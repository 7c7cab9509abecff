"""The proofs a published site carries, checked as a citizen would check them.

The demonstration programme is published after a second checkpoint (so the
pages carry a consistency proof between successive publications). Then:

- ``verifier.py``, the file the site publishes, runs in a bare Python outside
  the project's environment (``python3 -I -S``: no site-packages, so no
  Registre and no ``cryptography``), passes on the site as published and names
  what was changed in an altered copy: a readable value, a byte of an entry, a
  proof, the checkpoint;
- in headless Chromium, a proposal's page verifies its proofs on load with
  WebCrypto and says "Vérifié", and says "Échec" naming the event when one
  byte of an entry or of a path in the page is changed. Screenshots of a
  passing and a failing page are kept in ``build/`` for a person to look at.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from chromium_support import Browser, find_chromium
from click.testing import CliRunner
from conftest import Recordings, record_demo
from site_support import SLUG
from test_site_browser import BUILD, browser  # noqa: F401  (fixture)

from registre.cli.main import main

LAYER = "e2e"

PAGE = "proposition-P-03.html"  # an adopted priority


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, recordings: Recordings) -> tuple[Path, str]:
    """The demo's site after a second checkpoint, and the deployment key's fingerprint."""
    folder = tmp_path_factory.mktemp("proofs")
    database, _ = recordings.copy("demo", "sqlite", record_demo, to=folder / "demo.db")
    db = ["--database", database]
    run(*db, "programme", "axis", SLUG, "preuves", "--title", "Preuves", "--as", "greffe")
    run(*db, "audit", "checkpoint", "--label", "Seconde publication")
    run(*db, "publish", SLUG, "--out", str(folder / "site"))
    key = json.loads(run(*db, "--json", "audit", "key"))["key_id"]
    return folder / "site", key


def bare_python() -> list[str]:
    """A Python outside the project's environment, without site-packages."""
    system = Path("/usr/bin/python3")
    return [str(system) if system.exists() else sys.executable, "-I", "-S"]


def verify(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*bare_python(), "verifier.py", "donnees/", *args],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_published_verifier_passes_alone_and_says_which_key_it_trusted(
    published: tuple[Path, str],
) -> None:
    site, key = published
    page = (site / "verifier.html").read_text("utf-8")
    assert f"python3 verifier.py donnees/ --empreinte {key}" in page
    done = verify(site, "--empreinte", key)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"clé de confiance : {key}")
    assert any("copies lisibles de evenements.jsonl" in line for line in lines)
    assert any("1 preuves de cohérence" in line for line in lines), lines
    # The key itself, as `registre audit key --export` gives it, does as well.
    pem = site.parent / "registre.pub"
    pem.write_text(run("--database", str(site.parent / "demo.db"), "audit", "key", "--export"))
    assert verify(site, "--cle", str(pem)).returncode == 0
    vkey = json.loads(run("--database", str(site.parent / "demo.db"), "--json", "audit", "key"))
    assert verify(site, "--cle", vkey["vkey"]).returncode == 0
    # Another key than the organiser's: the log is not the one it vouches for.
    other = base64.b64encode(bytes(range(32))).decode()
    done = verify(site, "--cle", other)
    assert done.returncode == 4 and "n'est signé par aucune clé de confiance" in done.stdout


def test_the_verifier_concludes_nothing_without_the_organisers_key(
    published: tuple[Path, str],
) -> None:
    site, key = published
    for args in ([], ["--empreinte", "0123456789abcdef"], ["--empreinte", "zz"]):
        done = verify(site, *args)
        assert done.returncode == 2 and done.stdout == "", args
        assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("erreur : ")
    assert key in verify(site).stderr  # it says which key the data names


def _readable(site: Path) -> None:
    path = site / "donnees" / "evenements.jsonl"
    lines = path.read_text("utf-8").splitlines(keepends=True)
    event = json.loads(lines[0])
    event["event"]["slug"] = "une-autre"
    lines[0] = json.dumps(event, ensure_ascii=False) + "\n"
    path.write_text("".join(lines), "utf-8")


def _entry_byte(site: Path) -> None:
    path = site / "donnees" / "journal" / "tile" / "entries" / "000"
    data = bytearray(path.read_bytes())
    data[100] ^= 0x01
    path.write_bytes(bytes(data))


def _proof_path(site: Path) -> None:
    path = site / "donnees" / "preuves" / "P-03.json"
    proof = json.loads(path.read_text("utf-8"))
    first = proof["events"][0]
    first["path"][0] = first["path"][1]
    path.write_text(json.dumps(proof), "utf-8")


def _checkpoint(site: Path) -> None:
    path = site / "donnees" / "journal" / "checkpoint"
    path.write_text(path.read_text("utf-8").replace("time 20", "time 19", 1), "utf-8")


@pytest.mark.parametrize(
    ("alter", "said"),
    [
        (_readable, "evenements.jsonl, ligne 1 (événement #1) : sa copie lisible diffère"),
        (_entry_byte, "ne correspond pas aux entrées"),
        (_proof_path, "preuves/P-03.json : l'événement #"),
        (_checkpoint, "n'est signé par aucune clé de confiance"),
    ],
)
def test_the_verifier_names_what_was_changed(
    published: tuple[Path, str], tmp_path: Path, alter: Callable[[Path], None], said: str
) -> None:
    site, key = published
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    alter(copy)
    done = verify(copy, "--empreinte", key)
    assert done.returncode == 4, done.stdout + done.stderr
    assert said in done.stdout, done.stdout


# -- in the browser ------------------------------------------------------------------------


def verdict(b: Browser, url: str) -> str:
    """The page's verdict once its script has given it."""
    assert b.navigate(url) == []
    for _ in range(300):
        text = str(b.evaluate("document.getElementById('verification').textContent"))
        if "en cours" not in text:
            return text
        time.sleep(0.05)
    raise AssertionError(f"{url}: the page gave no verdict")


def shoot(b: Browser, name: str, tmp_path: Path) -> None:
    b.evaluate("document.querySelector('details.proof-detail').open = true")
    BUILD.mkdir(exist_ok=True)
    shot = tmp_path / "shot.png"
    b.screenshot(shot)
    shutil.copyfile(shot, BUILD / name)
    b.resize(1280, 900)


def test_each_proposals_page_verifies_its_proofs_in_the_browser(
    published: tuple[Path, str],
    browser: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    site, key = published
    browser.page("Network.enable")
    for page in sorted(site.glob("proposition-*.html")):
        said = verdict(browser, page.as_uri())
        assert said.startswith("Vérifié : les "), (page.name, said)
        assert f"par la clé {key}, qui prolonge le point de contrôle précédent" in said
        # Nothing but the page's own files: no outside asset, no network.
        asked = {
            e["params"]["request"]["url"]
            for e in browser.events
            if e.get("method") == "Network.requestWillBeSent"
        }
        assert asked == {
            page.as_uri(),
            *(f"{site.as_uri()}/{f}" for f in ("site.css", "preuve.js")),
        }
    said = verdict(browser, (site / PAGE).as_uri())
    rows = browser.evaluate(
        "[...document.querySelectorAll('#preuve-inscriptions tr')].map(r => r.textContent)"
    )
    proof = json.loads((site / "donnees" / "preuves" / "P-03.json").read_text("utf-8"))
    assert len(rows) == len(proof["events"]) + len(proof["not_covered"]) > 20
    assert all("Vérifiée" in r for r in rows[: len(proof["events"])])
    # What an event says is decoded from the bytes just verified, when asked.
    browser.evaluate("document.querySelector('#preuve-inscriptions details').open = true")
    shown = ""
    for _ in range(100):
        shown = browser.evaluate("document.querySelector('#preuve-inscriptions pre').textContent")
        if shown:
            break
        time.sleep(0.02)
    first = json.loads(base64.b64decode(proof["events"][0]["entry"]))
    assert json.loads(shown) == json.loads(base64.b64decode(first["payload"]))
    history = browser.evaluate("document.getElementById('preuve-historique').textContent")
    assert "Vérifié : le point de contrôle du" in history and "est prolongé par" in history
    shoot(browser, "proof-verified.png", tmp_path)


def _embedded(page: Path) -> tuple[str, str, str]:
    text = page.read_text("utf-8")
    start = text.index('<script type="application/json" id="preuve-donnees">')
    start = text.index(">", start) + 1
    end = text.index("</script>", start)
    return text[:start], text[start:end], text[end:]


def _alter_page(page: Path, change: Callable[[dict[str, object]], str]) -> str:
    before, data, after = _embedded(page)
    proof = json.loads(data)
    changed = change(proof)
    page.write_text(before + json.dumps(proof).replace("<", "\\u003c") + after, "utf-8")
    return changed


def _flip_entry(proof: dict[str, object]) -> str:
    events = proof["events"]
    assert isinstance(events, list)
    event = events[len(events) // 2]
    entry = bytearray(base64.b64decode(event["entry"]))
    at = entry.index(b'"payload":"') + 20
    entry[at] = ord("A") if entry[at] != ord("A") else ord("B")
    event["entry"] = base64.b64encode(bytes(entry)).decode()
    return f"l'inscription n° {event['position']} ne correspond pas au journal signé"


def _flip_path(proof: dict[str, object]) -> str:
    events = proof["events"]
    assert isinstance(events, list)
    event = events[0]
    raw = bytearray(base64.b64decode(event["path"][-1]))
    raw[0] ^= 1
    event["path"][-1] = base64.b64encode(bytes(raw)).decode()
    return f"l'inscription n° {event['position']} ne correspond pas au journal signé"


def _flip_note(proof: dict[str, object]) -> str:
    checkpoint = proof["checkpoint"]
    assert isinstance(checkpoint, dict)
    checkpoint["note"] = checkpoint["note"].replace("label ", "label  ", 1)
    return "la signature du point de contrôle du"


def _flip_history(proof: dict[str, object]) -> str:
    history = proof["history"]
    assert isinstance(history, list) and history
    step = history[0]
    raw = bytearray(base64.b64decode(step["proof"][0]))
    raw[5] ^= 1
    step["proof"][0] = base64.b64encode(bytes(raw)).decode()
    return "n'est pas prolongé par le suivant"


@pytest.mark.parametrize("change", [_flip_entry, _flip_path, _flip_note, _flip_history])
def test_a_page_with_one_byte_changed_reports_the_failure(
    published: tuple[Path, str],
    browser: Browser,  # noqa: F811
    tmp_path: Path,
    change: Callable[[dict[str, object]], str],
) -> None:
    site, _ = published
    copy = tmp_path / "site"
    shutil.copytree(site, copy)
    expected = _alter_page(copy / PAGE, change)
    said = verdict(browser, (copy / PAGE).as_uri())
    assert said.startswith("Échec : ") and expected in said, said
    assert browser.evaluate("document.querySelector('details.proof-detail').open")
    if change is _flip_entry:
        shoot(browser, "proof-failed.png", tmp_path)


def test_a_browser_without_ed25519_says_it_cannot_verify(
    published: tuple[Path, str],
    browser: Browser,  # noqa: F811  (skips, or fails in CI, without Chromium)
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Neither a success nor a failure: the page says it could not check. A
    browser of its own, whose WebCrypto refuses Ed25519."""
    site, _ = published
    executable = find_chromium()
    assert executable is not None
    folder = tmp_path_factory.mktemp("no-ed25519")
    b = Browser(executable, folder / "profile", folder / "chromium.log")
    try:
        b.page(
            "Page.addScriptToEvaluateOnNewDocument",
            {
                "source": """const original = crypto.subtle.importKey.bind(crypto.subtle);
crypto.subtle.importKey = (format, key, algorithm, ...rest) =>
  algorithm && algorithm.name === "Ed25519"
    ? Promise.reject(new DOMException("no Ed25519", "NotSupportedError"))
    : original(format, key, algorithm, ...rest);"""
            },
        )
        said = verdict(b, (site / PAGE).as_uri())
    finally:
        b.close()
    assert said.startswith("Vérification impossible : ce navigateur ne sait pas vérifier"), said
