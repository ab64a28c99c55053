"""The query page as a researcher's workbench, in headless Chromium (issue 16).

Readable results (compact values, labels, local links), the chart, timeline and graph
views, the Code and Cite buttons and permalinks, each checked against what the server's
own endpoint answers, with no console error and no request leaving the host.

Screenshots go to tests/artifacts/; with ``ACCORD_UPDATE_SCREENSHOTS=1`` they are also
copied to docs/screenshots/ (the pictures docs/workbench.md shows).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pyoxigraph as ox
import pytest
from fastapi import FastAPI

from accord.namespaces import PREFIXES
from accord.query.labels import lookup_labels
from tests import REPO
from tests.browser.cdp import Browser, Page
from tests.browser.test_ui_browser import QUERY_TITLE, RESULT_STATE, assert_clean, catalogue

pytestmark = pytest.mark.browser

BASE_IRI = "https://w3id.org/accord/"
YASR = "window.accordYasgui.getTab().getYasr()"
COUNT_BY_PARTY = f"""PREFIX accord: <{PREFIXES["accord"]}>
SELECT ?party (COUNT(?c) AS ?commitments)
WHERE {{ ?c a accord:Commitment ; accord:committedBy ?party }}
GROUP BY ?party ORDER BY DESC(?commitments) ?party
"""
COMMITTED_BY = f"""PREFIX accord: <{PREFIXES["accord"]}>
SELECT ?commitment ?party WHERE {{ ?commitment accord:committedBy ?party }}
"""
DESCRIBE_FRANCE = "DESCRIBE <https://w3id.org/accord/id/FR>\n"


def save_screenshot(page: Page, artifacts: Path, name: str) -> None:
    shot = artifacts / f"{name}.png"
    page.screenshot(shot)
    assert shot.stat().st_size > 10_000
    if os.environ.get("ACCORD_UPDATE_SCREENSHOTS") == "1":
        docs = REPO / "docs" / "screenshots"
        docs.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, docs / f"{name}.png")


def endpoint(
    base: str, query: str, accept: str = "application/sparql-results+json"
) -> httpx.Response:
    r = httpx.post(f"{base}/sparql", data={"query": query}, headers={"Accept": accept}, timeout=60)
    assert r.status_code == 200, r.text
    return r


def bindings(base: str, query: str) -> list[dict[str, dict[str, str]]]:
    rows: list[dict[str, dict[str, str]]] = endpoint(base, query).json()["results"]["bindings"]
    assert rows, "the query has no answer on the bundled data"
    return rows


def open_page(page: Page, base: str) -> None:
    page.navigate(f"{base}/")
    page.wait_for(RESULT_STATE)


def drawn_after(page: Page, action: str) -> None:
    """Do the action (JavaScript, or a click on a selector) and wait until YASR has drawn
    the results again (its "drawn" event comes after the view's own asynchronous draw)."""
    page.evaluate(
        f"window.accordDrawn = false; {YASR}.once('drawn', () => {{ window.accordDrawn = true; }}); 1"
    )
    if action.startswith("click "):
        page.click(action.removeprefix("click "))
    else:
        page.evaluate(action)
    page.wait_for("window.accordDrawn")


def run(page: Page, query: str, view: str | None = None) -> None:
    """Type the query into the active tab, press its run button, then pick the view."""
    page.evaluate(f"window.accordYasgui.getTab().getYasqe().setValue({json.dumps(query)})")
    drawn_after(page, "click .tabPanel.active .yasqe_queryButton")
    if view and page.evaluate(f"{YASR}.getSelectedPluginName()") != view:
        drawn_after(page, f"click .tabPanel.active .yasr_btnGroup .select_{view}")
    if view:
        assert page.evaluate(f"{YASR}.getSelectedPluginName()") == view


def new_tab(page: Page) -> None:
    """Open a new tab with YASGUI's "+" (so that no named query's name or title is shown
    above a query of another text)."""
    before = page.evaluate("window.accordYasgui.persistentConfig.getTabs().length")
    page.click(".yasgui .tabsList .addTab")
    page.wait_for(
        f"window.accordYasgui.persistentConfig.getTabs().length > {before}"
        " && !!window.accordYasgui.getTab().getYasqe()"
    )


def short_editor(page: Page) -> None:
    """A lower editor, so that a screenshot shows the results under the query."""
    page.evaluate(
        "(() => { const q = window.accordYasgui.getTab().getYasqe();"
        " q.getWrapperElement().style.height = '150px'; q.refresh(); window.scrollTo(0, 0); })()"
    )


# --- the table -----------------------------------------------------------------------

TABLE_CELLS = """Array.from(document.querySelectorAll('.tabPanel.active .dataTable tbody td'))
    .map(td => ({
        text: td.textContent,
        literal: td.querySelector('.nonIri') ? td.querySelector('.nonIri').textContent : null,
        links: Array.from(td.querySelectorAll('.iri')).map(a => ({
            iri: a.title, text: a.textContent, href: a.getAttribute('href') })),
        label: td.querySelector('.accord-label') ? td.querySelector('.accord-label').textContent : null,
        cut: td.querySelector('.expandable') !== null,
    }))"""


def test_table_shows_compact_values_labels_and_local_links(
    page: Page, live_server: str, bundled_app: FastAPI, artifacts: Path
) -> None:
    # Issue 16: prefixed IRIs were cut off and literals quoted with "@en" (Simple view
    # off, Ellipse on), and result links went to https://w3id.org/accord/... .
    open_page(page, live_server)
    query = page.evaluate("window.accordYasgui.getTab().getQuery()")
    rows = bindings(live_server, query)
    cells = page.evaluate(TABLE_CELLS)

    switches = page.evaluate(
        "Array.from(document.querySelectorAll('.tabPanel.active .tableControls .switch'))"
        ".map(s => [s.querySelector('.label').textContent, s.querySelector('input').checked])"
    )
    assert dict(switches) == {"Simple view": True, "Ellipse": False}
    assert page.evaluate("document.querySelectorAll('.tabPanel.active .ellipseTable').length") == 0
    assert not any(c["cut"] for c in cells)
    # Column names stay whole, on one line each (YASR's break-all split "conditionType").
    heights = page.evaluate(
        "Array.from(document.querySelectorAll('.tabPanel.active .dataTable thead .dt-column-title'))"
        ".map(t => [t.textContent, t.getBoundingClientRect().height])"
    )
    one_line = min(h for _, h in heights)
    assert [name for name, h in heights if h > 1.5 * one_line] == []

    # Literals as their bare values: no quotes, no "@en", no ^^datatype.
    literals = {t["value"] for r in rows for t in r.values() if t["type"] == "literal"}
    shown = {c["literal"] for c in cells if c["literal"] is not None}
    assert shown and shown <= literals, shown - literals
    assert any(t.get("xml:lang") for r in rows for t in r.values()), "no tagged literal to hide"
    assert not any("@en" in c["text"] or c["text"].startswith('"') for c in cells)

    # IRIs under the base link to this server's pages, with the server's labels beside
    # them, except in a column the query gives a label column of its own (?partyLabel).
    links = [link for c in cells for link in c["links"]]
    local = [link for link in links if link["iri"].startswith(BASE_IRI)]
    assert local, "no IRI under the base in the first rows"
    for link in local:
        assert link["href"] == f"{live_server}/{link['iri'].removeprefix(BASE_IRI)}", link
        assert link["text"].split(":")[0] in PREFIXES, link
    names = endpoint(live_server, query).json()["head"]["vars"]
    labelled = {v for v in names if f"{v}Label" in names or f"{v}_label" in names}
    assert labelled, "the first named query has no label column to test"
    in_labelled = {r[v]["value"] for r in rows for v in labelled if v in r}
    by_iri = {link["iri"]: c["label"] for c in cells for link in c["links"]}
    unlabelled = [link["iri"] for link in local if link["iri"] not in in_labelled]
    store = bundled_app.state.services.store
    labels = {k: str(v) for k, v in lookup_labels(store, unlabelled).items()}
    assert labels and all(by_iri[iri] == label for iri, label in labels.items())
    assert all(by_iri[iri] is None for iri in in_labelled if iri in by_iri)
    page_of = httpx.get(
        local[0]["href"], headers={"Accept": "text/html"}, timeout=30, follow_redirects=True
    )
    assert page_of.status_code == 200 and page_of.headers["content-type"].startswith("text/html")
    assert_clean(page, live_server)

    short_editor(page)
    save_screenshot(page, artifacts, "table")


WITH_PARTY_LABEL = f"""PREFIX accord: <{PREFIXES["accord"]}>
PREFIX rdfs: <{PREFIXES["rdfs"]}>
SELECT ?commitment ?party ?partyLabel
WHERE {{ ?commitment accord:committedBy ?party . ?party rdfs:label ?partyLabel }}
"""
CLASSES_WITH_LABELS = f"""PREFIX owl: <{PREFIXES["owl"]}>
PREFIX rdfs: <{PREFIXES["rdfs"]}>
SELECT ?class ?class_label WHERE {{ ?class a owl:Class ; rdfs:label ?class_label }}
"""


def label_requests(page: Page) -> list[str]:
    """The bodies of the page's label look-ups (labels=true) so far."""
    page.evaluate("1")  # collect the events the browser sent before this point
    return [
        body
        for e in page.browser.events(page.session)
        if e.get("method") == "Network.requestWillBeSent"
        and "labels=true" in (body := e["params"]["request"].get("postData", ""))
    ]


def test_no_label_under_an_iri_whose_label_the_query_selects(
    page: Page, live_server: str, bundled_app: FastAPI
) -> None:
    # A label was shown under ?party although ?partyLabel stood beside it (Wikidata's
    # convention), and under ?x beside ?x_label (the endpoint's own).
    open_page(page, live_server)
    run(page, WITH_PARTY_LABEL)
    page.wait_for(RESULT_STATE)
    rows = bindings(live_server, WITH_PARTY_LABEL)
    cells = page.evaluate(TABLE_CELLS)
    label_of = {link["iri"]: c["label"] for c in cells for link in c["links"]}
    parties = {r["party"]["value"] for r in rows}
    commitments = {r["commitment"]["value"] for r in rows}
    assert parties <= set(label_of) and commitments <= set(label_of)
    assert all(label_of[iri] is None for iri in parties)
    # ?commitment has no label column of its own: its cells keep the server's labels.
    store = bundled_app.state.services.store
    expected = {k: str(v) for k, v in lookup_labels(store, list(commitments)).items()}
    assert expected and all(label_of[iri] == label for iri, label in expected.items())

    # When every IRI column has its label column, the endpoint is not asked for labels.
    before = label_requests(page)
    run(page, CLASSES_WITH_LABELS)
    page.wait_for(RESULT_STATE)
    cells = page.evaluate(TABLE_CELLS)
    assert any(c["links"] for c in cells)
    assert [c["label"] for c in cells if c["links"]] == [None] * sum(1 for c in cells if c["links"])
    assert label_requests(page) == before
    assert_clean(page, live_server)


# --- chart, timeline, graph ----------------------------------------------------------

CHART = (
    "(() => { const c = %s.plugins[%s].chart; return c && {type: c.config.type, labels: c.data.labels, "
    "data: c.data.datasets.map(d => d.data), x: c.options.scales.x.type, width: c.width}; })()"
)


def test_chart_view_draws_the_numeric_columns(
    page: Page, live_server: str, bundled_app: FastAPI, artifacts: Path
) -> None:
    open_page(page, live_server)
    new_tab(page)
    run(page, COUNT_BY_PARTY, "chart")
    chart = page.wait_for(CHART % (YASR, '"chart"'))

    rows = bindings(live_server, COUNT_BY_PARTY)
    labels = lookup_labels(bundled_app.state.services.store, [r["party"]["value"] for r in rows])
    assert chart["type"] == "bar" and chart["width"] > 0
    assert chart["labels"] == [str(labels[r["party"]["value"]]) for r in rows]
    assert chart["data"] == [[int(r["commitments"]["value"]) for r in rows]]

    page.evaluate(  # the Bar/Line choice in YASR's controls
        "(() => { const s = document.querySelector('.tabPanel.active .accord-view-control select');"
        " s.value = 'line'; s.dispatchEvent(new Event('change')); })()"
    )
    assert page.wait_for(
        f"(() => {{ const c = {YASR}.plugins.chart.chart; return c && c.config.type === 'line'; }})()"
    )
    page.evaluate(
        "(() => { const s = document.querySelector('.tabPanel.active .accord-view-control select');"
        " s.value = 'bar'; s.dispatchEvent(new Event('change')); })()"
    )
    page.wait_for(f"{YASR}.plugins.chart.chart && {YASR}.plugins.chart.chart.config.type === 'bar'")
    # A table of IRIs only has nothing to chart: the view is offered as disabled.
    run(page, COMMITTED_BY)
    assert page.evaluate(
        "document.querySelector('.tabPanel.active .select_chart').classList.contains('disabled')"
    )
    run(page, COUNT_BY_PARTY, "chart")
    page.wait_for(CHART % (YASR, '"chart"'))
    assert_clean(page, live_server)

    short_editor(page)
    save_screenshot(page, artifacts, "chart")


TIMELINE = """(() => { const c = %s.plugins.timeline.chart; return c && {
    x: c.options.scales.x.type,
    lines: c.options.scales.y.labels,
    points: c.data.datasets.flatMap(d => d.data.map(p => [p.y, p.x])) }; })()"""


def test_timeline_view_places_dated_rows_on_a_time_axis(
    page: Page, live_server: str, bundled_app: FastAPI, artifacts: Path
) -> None:
    holders = next(q for q in catalogue(bundled_app) if q.name == "office-holders")
    open_page(page, live_server)
    query = page.evaluate(
        "JSON.parse(document.getElementById('accord-config').textContent)"
        f".queries.find(q => q.name === {json.dumps(holders.name)}).query"
    )
    # In the named query's own tab, under its title.
    page.evaluate(
        "window.accordYasgui.persistentConfig.getTabs().map(id => window.accordYasgui.getTab(id))"
        f".find(t => t.getName() === {json.dumps(holders.name)}).select()"
    )
    page.wait_for(f"{QUERY_TITLE} === {json.dumps(holders.title)}")
    run(page, query, "timeline")
    assert page.evaluate(QUERY_TITLE) == holders.title
    timeline = page.wait_for(TIMELINE % YASR)

    rows = [r for r in bindings(live_server, query) if "date" in r]
    assert rows, "office-holders has no dated row"
    assert all(r["date"]["datatype"].endswith("#date") for r in rows)
    assert timeline["x"] == "time"
    states = lookup_labels(bundled_app.state.services.store, [r["state"]["value"] for r in rows])

    def millis(day: str) -> int:
        return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1000)

    # One point per dated row, on the line of its state (the first column), at its date.
    assert sorted(map(tuple, timeline["points"])) == sorted(
        (str(states[r["state"]["value"]]), millis(r["date"]["value"])) for r in rows
    )
    assert set(timeline["lines"]) == {str(states[r["state"]["value"]]) for r in rows}
    assert_clean(page, live_server)

    short_editor(page)
    save_screenshot(page, artifacts, "timeline")


