"""The provenance graph as Chromium draws it: at 1,280 px the whole graph is
in view and every text, measured as rendered, fits its box; at 360 px the
page itself does not scroll sideways, the graph does, and the page says so.
Screenshots of a page with a merge and of one with a revised decision are
kept in ``build/`` for a person to look at."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from chromium_support import Browser
from test_site_browser import BUILD, browser, site  # noqa: F401  (fixtures)

LAYER = "e2e"

PAGES = ("proposition-P-01.html", "proposition-P-02.html", "proposition-P-06.html")

OVERFLOWING_TEXTS = """[...document.querySelectorAll('svg.graph g.node')].flatMap(g => {
  const r = g.querySelector('rect').getBBox();
  return [...g.querySelectorAll('text')].filter(t => {
    const b = t.getBBox();
    return b.x < r.x || b.x + b.width > r.x + r.width
      || b.y < r.y || b.y + b.height > r.y + r.height;
  }).map(t => t.textContent);
})"""
GRAPH = """(() => { const w = document.querySelector('.graph-wrap');
  const hint = document.querySelector('.graph-hint');
  return {client: w.clientWidth, scroll: w.scrollWidth, page: document.documentElement.scrollWidth,
          hint: hint.getBoundingClientRect().height > 0}; })()"""


@pytest.fixture
def wide(browser: Browser) -> Iterator[Browser]:  # noqa: F811
    browser.resize(1280, 900)
    yield browser
    browser.resize(1280, 900)


@pytest.mark.parametrize("page", PAGES)
def test_at_1280_px_the_graph_is_whole_and_every_text_fits(
    site: Path,  # noqa: F811
    wide: Browser,
    page: str,
) -> None:
    assert wide.navigate((site / page).as_uri()) == []
    assert wide.evaluate(OVERFLOWING_TEXTS) == []
    graph = wide.evaluate(GRAPH)
    assert graph["scroll"] <= graph["client"], graph  # nothing cut, nothing to scroll
    assert not graph["hint"]


@pytest.mark.parametrize("page", PAGES)
def test_at_360_px_the_graph_scrolls_and_says_so(
    site: Path,  # noqa: F811
    browser: Browser,  # noqa: F811
    page: str,
    tmp_path: Path,
) -> None:
    browser.resize(360, 800, mobile=True)
    try:
        assert browser.navigate((site / page).as_uri()) == []
        graph = browser.evaluate(GRAPH)
        assert graph["page"] <= 360, graph  # the page stays within the screen
        assert graph["scroll"] > graph["client"] and graph["hint"], graph
        if page != "proposition-P-01.html":
            BUILD.mkdir(exist_ok=True)
            shot = tmp_path / "shot.png"
            browser.screenshot(shot)
            shutil.copyfile(shot, BUILD / f"graph-{page.removesuffix('.html')}-360.png")
    finally:
        browser.resize(1280, 900)
