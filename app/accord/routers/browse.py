"""Browsing without SPARQL: ``/browse`` (the index), ``/browse/{class}`` (the instances
of a class, named by a prefixed name such as ``accord:State`` or ``foaf:Person``) and
``/commitments`` (states and groups by kinds of condition, and the network picture).

Every page is generated from queries over the ontology's classes, carries the same
validators as the resource documents (ETag from the dataset version, 304) and links
onward to the resources' own pages.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from accord.errors import NotFound
from accord.html import HTML_HEADERS
from accord.html.documents import browse_page, class_page, commitments_page
from accord.http.cache import validated
from accord.http.deps import ServiceDep, SettingsDep
from accord.namespaces import PREFIXES
from accord.publish.describe import ask, ref
from accord.routers.resources import root_of

router = APIRouter(tags=["browse"])
HTML = "text/html; charset=utf-8"


@router.api_route("/browse", methods=["GET", "HEAD"], summary="Browse the graph by class")
def browse(request: Request, store: ServiceDep, settings: SettingsDep) -> Response:
    base, root = settings.base_iri, root_of(request)
    return validated(
        request,
        store,
        ("browse", base, root),
        lambda: browse_page(store, base, root, settings.page_max_rows),
        HTML,
        HTML_HEADERS,
    )


@router.api_route("/browse/{name}", methods=["GET", "HEAD"], summary="The instances of a class")
def browse_class(name: str, request: Request, store: ServiceDep, settings: SettingsDep) -> Response:
    prefix, sep, local = name.partition(":")
    if not sep or prefix not in PREFIXES:
        raise NotFound(
            f"{name!r} is not a prefixed name; use one of the prefixes {', '.join(PREFIXES)} "
            "(for example /browse/accord:State)"
        )
    class_iri = PREFIXES[prefix] + local
    if not ask(store, f"ASK {{ {{ ?s a {ref(class_iri)} }} UNION {{ {ref(class_iri)} ?p ?o }} }}"):
        raise NotFound(f"the dataset says nothing about the class {name} (<{class_iri}>)")
    base, root = settings.base_iri, root_of(request)
    return validated(
        request,
        store,
        ("class", class_iri, base, root),
        lambda: class_page(store, class_iri, base, root, settings.page_max_rows),
        HTML,
        HTML_HEADERS,
    )


@router.api_route("/commitments", methods=["GET", "HEAD"], summary="Commitments by condition")
def commitments(request: Request, store: ServiceDep, settings: SettingsDep) -> Response:
    base, root = settings.base_iri, root_of(request)
    return validated(
        request,
        store,
        ("commitments", base, root),
        lambda: commitments_page(store, base, root, settings.page_max_rows),
        HTML,
        HTML_HEADERS,
    )