GRAPH = """(() => { const cy = %s.plugins.graph.cy; return cy && {
    edges: cy.edges().map(e => [e.source().id(), e.data('label'), e.target().id()]),
    nodes: cy.nodes().map(n => ({id: n.id(), label: n.data('label'), href: n.data('href')})) }; })()"""

#: The pairs of nodes whose boxes, labels included, overlap.
OVERLAPS = """(() => { const cy = %s.plugins.graph.cy;
    const boxes = cy.nodes().map(n => [n.data('label'), n.boundingBox({includeLabels: true})]);
    const out = [];
    boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
        if (p.x1 < q.x2 && q.x1 < p.x2 && p.y1 < q.y2 && q.y1 < p.y2) out.push([a, b]); }));
    return out; })()"""


def test_graph_view_draws_a_describe_answer_and_path_rows(
    page: Page, live_server: str, artifacts: Path
) -> None:
    open_page(page, live_server)
    new_tab(page)
    run(page, DESCRIBE_FRANCE, "graph")
    graph = page.wait_for(GRAPH % YASR)

    turtle = endpoint(live_server, DESCRIBE_FRANCE, "text/turtle").content
    triples = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    assert len(graph["edges"]) == len(triples) > 5
    france = next(n for n in graph["nodes"] if n["id"] == "uri https://w3id.org/accord/id/FR")
    assert france["label"] == "France"
    assert france["href"] == f"{live_server}/id/FR"
    objects = {e[2] for e in graph["edges"] if e[0] == france["id"]}
    assert {
        f"uri {t.object.value}" for t in triples if isinstance(t.object, ox.NamedNode)
    } <= objects
    # No node or its label lies on another's (the node, its wd: link and its label were
    # drawn on top of each other at the centre).
    assert page.evaluate(OVERLAPS % YASR) == []
    assert_clean(page, live_server)
    short_editor(page)
    # A taller window, so that the picture shows the whole graph box under the query.
    page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1440, "height": 1100, "deviceScaleFactor": 1, "mobile": False},
    )
    page.evaluate(f"{YASR}.plugins.graph.cy.resize().fit(undefined, 30) && 1")
    save_screenshot(page, artifacts, "graph")
    page.send(
        "Emulation.setDeviceMetricsOverride",
        {"width": 1440, "height": 960, "deviceScaleFactor": 1, "mobile": False},
    )

    # A SELECT of two IRI columns is a path: one edge per row.
    run(page, COMMITTED_BY, "graph")
    graph = page.wait_for(GRAPH % YASR)
    rows = bindings(live_server, COMMITTED_BY)
    assert sorted(graph["edges"]) == sorted(
        [f"uri {r['commitment']['value']}", "party", f"uri {r['party']['value']}"] for r in rows
    )
    assert page.evaluate(OVERLAPS % YASR) == []
    assert_clean(page, live_server)


