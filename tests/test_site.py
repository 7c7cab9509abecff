"""`registre publish`: the demonstration programme's site, read as files: links
resolve, one h1 per page, French, drawings with titles, nothing from outside,
no participant's name."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

import pytest
from click.testing import CliRunner
from conftest import Recordings
from site_support import publish_demo

from registre.adapters.demo.data import PARTICIPANTS
from registre.cli.main import main

LAYER = "e2e"


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.ids: set[str] = set()
        self.svg_titles: list[bool] = []  # per svg: whether its first child is a title
        self._after_svg = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.tags.append((tag, found))
        if "id" in found:
            self.ids.add(found["id"])
        if self._after_svg:
            self.svg_titles.append(tag == "title")
            self._after_svg = False
        if tag == "svg":
            self._after_svg = True

    def count(self, tag: str) -> int:
        return sum(1 for t, _ in self.tags if t == tag)

    def attrs(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text("utf-8"))
    return page


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, recordings: Recordings) -> Path:
    return publish_demo(tmp_path_factory.mktemp("publish"), recordings)


def test_pages_of_the_site(site: Path) -> None:
    pages = sorted(p.name for p in site.glob("*.html"))
    proposals = [f"proposition-P-0{i}.html" for i in range(1, 9)]
    assert pages == sorted(
        [
            "index.html",
            "structure.html",
            "propositions.html",
            "participation.html",
            "verifier.html",
            *proposals,
        ]
    )
    assert (site / "site.css").is_file() and (site / "donnees" / "plan.csv").is_file()


def test_every_link_resolves_and_every_page_is_french_with_one_h1(site: Path) -> None:
    parsed = {p: parse(p) for p in site.glob("*.html")}
    for path, page in parsed.items():
        assert page.count("h1") == 1, path.name
        assert page.attrs("html")[0].get("lang") == "fr", path.name
        assert page.attrs("a")[0].get("href") == "#contenu", path.name  # the skip link first
        for tag, attrs in page.tags:
            for name in ("href", "src"):
                if name not in attrs or tag == "svg":
                    continue
                url, fragment = urldefrag(attrs[name])
                assert not re.match(r"^[a-z]+:|^//", url), (path.name, attrs[name])
                target = (path.parent / url) if url else path
                assert target.is_file(), (path.name, attrs[name])
                if fragment and target.suffix == ".html":
                    assert fragment in parse(target).ids, (path.name, attrs[name])


def test_drawings_have_titles_and_nothing_comes_from_outside(site: Path) -> None:
    graphs = 0
    for path in site.glob("*.html"):
        page = parse(path)
        text = path.read_text("utf-8")
        for svg in page.attrs("svg"):
            assert svg.get("role") == "img"
            for ident in svg["aria-labelledby"].split():
                assert ident in page.ids, (path.name, ident)
        assert all(page.svg_titles), path.name
        assert all(img.get("alt") for img in page.attrs("img")), path.name
        graphs += sum(1 for svg in page.attrs("svg") if "graph" in svg.get("class", ""))
        # Only the SVG namespace may name a web address; nothing is loaded from one.
        outside = re.findall(r"https?://[^\s\"'<>)]+", text)
        assert set(outside) <= {"http://www.w3.org/2000/svg"}, (path.name, outside)
    assert graphs == 8
    css = (site / "site.css").read_text("utf-8")
    assert "url(" not in css and "@import" not in css and "@font-face" not in css


def test_the_site_shows_the_programmes_words_and_no_name(site: Path) -> None:
    index = (site / "index.html").read_text("utf-8")
    assert "Un entrepôt de données santé-environnement ouvert et conforme au RGPD" in index
    assert "Conforme à la stratégie Med Vallée ; moyens inscrits au budget 2023." in index
    p02 = (site / "proposition-P-02.html").read_text("utf-8")
    assert "avec des règles d&#39;usage communes" in p02  # C-02's second version, escaped
    assert "Proposition P-02 adoptée comme priorité du plan d&#39;action" in p02
    everything = "\n".join(
        p.read_text("utf-8")
        for p in site.rglob("*")
        if p.is_file() and p.suffix in (".html", ".csv", ".json", ".css")
    )
    for _, name, _, _ in PARTICIPANTS:
        assert name not in everything, name


def test_publish_escapes_recorded_text_and_refuses_a_file(tmp_path: Path) -> None:
    url, runner = str(tmp_path / "r.db"), CliRunner()

    def run(*args: str) -> Any:
        return runner.invoke(main, ["--database", url, *args], catch_exceptions=False)

    title = '<script>alert("x")</script> & co'
    opened = run(
        "programme",
        "open",
        "labo",
        "--as",
        "greffe",
        "--title",
        title,
        "--organiser",
        "Ville",
        "--founder",
        "ville=Ville",
        "--rule",
        "any",
    )
    assert opened.exit_code == 0, opened.stderr
    published = run("publish", "labo", "--out", str(tmp_path / "site"))
    assert published.exit_code == 0, published.stderr
    index = (tmp_path / "site" / "index.html").read_text("utf-8")
    assert (
        "<script>" not in index
        and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in index
    )
    (tmp_path / "file").write_text("")
    refused = run("publish", "labo", "--out", str(tmp_path / "file"))
    assert refused.exit_code == 2 and "is a file" in refused.stderr
    missing = run("publish", "nope", "--out", str(tmp_path / "other"))
    assert missing.exit_code == 1 and "no programme 'nope'" in missing.stderr


def test_the_verification_page_shows_the_signed_checkpoint_that_verifies_offline(
    site: Path,
) -> None:
    import json

    from registre.adapters.ledger.offline_verify import run

    checkpoint_file = site / "donnees" / "point-de-controle.json"
    checkpoint = json.loads(checkpoint_file.read_text("utf-8"))
    page = (site / "verifier.html").read_text("utf-8")
    assert checkpoint["root_hash"] in page and checkpoint["signature"] in page
    # The demo's published plan signed it; the full log exported from the same
    # store must give the same root, with no database involved in the check.
    export = site.parent / "journal.jsonl"
    exported = CliRunner().invoke(
        main,
        [
            "--database",
            str(site.parent / "demo.db"),
            "export",
            "events",
            "--all",
            "--out",
            str(export),
        ],
    )
    assert exported.exit_code == 0, exported.stderr
    assert run(export, checkpoint_file, key_id=checkpoint["key_id"]).ok
    # The page offers the standalone verifier it publishes, pinned to the key's fingerprint.
    assert f"verifier.py donnees/ --empreinte {checkpoint['key_id']}" in page
