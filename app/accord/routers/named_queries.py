"""Named queries: ``GET /queries`` lists the catalogue, ``GET /queries/{name}`` runs one.

A named query answers like ``/sparql`` (same formats, same negotiation, ``format`` and
``labels`` parameters); its own parameters (declared in the ``.rq`` header) are bound
with a VALUES block, IRIs and typed values checked first (400 if they do not fit).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from accord.errors import AccordError, BadRequest, NotFound
from accord.html import HTML_HEADERS
from accord.html.queries import catalogue_page, query_page
from accord.http.deps import SettingsDep, services_of
from accord.query.catalogue import NamedQuery
from accord.query.executor import get_executor
from accord.query.negotiation import best_match, choose
from accord.query.protocol import parse_bool
from accord.routers.sparql import (
    ERRORS,
    RESULT_TYPES,
    FormatParam,
    LabelsParam,
    endpoint_url,
    query_response,
)
from accord.settings import Settings

router = APIRouter(tags=["named queries"])

Catalogue = dict[str, NamedQuery]


def get_catalogue(request: Request) -> Catalogue:
    """The catalogue loaded at start-up."""
    return services_of(request).catalogue


CatalogueDep = Annotated[Catalogue, Depends(get_catalogue)]


@router.get(
    "/queries",
    summary="List the named queries",
    response_class=Response,
    responses={
        200: {
            "description": "The catalogue: for each query its name, title, description, "
            "parameters and URL. JSON by default, an HTML list for Accept: text/html.",
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "text/html": {"schema": {"type": "string"}},
            },
        },
        406: ERRORS[406],
    },
)
def list_queries(request: Request, catalogue: CatalogueDep, format: FormatParam = None) -> Response:
    """Every named query of the catalogue (`queries/*.rq`), sorted by name."""
    media_type = choose("catalogue", request.headers.get("accept"), format)
    entries: list[dict[str, Any]] = [
        {
            "name": q.name,
            "title": q.title,
            "description": q.description,
            "params": [p.as_json() for p in q.params],
            "url": str(request.url_for("run_named_query", name=q.name)),
        }
        for q in catalogue.values()
    ]
    if media_type == "text/html":
        settings = services_of(request).settings
        root = request.scope.get("root_path", "")
        page = catalogue_page(services_of(request).store, entries, settings.base_iri, root)
        return HTMLResponse(page, headers={"Vary": "Accept", **HTML_HEADERS})
    return JSONResponse(entries, headers={"Vary": "Accept"})


@router.get(
    "/queries/{name}",
    summary="Run a named query",
    response_class=Response,
    responses={
        200: {
            "description": "The answer, in any format of `/sparql` (negotiated with Accept, "
            "or chosen with `format`).",
            "content": {t: {"schema": {"type": "string"}} for t in RESULT_TYPES},
        },
        400: {
            "description": "An unknown parameter, a missing required one, or a value "
            "that is not of the parameter's type (an IRI that is not absolute...)."
        },
        404: {"description": "No named query has this name."},
        406: ERRORS[406],
    },
)
@router.head("/queries/{name}", include_in_schema=False)
async def run_named_query(
    name: str,
    request: Request,
    settings: SettingsDep,
    catalogue: CatalogueDep,
    format: FormatParam = None,
    labels: LabelsParam = None,
) -> Response:
    """Run the named query `name` (see `GET /queries` for the catalogue). Its own
    parameters are given as `?NAME=VALUE`: an IRI (or a prefixed name of the project's
    prefix map, such as `id:FR`), or a literal (plain text, or `"2026-01-06"^^xsd:date`)."""
    query = catalogue.get(name)
    if query is None:
        raise NotFound(f"no named query {name!r}; see /queries for the catalogue")
    values: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in values:
            raise BadRequest(f"parameter {key!r} given more than once; give it once")
        values[key] = value
    if format is None and request.method == "GET" and _wants_page(request.headers.get("accept")):
        return await _page(request, settings, query, values)
    text = query.bind(values)
    return await query_response(
        get_executor(request),
        request,
        text,
        accept=request.headers.get("accept"),
        fmt=format,
        labels=parse_bool("labels", labels),
        head=request.method == "HEAD",
        base_iri=endpoint_url(request, settings),
    )


def _wants_page(accept: str | None) -> bool:
    """A browser: its Accept names HTML and prefers it to every answer format (a
    client that sends none, or */*, gets the answer as before)."""
    if not accept or "text/html" not in accept:
        return False
    return best_match(accept, ["text/html", *RESULT_TYPES]) == "text/html"


async def _page(
    request: Request, settings: Settings, query: NamedQuery, values: dict[str, str]
) -> Response:
    """The query as a page: its form, its answer as a table, its downloads, its text."""
    answer: dict[str, Any] | None = None
    error: str | None = None
    status = 200
    try:
        response = await query_response(
            get_executor(request),
            request,
            query.bind(values),
            accept=JSON_RESULTS,
            fmt="json",
            base_iri=endpoint_url(request, settings),
        )
        answer = json.loads(bytes(response.body))
    except AccordError as exc:
        error, status = str(exc), exc.status
    services = services_of(request)
    root = request.scope.get("root_path", "")
    page = await run_in_threadpool(
        query_page,
        services.store,
        query,
        values,
        answer,
        error,
        settings.base_iri,
        root,
        settings.page_max_rows,
    )
    return HTMLResponse(page, status, headers={"Vary": "Accept", **HTML_HEADERS})


JSON_RESULTS = "application/sparql-results+json"
