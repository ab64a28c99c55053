"""Named queries: ``GET /queries`` lists the catalogue, ``GET /queries/{name}`` runs one.

A named query answers like ``/sparql`` (same formats, same negotiation, ``format`` and
``labels`` parameters); its own parameters (declared in the ``.rq`` header) are bound
with a VALUES block, IRIs and typed values checked first (400 if they do not fit).
"""

from __future__ import annotations

from html import escape
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from accord.errors import BadRequest, NotFound
from accord.http.deps import SettingsDep, services_of
from accord.query.catalogue import NamedQuery
from accord.query.executor import get_executor
from accord.query.negotiation import choose
from accord.query.protocol import parse_bool
from accord.routers.sparql import (
    ERRORS,
    RESULT_TYPES,
    FormatParam,
    LabelsParam,
    endpoint_url,
    query_response,
)

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
        return HTMLResponse(_html(entries), headers={"Vary": "Accept"})
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


def _html(entries: list[dict[str, Any]]) -> str:
    items = []
    for e in entries:
        params = "".join(
            f"<li><code>{escape(str(p['name']))}</code> ({escape(str(p['type']))}"
            f"{', optional' if p['optional'] else ''}): {escape(str(p['description']))}</li>"
            for p in e["params"]
        )
        items.append(
            f'<li><a href="{escape(str(e["url"]))}">{escape(str(e["title"]))}</a> '
            f"<code>{escape(str(e['name']))}</code>"
            f"<p>{escape(str(e['description']))}</p>"
            + (f"<ul>{params}</ul>" if params else "")
            + "</li>"
        )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Accord: named queries</title></head><body>"
        f"<h1>Named queries</h1><ul>{''.join(items)}</ul></body></html>\n"
    )
