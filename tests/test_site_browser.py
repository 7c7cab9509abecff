"""The demonstration programme's site in a real headless Chromium: every page
loads from file:// without an error, every link leads somewhere, the
provenance graphs and charts are drawn, the skip link comes first at the
keyboard, a phone-wide screen needs no sideways scrolling, and the plan page
is photographed (``build/site-screenshot.png``, for a person to look at).

Chromium is Debian's ``chromium`` package, which ``./dev test`` installs.
Without it these tests skip on a developer's machine and fail in CI."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from chromium_support import Browser, find_chromium
from conftest import Recordings
from site_support import publish_demo

LAYER = "e2e"

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BUILD = Path(__file__).resolve().parent.parent / "build"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, recordings: Recordings) -> Path:
    return publish_demo(tmp_path_factory.mktemp("browser"), recordings)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        message = "Chromium is not installed (Debian: apt-get install chromium)"
        if IN_CI:
            pytest.fail(message + "; CI must not skip the browser tests")
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("chromium")
    b = Browser(executable, folder / "profile", folder / "chromium.log")
    b.resize(1280, 900)
    try:
        yield b
    finally:
        b.close()


def test_every_page_loads_without_errors_and_every_link_resolves(
    site: Path, browser: Browser
) -> None:
    todo, seen = [(site / "index.html").as_uri()], set()
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        assert browser.navigate(url) == [], url
        assert browser.evaluate("document.documentElement.lang") == "fr"
        assert browser.evaluate("document.querySelectorAll('h1').length") == 1, url
        links = browser.evaluate("[...document.querySelectorAll('a[href]')].map(a => a.href)")
        for link in links:
            target, fragment = urldefrag(link)
            assert urlsplit(target).scheme == "file", (url, link)
            path = Path(unquote(urlsplit(target).path))
            assert path.is_file(), (url, link)
            if fragment:
                exists = f"document.getElementById({fragment!r}) !== null"
                if target == url:
                    assert browser.evaluate(exists), (url, link)
            if path.suffix == ".html":
                todo.append(target)
    pages = {p.as_uri() for p in site.glob("*.html")}
    assert seen == pages  # every page is reachable from the plan, and nothing else was loaded


def test_the_provenance_graph_and_the_charts_are_drawn(site: Path, browser: Browser) -> None:
    assert browser.navigate((site / "proposition-P-06.html").as_uri()) == []
    box = browser.evaluate(
        "(() => { const r = document.querySelector('svg.graph').getBoundingClientRect();"
        " return [r.width, r.height]; })()"
    )
    assert box[0] > 300 and box[1] > 100
    drawn = browser.evaluate(
        "[...document.querySelectorAll('svg.graph g.node')]"
        ".filter(g => g.getBBox().width > 0).length"
    )
    assert drawn >= 5  # two contributions, P-07 merged into P-06, the round, action A-05
    assert browser.evaluate("document.querySelector('svg.graph title').textContent").startswith(
        "Graphe de provenance de P-06"
    )
    assert browser.navigate((site / "participation.html").as_uri()) == []
    bars = browser.evaluate(
        "[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().height)"
    )
    assert len(bars) == 3 and all(h > 50 for h in bars)


def test_the_keyboard_reaches_the_skip_link_first(site: Path, browser: Browser) -> None:
    assert browser.navigate((site / "index.html").as_uri()) == []
    browser.press_tab()
    assert browser.evaluate("document.activeElement.getAttribute('href')") == "#contenu"
    outline = browser.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # a visible focus ring


def test_screenshots_of_the_plan_page(site: Path, browser: Browser, tmp_path: Path) -> None:
    BUILD.mkdir(exist_ok=True)
    for width, name in ((1280, "site-screenshot.png"), (360, "site-screenshot-phone.png")):
        browser.resize(width, 800, mobile=width < 600)
        assert browser.navigate((site / "index.html").as_uri()) == []
        # Readable at phone width: nothing wider than the screen.
        assert browser.evaluate("document.documentElement.scrollWidth") <= width
        shot = tmp_path / name
        browser.screenshot(shot)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
        shutil.copyfile(shot, BUILD / name)
    browser.resize(1280, 900)
