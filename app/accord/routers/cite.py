"""``/cite``: citations of the dataset, of a query's answer and of a named query's, in
CSL-JSON, BibTeX and RIS (accord.publish.citation), or as a page in a browser.

- ``/cite``: the dataset, at its current version;
- ``/cite?query=...``: the answer to a SPARQL query (its permalink is ``/sparql?query=``);
- ``/cite?named=NAME&PARAM=VALUE...``: the answer to a named query.

``format`` is ``csl-json`` (the default for a client that is not a browser), ``bibtex``
or ``ris``. The query is run (with every limit of ``/sparql``) to find the sources
behind its rows.
"""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from accord.errors import BadRequest, NotFound
from accord.html import HTML_HEADERS, Linker, render
from accord.http.deps import SettingsDep, services_of
from accord.namespaces import sparql_prologue
from accord.publish.citation import FORMATS, WRITERS, Citation, Source
from accord.query.executor import get_executor
from accord.query.negotiation import best_match
from accord.routers.sparql import endpoint_url, query_response

router = APIRouter(tags=["citations"])

#: Row IRIs whose sources are looked up, at most.
MAX_IRIS = 500


@router.get("/cite", summary="Cite the dataset, or the answer to a query (CSL-JSON, BibTeX, RIS)")
async def cite(request: Request, settings: SettingsDep) -> Response:
    """The citation of the dataset (no parameter), of the answer to `query`, or of the
    answer to the named query `named` (its parameters as for `/queries/{name}`), in
    `format` `csl-json`, `bibtex` or `ris` (a page in a browser)."""
    params = dict(request.query_params)
    fmt = params.pop("format", None)
    if fmt is not None and fmt not in WRITERS:
        raise BadRequest(f"unknown format {fmt!r}; use one of: {', '.join(WRITERS)}")
    services = services_of(request)
    version = services.store.version
    accessed = datetime.now(UTC).date()
    query_text = params.pop("query", None)
    named = params.pop("named", None)
    if named is not None and query_text is not None:
        raise BadRequest("give query or named, not both")
    citation: Citation
    if named is None and query_text is None:
        if params:
            raise BadRequest(f"unknown parameter {sorted(params)[0]!r} for the dataset's citation")
        citation = Citation(version, settings.base_iri, accessed)
    else:
        if named is not None:
            query = services.catalogue.get(named)
            if query is None:
                raise NotFound(f"no named query {named!r}; see /queries for the catalogue")
            text = query.bind(params)
            link = str(request.url_for("run_named_query", name=named))
            title: str | None = query.title
        else:
            assert query_text is not None
            text, link, title = query_text, endpoint_url(request, settings), None
            params = {"query": query_text}
        permalink = link + ("?" + urllib.parse.urlencode(params) if params else "")
        sources = await _sources(request, text)
        citation = Citation(version, permalink, accessed, text, title, tuple(sources))
    if fmt is None and _browser(request.headers.get("accept")):
        page = await run_in_threadpool(_page, request, citation)
        return HTMLResponse(page, headers={"Vary": "Accept", **HTML_HEADERS})
    fmt = fmt or "csl-json"
    media_type, ext = FORMATS[fmt]
    return Response(
        WRITERS[fmt](citation),
        media_type=media_type,
        headers={
            "Content-Disposition": f'inline; filename="{citation.key}.{ext}"',
            "Vary": "Accept",
        },
    )


def _browser(accept: str | None) -> bool:
    if not accept or "text/html" not in accept:
        return False
    return best_match(accept, ["text/html", "application/json"]) == "text/html"


async def _sources(request: Request, text: str) -> list[Source]:
    """The sources behind the rows of the query's answer (run with /sparql's limits)."""
    executor = get_executor(request)
    answer = await query_response(
        executor,
        request,
        text,
        accept="application/sparql-results+json",
        fmt="json",
        base_iri=endpoint_url(request, services_of(request).settings),
    )
    import json

    body = json.loads(bytes(answer.body))
    iris: list[str] = []
    for row in body.get("results", {}).get("bindings", []):
        for cell in row.values():
            if cell.get("type") == "uri" and cell["value"] not in iris:
                iris.append(cell["value"])
    if not iris:
        return []
    values = " ".join(f"<{i}>" for i in iris[:MAX_IRIS] if ">" not in i and " " not in i)
    lookup = (
        sparql_prologue()
        + f"""SELECT DISTINCT ?source (SAMPLE(?l) AS ?label)
      (SAMPLE(?u) AS ?url) WHERE {{
      VALUES ?x {{ {values} }} ?x prov:wasDerivedFrom ?source .
      OPTIONAL {{ ?source rdfs:label ?l }} OPTIONAL {{ ?source schema:url ?u }}
    }} GROUP BY ?source ORDER BY ?source"""
    )
    rows = await run_in_threadpool(services_of(request).query_service.select, lookup)
    return [
        Source(
            str(r["source"]),
            str(r.get("label") or r["source"]),
            str(r["url"]) if r.get("url") else None,
        )
        for r in rows
    ]


def _page(request: Request, c: Citation) -> bytes:
    settings = services_of(request).settings
    root = request.scope.get("root_path", "")
    here = dict(request.query_params)

    def link(fmt: str) -> str:
        return "?" + urllib.parse.urlencode({**here, "format": fmt})

    context: dict[str, Any] = {
        "title": "Cite",
        "citation": c,
        "links": [
            (name, link(fmt))
            for fmt, name in (("csl-json", "CSL-JSON"), ("bibtex", "BibTeX"), ("ris", "RIS"))
        ],
    }
    return render("cite.html", Linker(settings.base_iri, root), c.dataset_version, context)