# --- code, cite, permalinks ----------------------------------------------------------


def open_code(page: Page) -> dict[str, str]:
    """Click Code and read every snippet of the dialog."""
    page.click("#accord-code-button")
    page.wait_for("document.getElementById('accord-code').open")
    tabs = page.evaluate(
        "Array.from(document.querySelectorAll('#accord-code-tabs button')).map(b => b.dataset.snippet)"
    )
    snippets = {}
    for name in tabs:
        page.click(f"#accord-code-tabs button[data-snippet={name}]")
        snippets[name] = page.evaluate("document.getElementById('accord-code-text').textContent")
    return snippets


def test_code_button_gives_snippets_that_run(
    page: Page, live_server: str, tmp_path: Path, browser: Browser
) -> None:
    open_page(page, live_server)
    run(page, COUNT_BY_PARTY)
    snippets = open_code(page)
    assert set(snippets) == {"python", "pandas", "r", "curl"}
    rows = bindings(live_server, COUNT_BY_PARTY)

    # Python: SPARQLWrapper, then pandas.read_csv with format=csv, run as they are shown.
    namespace: dict[str, object] = {}
    exec(snippets["python"].replace("print(", "(lambda *a: None)("), namespace)  # noqa: S102
    assert len(namespace["results"]["results"]["bindings"]) == len(rows)  # type: ignore[index]
    exec(snippets["pandas"].replace("print(", "(lambda *a: None)("), namespace)  # noqa: S102
    frame = namespace["frame"]
    assert list(frame.columns) == ["party", "commitments"]  # type: ignore[attr-defined]
    assert list(frame["commitments"]) == [int(r["commitments"]["value"]) for r in rows]  # type: ignore[index]
    # curl, run by bash; R is not installed here: its text is checked.
    out = subprocess.run(
        ["bash", "-c", snippets["curl"]], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.splitlines()[0].strip() == "party,commitments"
    assert len(out.stdout.strip().splitlines()) == len(rows) + 1
    assert f'"{live_server}/sparql?format=csv&query="' in snippets["r"]
    assert "read.csv(url)" in snippets["r"] and 'query <- r"(' in snippets["r"]

    # Copy puts the shown snippet on the clipboard.
    browser.send(
        "Browser.grantPermissions",
        {"origin": live_server, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    page.click("#accord-code-tabs button[data-snippet=curl]")
    page.click("#accord-code-copy")
    page.wait_for("document.getElementById('accord-code-status').textContent === 'Copied.'")
    assert page.evaluate("navigator.clipboard.readText()") == snippets["curl"]
    page.click("#accord-code form button")  # Close
    assert page.wait_for("!document.getElementById('accord-code').open")

    # A CONSTRUCT gives Turtle: no pandas, rdflib reads the Python snippet's answer.
    run(page, DESCRIBE_FRANCE)
    snippets = open_code(page)
    assert set(snippets) == {"python", "r", "curl"}
    namespace = {}
    exec(snippets["python"].replace("print(", "(lambda *a: None)("), namespace)  # noqa: S102
    turtle = endpoint(live_server, DESCRIBE_FRANCE, "text/turtle").content
    triples = list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))
    assert len(namespace["graph"]) == len(triples)  # type: ignore[arg-type]
    assert_clean(page, live_server)


def test_cite_button_cites_the_tabs_query(
    page: Page, live_server: str, bundled_app: FastAPI, artifacts: Path
) -> None:
    first = catalogue(bundled_app)[0]
    open_page(page, live_server)
    href = page.evaluate("window.accordUI.citeHref(window.accordYasgui.getTab())")
    assert href == f"{live_server}/cite?named={first.name}"
    run(page, COUNT_BY_PARTY)
    page.click("#accord-cite-button")  # opens a new window; the link is what matters
    href = page.evaluate("document.getElementById('accord-cite-button').href")
    assert urlsplit(href).path == "/cite" and "query=" in href
    bibtex = httpx.get(href + "&format=bibtex", timeout=60)
    assert bibtex.status_code == 200 and bibtex.text.lstrip().startswith("@")
    assert_clean(page, live_server)


def test_pages_for_the_docs(page: Page, live_server: str, artifacts: Path) -> None:
    """A named query's page and a citation page render with nothing from elsewhere."""
    origin = urlsplit(live_server)[:2]
    for path, name, marker in [
        ("/queries/commitments", "named-query", "table"),
        ("/cite?named=commitments", "citation", "pre, code, textarea, table"),
    ]:
        page.navigate(f"{live_server}{path}")
        assert page.wait_for(f"document.querySelector({json.dumps(marker)}) !== null")
        save_screenshot(page, artifacts, name)
    page.evaluate("1")
    assert page.console_errors() == []
    assert [
        u
        for u in page.requested_urls()
        if urlsplit(u).scheme == "http" and urlsplit(u)[:2] != origin
    ] == []


def test_permalink_reproduces_query_and_view_in_a_fresh_browser(
    page: Page, live_server: str, chromium: str, tmp_path: Path, artifacts: Path
) -> None:
    open_page(page, live_server)
    run(page, COUNT_BY_PARTY, "chart")
    page.wait_for(CHART % (YASR, '"chart"'))
    # The view's own setting goes into the link too: a line chart stays a line chart.
    page.evaluate(
        "(() => { const s = document.querySelector('.tabPanel.active .accord-view-control select');"
        " s.value = 'line'; s.dispatchEvent(new Event('change')); })()"
    )
    page.wait_for(
        f"{YASR}.plugins.chart.chart && {YASR}.plugins.chart.chart.config.type === 'line'"
    )
    page.click("#accord-link-button")
    link = page.wait_for(
        "document.getElementById('accord-link').open && document.getElementById('accord-link-text').value"
    )
    assert link.startswith(f"{live_server}/#") and "view=chart&chart=line" in link
    # YASQE's share button gives the same link.
    assert page.evaluate("window.accordYasgui.getTab().getShareableLink()") == link

    fresh = Browser.launch(chromium, tmp_path / "fresh-profile")
    try:
        other = fresh.new_page(width=1440, height=960)
        other.navigate(link)
        chart = other.wait_for(CHART % (YASR, '"chart"'))
        assert other.evaluate("window.accordYasgui.getTab().getQuery()") == COUNT_BY_PARTY
        assert other.evaluate(f"{YASR}.getSelectedPluginName()") == "chart"
        assert chart["type"] == "line"
        assert (
            other.evaluate(
                "document.querySelector('.tabPanel.active .accord-view-control select').value"
            )
            == "line"
        )
        rows = bindings(live_server, COUNT_BY_PARTY)
        assert chart["data"] == [[int(r["commitments"]["value"]) for r in rows]]
        # The view stays in the page: no request carries it to the endpoint.
        assert not [u for u in other.requested_urls() if "view=" in u.split("#")[0]]
        posts = [
            e["params"]["request"].get("postData", "")
            for e in fresh.events(other.session)
            if e.get("method") == "Network.requestWillBeSent"
        ]
        assert not [p for p in posts if "view=" in p]
        assert_clean(other, live_server)
    finally:
        fresh.close()
