"""The query page in a real (headless) Chromium, against the real app and bundled data.

The page must load with no console error, request nothing from any other origin, open
one tab per named query, run the first one and show its rows, and offer the project's
prefixes for autocompletion.  A screenshot is saved to tests/artifacts/ui.png; set
``ACCORD_UPDATE_SCREENSHOTS=1`` to also refresh docs/ui.png (the README's picture).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from accord.namespaces import PREFIXES
from accord.query.catalogue import NamedQuery
from tests import REPO
from tests.browser.cdp import Page

pytestmark = pytest.mark.browser

#: The YASR results table's default page size.
PAGE_SIZE = 50

TAB_NAMES = """Array.from(document.querySelectorAll('.yasgui .tabsList .tab:not(.addTab)'))
    .map(t => t.querySelector('span').textContent.trim())"""
ACTIVE_TAB = "document.querySelector('.yasgui .tabsList .tab.active span').textContent.trim()"
QUERY_TITLE = "document.getElementById('query-title').textContent"
EDITOR_TEXT = "window.accordYasgui.getTab().getQuery()"
# The active results panel: the response summary and table rows, or YASR's error.
RESULT_STATE = """(() => {
    const panel = document.querySelector('.tabPanel.active .yasr');
    if (!panel) return null;
    const error = panel.querySelector('.errorResult');
    if (error) return {error: error.textContent.trim()};
    const chip = panel.querySelector('.yasr_response_chip');
    if (!chip || !/\\bresults?\\b/.test(chip.textContent)) return null;
    // The table is drawn once the labels of its IRIs have arrived, after the summary.
    if (!panel.querySelector('.dataTable')) return null;
    const rows = panel.querySelectorAll('.dataTable tbody tr').length;
    const empty = panel.querySelectorAll('.dataTable tbody td.dataTables_empty').length;
    return {summary: chip.textContent.trim(), rows: rows - empty};
})()"""


def catalogue(app: FastAPI) -> list[NamedQuery]:
    queries = list(app.state.services.catalogue.values())
    assert queries, "the catalogue has no named query for the page to open"
    return queries


def endpoint_row_count(base: str, query: str) -> int:
    """The number of solutions the server's own endpoint gives for the query."""
    r = httpx.post(
        f"{base}/sparql",
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return len(r.json()["results"]["bindings"])


def assert_clean(page: Page, base: str) -> None:
    """No console error, and every request went to the page's own origin."""
    page.evaluate("1")  # collect the events the browser sent before this point
    assert page.console_errors() == []
    origin = urlsplit(base)[:2]
    requested = page.requested_urls()
    assert f"{base}/sparql" in requested
    foreign = [
        url
        for url in requested
        if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url)[:2] != origin
    ]
    assert foreign == [], f"requests to other origins: {foreign}"


def test_page_opens_on_the_catalogue_and_runs_the_first_query(
    page: Page, live_server: str, bundled_app: FastAPI, artifacts: Path
) -> None:
    queries = catalogue(bundled_app)
    page.navigate(f"{live_server}/")
    state = page.wait_for(RESULT_STATE)

    assert "error" not in state, state
    assert page.evaluate(TAB_NAMES) == [q.name for q in queries]
    assert page.evaluate(ACTIVE_TAB) == queries[0].name
    assert page.evaluate(QUERY_TITLE) == queries[0].title
    # The table shows the rows the endpoint gives for the tab's query (their first page).
    expected = endpoint_row_count(live_server, page.evaluate(EDITOR_TEXT))
    assert expected > 0, f"{queries[0].name} has no results on the bundled data"
    assert state["rows"] == min(expected, PAGE_SIZE)
    assert state["summary"].startswith(f"{expected} result")
    # IRIs in the table are abbreviated with the project's prefixes.
    links = page.evaluate(
        "Array.from(document.querySelectorAll('.tabPanel.active .dataTable tbody a'))"
        ".map(a => a.textContent)"
    )
    assert any(text.startswith(tuple(f"{p}:" for p in PREFIXES)) for text in links), links
    assert_clean(page, live_server)

    shot = artifacts / "ui.png"
    page.screenshot(shot)
    assert shot.stat().st_size > 10_000
    if os.environ.get("ACCORD_UPDATE_SCREENSHOTS") == "1":
        docs = REPO / "docs"
        docs.mkdir(exist_ok=True)
        shutil.copyfile(shot, docs / "ui.png")


