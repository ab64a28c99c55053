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
