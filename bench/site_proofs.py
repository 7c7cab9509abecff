"""What a page's proofs cost: building them at publication, and checking them
in the browser.

Builds a log of N synthetic entries (the leaves of votes, as ``leaves``
writes them), signs a checkpoint of it with a fresh key, takes K events at
random (seeded) and makes their proof as ``registre publish`` does
(``ledger.proofs``), then writes a page holding only the proof section and
the site's ``preuve.js`` and opens it in headless Chromium, timing from the
navigation to the verdict. Prints seconds and the page's size; not a test,
nothing is asserted.

    python bench/site_proofs.py --entries 200000 --events 2000
"""

from __future__ import annotations

import base64
import importlib.resources
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registre.adapters.ledger import notes
from registre.adapters.ledger.keyring import public_key_bytes
from registre.adapters.ledger.leaves import leaf_bytes, leaf_hash
from registre.adapters.ledger.proofs import Tree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from chromium_support import Browser, find_chromium

PAGE = """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>preuves</title></head>
<body><p id="verification">en cours</p><p id="verification-detail">en cours</p>
<details class="proof-detail"><div id="preuve-point"></div><div id="preuve-historique"></div>
<table><tbody id="preuve-inscriptions"></tbody></table></details>
<script type="application/json" id="preuve-donnees">{proof}</script>
<script src="preuve.js" defer></script></body></html>"""


@click.command()
@click.option("--entries", default=200_000, show_default=True, help="Events in the log.")
@click.option("--events", default=2_000, show_default=True, help="Events the page proves.")
@click.option("--runs", default=3, show_default=True, help="Page loads timed.")
def main(entries: int, events: int, runs: int) -> None:
    started = time.perf_counter()
    log = [
        leaf_bytes(
            i + 1,
            "5dd589ef-ffab-5f48-8d21-45dc29b56176",
            i + 1,
            "registre.domain.ballot:Ballot.VoteCast",
            b'{"round":"r1","proposal":"P-%d","value":1}' % (i % 50),
        )
        for i in range(entries)
    ]
    tree = Tree([leaf_hash(e) for e in log])
    built = time.perf_counter()
    picked = sorted(random.Random(13).sample(range(entries), events))
    proven = [
        {
            "position": i + 1,
            "index": i,
            "entry": base64.b64encode(log[i]).decode(),
            "path": [base64.b64encode(h).decode() for h in tree.inclusion(i)],
        }
        for i in picked
    ]
    proved = time.perf_counter()
    key, origin = Ed25519PrivateKey.generate(), "registre/bench"
    body = notes.checkpoint_body(origin, entries, tree.root(), "2026-12-01T00:00:00+00:00", "")
    proof = {
        "checkpoint": {
            "id": 1,
            "size": entries,
            "note": notes.Note(body, (notes.sign(body, origin, key),)).text,
            "public_key": base64.b64encode(public_key_bytes(key)).decode(),
        },
        "events": proven,
        "not_covered": [],
        "history": [],
    }
    click.echo(
        f"{entries:,} entries: tree {built - started:.2f} s (entries and levels); "
        f"{events:,} inclusion proofs {proved - built:.3f} s"
    )
    executable = find_chromium()
    if executable is None:
        raise click.ClickException("no Chromium (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        script = importlib.resources.files("registre.adapters.site").joinpath("static/preuve.js")
        (site / "preuve.js").write_text(script.read_text("utf-8"), "utf-8")
        page = site / "page.html"
        page.write_text(PAGE.format(proof=json.dumps(proof, separators=(",", ":"))), "utf-8")
        click.echo(f"page: {page.stat().st_size / 1e6:.2f} MB")
        browser = Browser(executable, site / "profile", site / "chromium.log")
        try:
            for run in range(runs):
                start = time.perf_counter()
                browser.navigate(page.as_uri())
                while "en cours" in str(
                    said := browser.evaluate("document.getElementById('verification').textContent")
                ):
                    time.sleep(0.005)
                click.echo(f"load and verify, run {run + 1}: {time.perf_counter() - start:.2f} s")
            click.echo(f"verdict: {said}")
        finally:
            browser.close()


if __name__ == "__main__":
    main()