def test_run_button_runs_another_named_query(
    page: Page, live_server: str, bundled_app: FastAPI
) -> None:
    queries = catalogue(bundled_app)
    assert len(queries) >= 2, "needs two named queries"
    second = queries[1]
    page.navigate(f"{live_server}/")
    page.wait_for(RESULT_STATE)

    page.click(".yasgui .tabsList .tab:nth-child(2) a")
    page.wait_for(f"{ACTIVE_TAB} === {json.dumps(second.name)}")
    assert page.evaluate(QUERY_TITLE) == second.title
    assert page.evaluate(RESULT_STATE) is None  # not run yet
    page.click(".tabPanel.active .yasqe_queryButton")
    state = page.wait_for(RESULT_STATE)

    assert "error" not in state, state
    expected = endpoint_row_count(live_server, page.evaluate(EDITOR_TEXT))
    assert state["rows"] == min(expected, PAGE_SIZE)
    assert state["summary"].startswith(f"{expected} result")
    assert_clean(page, live_server)


QUERY_INFO = """(() => { const info = document.getElementById('query-info');
    return {shown: !info.hidden && info.offsetHeight > 0,
            title: document.getElementById('query-title').textContent}; })()"""


def test_query_title_is_hidden_while_the_tab_holds_another_text(
    page: Page, live_server: str, bundled_app: FastAPI
) -> None:
    # The named query's title and description stayed above a tab whose query the visitor
    # had replaced (they were updated on tab switches only).
    first = catalogue(bundled_app)[0]
    page.navigate(f"{live_server}/")
    page.wait_for(RESULT_STATE)
    assert page.evaluate(QUERY_INFO) == {"shown": True, "title": first.title}

    original = page.evaluate(EDITOR_TEXT)
    page.evaluate(
        "window.accordYasgui.getTab().getYasqe().setValue('SELECT * WHERE { ?s ?p ?o } LIMIT 1')"
    )
    assert page.wait_for(f"!{QUERY_INFO}.shown && {QUERY_INFO}") == {"shown": False, "title": ""}
    # The Code, Link and Cite buttons stay on the right without a title beside them.
    assert (
        page.evaluate(
            "window.innerWidth - document.querySelector('.accord-tools').getBoundingClientRect().right"
        )
        < 40
    )
    # Typed back to the named query's text, the tab is that query again.
    page.evaluate(f"window.accordYasgui.getTab().getYasqe().setValue({json.dumps(original)})")
    assert page.wait_for(f"{QUERY_INFO}.shown && {QUERY_INFO}") == {
        "shown": True,
        "title": first.title,
    }
    assert_clean(page, live_server)


def completions(page: Page, text: str) -> list[str]:
    """The editor's completions with ``text`` typed into it and the cursor at its end."""
    page.evaluate(
        f"""(() => {{
            const yasqe = window.accordYasgui.getTab().getYasqe();
            yasqe.setValue({json.dumps(text)});
            yasqe.focus();
            yasqe.setCursor({{line: yasqe.lastLine(), ch: 1e6}});
            yasqe.autocomplete();
        }})()"""
    )
    hints: list[str] = page.wait_for(
        "(() => { const items = Array.from(document.querySelectorAll('.CodeMirror-hints li'))"
        ".map(li => li.textContent); return items.length ? items : null; })()"
    )
    return hints


