"""The linked-data pages in headless Chromium (the CDP harness of tests/browser/):
each page loads with no console error and no request to another origin, its links
resolve, ``/ontology#State`` lands on the term, and the declaration page is captured
to tests/artifacts/declaration.png (and docs/declaration.png with
``ACCORD_UPDATE_SCREENSHOTS=1``, for the README)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests import REPO
from tests.browser.cdp import Page

pytestmark = pytest.mark.browser

PAGES = [
    "/browse",
    "/commitments",
    "/id/paris-declaration-2026",
    "/id/SE",
    "/id/commitment-de-forces-adjacent",
    "/concept/Ceasefire",
    "/graph/data/paris-summit-2026-01-06",
    "/ontology",
    "/browse/accord:Commitment",
    "/.well-known/void",
]

# Same-origin links of the page (not the SPARQL UI), fetched by the page itself.
LINK_STATUSES = """(async () => {
    const urls = [...new Set([...document.querySelectorAll('a[href], link[href]')]
        .map(a => new URL(a.getAttribute('href'), location.href).href.split('#')[0])
        .filter(u => u.startsWith(location.origin) && u !== location.origin + '/'))];
    const out = {};
    for (const u of urls) {
        const r = await fetch(u, {headers: {Accept: 'text/html'}});
        out[u] = r.status;
    }
    return out;
})()"""


def assert_clean(page: Page, base: str) -> None:
    page.evaluate("1")
    assert page.console_errors() == []
    origin = urlsplit(base)[:2]
    foreign = [
        u
        for u in page.requested_urls()
        if urlsplit(u).scheme in ("http", "https") and urlsplit(u)[:2] != origin
    ]
    assert foreign == []


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_cleanly_and_its_links_resolve(page: Page, live_server: str, path: str) -> None:
    page.navigate(f"{live_server}{path}")
    assert page.evaluate("document.querySelector('h1').textContent.trim().length") > 0
    assert (
        page.evaluate("getComputedStyle(document.body).margin") == "0px"
    )  # the stylesheet applied
    statuses = page.evaluate(LINK_STATUSES, timeout=120)
    assert statuses, "no link on the page"
    assert {u: s for u, s in statuses.items() if s != 200} == {}
    assert_clean(page, live_server)


def test_ontology_fragment_lands_on_the_term(page: Page, live_server: str) -> None:
    page.navigate(f"{live_server}/ontology#State")
    assert page.evaluate("location.pathname + location.hash") == "/ontology.html#State"
    assert page.evaluate("document.querySelector(':target').id") == "State"
    assert "State" in page.evaluate("document.querySelector(':target h3').textContent")
    assert_clean(page, live_server)


def test_declaration_page_screenshot(page: Page, live_server: str, artifacts: Path) -> None:
    page.navigate(f"{live_server}/id/paris-declaration-2026")
    assert page.evaluate("location.pathname") == "/id/paris-declaration-2026.html"
    rows = page.evaluate(
        "[...document.querySelectorAll('table.signatures tbody tr')].map(r => r.className)"
    )
    assert sorted(rows) == ["not-signed", "signed", "signed"]
    assert_clean(page, live_server)
    height = page.evaluate("document.documentElement.scrollHeight")
    page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1280, "height": min(int(height), 2400), "deviceScaleFactor": 1, "mobile": False},
    )
    shot = artifacts / "declaration.png"
    page.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 20_000
    if os.environ.get("ACCORD_UPDATE_SCREENSHOTS") == "1":
        docs = REPO / "docs"
        docs.mkdir(exist_ok=True)
        shutil.copyfile(shot, docs / "declaration.png")


# The commitments matrix scrolled to its far right and bottom corner: where its last
# column heading and its last committer are, and what is drawn at their middles.
MATRIX_CORNER = """(() => {
    const wrap = document.querySelector('table.matrix').parentElement;
    wrap.scrollLeft = wrap.scrollWidth;
    wrap.scrollTop = wrap.scrollHeight;
    const box = wrap.getBoundingClientRect();
    const left = box.left + wrap.clientLeft, top = box.top + wrap.clientTop;
    const seen = el => {
        const r = el.getBoundingClientRect();
        const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
                drawn: !!hit && el.contains(hit), text: el.textContent.trim()};
    };
    const heads = [...wrap.querySelectorAll('thead th')];
    return {
        view: {left, top, right: left + wrap.clientWidth, bottom: top + wrap.clientHeight},
        pageWidth: document.documentElement.scrollWidth, windowWidth: innerWidth,
        lastHeading: seen(heads[heads.length - 1]),
        lastCommitter: seen(wrap.querySelector('tbody tr:last-child th')),
    };
})()"""


@pytest.mark.parametrize("width", [1440, 1024])
def test_commitments_matrix_keeps_its_headings_in_view(
    page: Page, live_server: str, width: int
) -> None:
    """The matrix used to run past a 1440 px window (its last column, "no condition",
    cut off) and, scrolled, lost its committers. Now it scrolls inside its own box with
    the column headings and the committers sticky, so the far corner of the table is
    readable with both in view; the page itself never scrolls sideways."""
    page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 960, "deviceScaleFactor": 1, "mobile": False},
    )
    page.navigate(f"{live_server}/commitments")
    at = page.evaluate(MATRIX_CORNER)
    view = at["view"]
    assert at["pageWidth"] <= at["windowWidth"]
    heading, committer = at["lastHeading"], at["lastCommitter"]
    assert heading["text"] == "no condition" and heading["drawn"]
    assert view["left"] - 1 <= heading["left"] and heading["right"] <= view["right"] + 1
    assert abs(heading["top"] - view["top"]) <= 1  # sticky at the top
    assert committer["text"] == "United States" and committer["drawn"]
    assert abs(committer["left"] - view["left"]) <= 1  # sticky at the left
    assert committer["bottom"] <= view["bottom"] + 1
    # Each entry of a cell says what the commitment is, beside its number.
    entries = page.evaluate(
        "[...document.querySelectorAll('table.matrix a.commitment')].map(a => "
        "[a.querySelector('.badge').textContent, a.textContent.trim(), a.title])"
    )
    assert entries
    for number, text, title in entries:
        words = text.removeprefix(number).strip()
        assert any(ch.isalpha() for ch in words), text
        assert title.startswith(f"{number}. ")
    assert_clean(page, live_server)