def test_autocompletion_is_local_and_knows_the_project(
    page: Page, live_server: str, bundled_app: FastAPI
) -> None:
    page.navigate(f"{live_server}/")
    page.wait_for(RESULT_STATE)
    # YASQE's own prefix.cc and Linked Open Vocabularies completers are replaced.
    assert page.evaluate("window.accordYasgui.getTab().getYasqe().config.autocompleters") == [
        "accordPrefixes",
        "variables",
        "accordClasses",
        "accordProperties",
    ]

    hints = completions(page, "PREFIX acc")
    assert f"accord: <{PREFIXES['accord']}>" in hints
    assert all(h.startswith("acc") for h in hints), hints

    # Properties come from the dataset, abbreviated with the query's prefix.
    rows = bundled_app.state.services.store.select(
        "SELECT ?p WHERE { ?p a <http://www.w3.org/2002/07/owl#ObjectProperty> "
        f"FILTER STRSTARTS(STR(?p), {json.dumps(PREFIXES['accord'])}) }} ORDER BY ?p LIMIT 1"
    )
    assert rows, "the ontology declares no object property"
    prop = "accord:" + str(rows[0]["p"]).removeprefix(PREFIXES["accord"])
    typed = prop[: len("accord:") + 3]
    hints = completions(
        page, f"PREFIX accord: <{PREFIXES['accord']}>\nSELECT * WHERE {{ ?s {typed}"
    )
    assert prop in hints
    assert all(h.startswith(typed) for h in hints), hints
    assert_clean(page, live_server)


def test_api_docs_render_offline(page: Page, live_server: str) -> None:
    page.navigate(f"{live_server}/docs")
    operations = page.wait_for(
        "(() => { const n = document.querySelectorAll('.opblock').length; return n || null; })()"
    )
    assert operations >= 10
    assert page.console_errors() == []
    origin = urlsplit(live_server)[:2]
    foreign = [
        url
        for url in page.requested_urls()
        if urlsplit(url).scheme not in ("data", "blob", "about") and urlsplit(url)[:2] != origin
    ]
    assert foreign == [], f"requests to other origins: {foreign}"


#: Set the persisted text of the tab named NAME to TEXT in Yasgui's local storage.
SET_PERSISTED = """((name, text) => {
    let found = false;
    const visit = (o) => {
        if (!o || typeof o !== 'object') return;
        if (o.name === name && o.yasqe && typeof o.yasqe === 'object') { o.yasqe.value = text; found = true; }
        Object.values(o).forEach(visit);
    };
    for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i);
        let value;
        try { value = JSON.parse(localStorage.getItem(key)); } catch (e) { continue; }
        visit(value);
        localStorage.setItem(key, JSON.stringify(value));
    }
    return found;
})"""
TAB_TEXTS = """Object.fromEntries(window.accordYasgui.persistentConfig.getTabs()
    .map(id => window.accordYasgui.getTab(id))
    .map(t => [t.getName(), t.getPersistedJson().yasqe.value]))"""


def test_a_returning_visitor_gets_the_servers_current_named_queries(
    page: Page, live_server: str, bundled_app: FastAPI
) -> None:
    # Returning visitors kept stale copies of the named queries (issue 16): a tab was
    # added only if none of that name was in local storage.
    queries = catalogue(bundled_app)
    untouched, edited = queries[1], queries[2]
    page.navigate(f"{live_server}/")
    page.wait_for(RESULT_STATE)
    # As if the server had given older texts on an earlier visit, and the visitor had
    # then edited one of them.
    given = {untouched.name: "# old 1", edited.name: "# old 2"}
    assert page.evaluate(f"{SET_PERSISTED}({json.dumps(untouched.name)}, '# old 1')")
    assert page.evaluate(f"{SET_PERSISTED}({json.dumps(edited.name)}, '# my own')")
    page.evaluate(f"localStorage.setItem('accord:named-queries', {json.dumps(json.dumps(given))})")
    page.navigate(f"{live_server}/")
    page.wait_for("window.accordYasgui && 1")
    texts = page.evaluate(TAB_TEXTS)
    server = page.evaluate(
        "Object.fromEntries(JSON.parse(document.getElementById('accord-config').textContent)"
        ".queries.map(q => [q.name, q.query]))"
    )
    assert "# old 1" not in texts.values()  # replaced: it was untouched
    assert texts[f"{edited.name} (your copy)"] == "# my own"  # kept, beside a fresh one
    for q in (untouched, edited):
        assert texts[q.name] == server[q.name]
    assert_clean(page, live_server)
