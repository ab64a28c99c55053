"""Dereferenceable IRIs: every IRI Accord mints answers on the running server.

The mapping: a minted IRI ``{base}{rest}`` (``settings.base_iri``, by default
``https://w3id.org/accord/``) is served at ``/{rest}``; the data always keeps the
canonical IRIs, and the server maps each request path back to one.

* ``/id/FR``, ``/concept/Ceasefire``, ``/graph/data/...``: the *thing*.  It answers
  ``303 See Other`` to a document chosen by the Accept header (q-values honoured):
  ``/id/FR.html``, ``.ttl``, ``.jsonld``, ``.nt`` or ``.rdf``; the query string is kept.
* ``/id/FR.ttl`` and the others: the *documents*, 200 with ``ETag``, ``Last-Modified``
  and 304 on a matching ``If-None-Match`` (or ``If-Modified-Since``).
* Hash namespaces (``/ontology`` for ``{base}ontology#State``, ``/shapes``): the
  namespace IRI redirects the same way to ``/ontology.html`` etc.; the browser keeps
  the fragment across the redirect and the HTML has an anchor per term.  An
  ontology's version IRIs, the current one (``owl:versionIRI``) and earlier ones
  (``owl:priorVersion``), redirect to the ontology's documents.
* An IRI the data has replaced (a stub with no ``rdf:type`` and one
  ``dcterms:isReplacedBy``) answers ``301 Moved Permanently`` to the same URL of its
  replacement: ``/id/old`` to ``/id/new``, ``/id/old.ttl`` to ``/id/new.ttl``, the
  query string kept.
* A named graph's documents hold its statements.
* JSON-LD refers to the published context ``/context.jsonld`` (``{base}context.jsonld``);
  ``/id/X.jsonld?frame=NAME`` answers the resource framed by ``/frames/NAME``
  (``declaration``: a declaration with its signatories and commitments nested).
* An IRI the dataset never mentions is a 404, with an HTML page suggesting near IRIs
  for a browser.
"""

from __future__ import annotations

import json
from datetime import date

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from accord.errors import AccordError, BadRequest, NotAcceptable, NotFound
from accord.html import HTML_HEADERS
from accord.html.documents import graph_page, namespace_page, not_found_page, resource_page
from accord.http.cache import validated
from accord.http.deps import ServiceDep, SettingsDep, services_of
from accord.jsonld import CONTEXT_NAME, context_document, context_iri, frame_resource, get_frame
from accord.namespaces import DEFAULT_BASE
from accord.publish.describe import (
    Target,
    describe,
    graph_triples,
    hash_namespaces,
    iri_for_path,
    known_iris,
    namespace_triples,
    path_for_iri,
    resolve,
)
from accord.publish.export import dumps_json, serialize_triples
from accord.publish.suggestions import IriIndex
from accord.query.negotiation import ALIASES, best_match, content_type
from accord.settings import Settings
from accord.stores.base import Store

router = APIRouter(tags=["linked data"])

#: The documents of a resource by extension, in the server's order of preference.
DOCUMENTS = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    # Quad syntaxes, which Comunica and other link-traversal clients prefer: the
    # description's triples in the default graph.
    "nq": "application/n-quads",
    "trig": "application/trig",
    "html": "text/html",
}
EXTENSION_FOR = {mt: ext for ext, mt in DOCUMENTS.items()}
DOCUMENT_ALIASES = {**ALIASES["graph"], "application/xhtml+xml": "text/html"}
#: Query parameters a document understands.
PARAMETERS = {"frame", "on"}


def root_of(request: Request) -> str:
    return str(request.scope.get("root_path", "")).rstrip("/")


def split_extension(store: Store, base: str, rest: str) -> tuple[str, str | None]:
    """The IRI a path names and the document extension, if any.

    ``id/FR.ttl`` is ``{base}id/FR`` as Turtle, unless ``{base}id/FR.ttl`` itself is
    something the dataset talks about."""
    stem, dot, ext = rest.rpartition(".")
    if dot and ext in DOCUMENTS and "/" not in ext and stem:
        if resolve(store, iri_for_path(rest, base), base) is None:
            return iri_for_path(stem, base), ext
    return iri_for_path(rest, base), None


def _valid_iri(iri: str, path: str) -> None:
    """A path whose IRI would not be a valid IRI (a space, <, >, ", {, a control
    character...) names nothing Accord can mint: 400 naming the problem, before any
    query is built from it."""
    try:
        ox.NamedNode(iri)
    except ValueError as exc:
        raise BadRequest(f"{path} names no resource: {iri!r} is not a valid IRI ({exc})") from None


def serve(request: Request, store: Store, settings: Settings, rest: str) -> Response:
    base = settings.base_iri
    unknown = sorted(set(request.query_params) - PARAMETERS)
    if unknown:
        raise BadRequest(
            f"unknown query parameter {', '.join(map(repr, unknown))}; documents take: frame, on"
        )
    frame = request.query_params.get("frame")
    if frame:
        get_frame(frame)  # an unknown frame is a 400 whatever else the request says
    _valid_iri(iri_for_path(rest, base), request.url.path)
    iri, ext = split_extension(store, base, rest)
    target = resolve(store, iri, base)
    if target is None:
        return not_found(request, store, settings, iri)
    root = root_of(request)
    query = f"?{request.url.query}" if request.url.query else ""
    if target.replaced_by:
        return moved(target.replaced_by, ext, base, root, query)
    if ext is None or target.alias_of:
        if ext is None:
            accept = request.headers.get("accept")
            media_type = (
                "application/ld+json"
                if frame
                else best_match(accept, list(DOCUMENTS.values()), DOCUMENT_ALIASES)
            )
            if media_type is None:
                raise NotAcceptable(
                    f"cannot answer <{iri}> as Accept: {accept}; offered: {', '.join(DOCUMENTS.values())}"
                )
            ext = EXTENSION_FOR[media_type]
        doc = target.alias_of or iri
        location = f"{root}{path_for_iri(doc, base)}.{ext}{query}"
        return PlainTextResponse(
            f"See Other: {location}\n",
            status_code=303,
            headers={"Location": location, "Vary": "Accept"},
        )
    media_type = DOCUMENTS[ext]
    if frame and ext != "jsonld":
        raise BadRequest(
            f"frame={frame} gives JSON-LD: ask for {path_for_iri(iri, base)}.jsonld?frame={frame}"
        )
    on = _date_param(request.query_params.get("on"))
    headers = dict(HTML_HEADERS) if media_type == "text/html" else {}
    headers["Link"] = f'<{root}{path_for_iri(iri, base)}>; rel="describes"'
    # A JSON-LD document names its context on this server, where a client that got the
    # document can load it, whether or not the base IRI resolves (rdflib and Comunica
    # failed on https://w3id.org/accord/context.jsonld served from elsewhere).
    context = f"{request.url.scheme}://{request.url.netloc}{root}/{CONTEXT_NAME}"
    key = (target.iri, media_type, request.url.query, root, base, context)

    def build() -> bytes:
        body = representation(
            store, target, media_type, base, root, frame, on, settings.page_max_rows
        )
        return served_context(body, base, context) if media_type == JSON_LD else body

    return validated(request, store, key, build, content_type(media_type), headers)


JSON_LD = "application/ld+json"


def served_context(body: bytes, base: str, context: str) -> bytes:
    """A JSON-LD document whose ``@context`` names the published context by the base IRI,
    naming it by ``context`` (this server's copy) instead."""
    doc = json.loads(body)
    published = context_iri(base)
    ctx = doc.get("@context")
    if ctx == published:
        doc["@context"] = context
    elif isinstance(ctx, list):
        doc["@context"] = [context if c == published else c for c in ctx]
    else:
        return body
    return dumps_json(doc)


def moved(new: str, ext: str | None, base: str, root: str, query: str) -> Response:
    """301 from a replaced IRI's URL to the same URL of its replacement, on this server
    (``resolve`` offers only replacements under the base: data never redirects a client
    to another site)."""
    path = path_for_iri(new, base) or "/"
    location = f"{root}{path}{f'.{ext}' if ext else ''}{query}"
    return PlainTextResponse(
        f"Moved Permanently: {location}\n", status_code=301, headers={"Location": location}
    )


def _date_param(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"parameter 'on' must be a date (YYYY-MM-DD), not {value!r}") from None


def representation(
    store: Store,
    target: Target,
    media_type: str,
    base: str,
    root: str,
    frame: str | None,
    on: date | None,
    limit: int = 500,
) -> bytes:
    """The bytes of one document of a target (an HTML page lists at most ``limit`` rows
    per section)."""
    iri = target.iri
    html = media_type == "text/html"
    if target.kind == "graph":
        if html:
            return graph_page(store, iri, base, root, limit)
        return serialize_triples(graph_triples(store, iri), media_type, base)
    if target.kind == "namespace":
        if html:
            return namespace_page(store, iri, base, root)
        _, triples = namespace_triples(store, iri)
        return serialize_triples(triples, media_type, base, primary=iri)
    if html:
        return resource_page(store, iri, base, root, on, limit)
    if frame:
        return dumps_json(frame_resource(store, iri, frame, base))
    return serialize_triples(describe(store, iri).triples, media_type, base, primary=iri)


#: IRIs the 404 suggestions are chosen from (the subjects under the base), at most.
KNOWN_IRIS = 100_000


def suggestions(request: Request, store: Store, settings: Settings, iri: str) -> list[str]:
    """Known IRIs near ``iri``, from an index built once per dataset version and kept with
    the pages.  Suggestions are a courtesy: if the index cannot be built now (page builds
    busy, a timeout, too many IRIs for the row cap), the 404 has none."""
    limit = min(KNOWN_IRIS, settings.max_result_rows)
    try:
        index = services_of(request).representations.memo(
            store,
            f"{store.version}\0known IRIs\0{settings.base_iri}",
            lambda: IriIndex(known_iris(store, settings.base_iri, limit)),
            lambda index: index.size,
        )
    except AccordError:
        return []
    return index.suggest(iri)


def not_found(request: Request, store: Store, settings: Settings, iri: str) -> Response:
    """404: an HTML page with near IRIs for a browser, plain text for anything else."""
    suggestions_ = suggestions(request, store, settings, iri)
    accept = request.headers.get("accept")
    wants_html = request.url.path.endswith(".html") or (
        best_match(accept, ["text/plain", "text/html"], {"application/xhtml+xml": "text/html"})
        == "text/html"
    )
    if wants_html:
        page = not_found_page(store, iri, suggestions_, settings.base_iri, root_of(request))
        return Response(
            page, 404, media_type="text/html; charset=utf-8", headers=dict(HTML_HEADERS)
        )
    text = f"Not Found: the dataset (version {store.version}) says nothing about <{iri}>\n"
    text += "".join(f"Did you mean <{s}>?\n" for s in suggestions_)
    return PlainTextResponse(text, 404)


# --- routes ---------------------------------------------------------------------------

_METHODS = ["GET", "HEAD"]


@router.api_route("/id/{rest:path}", methods=_METHODS, include_in_schema=False)
def instance(rest: str, request: Request, store: ServiceDep, settings: SettingsDep) -> Response:
    return serve(request, store, settings, f"id/{rest}")


@router.api_route("/concept/{rest:path}", methods=_METHODS, include_in_schema=False)
def concept(rest: str, request: Request, store: ServiceDep, settings: SettingsDep) -> Response:
    return serve(request, store, settings, f"concept/{rest}")


@router.api_route("/graph/{rest:path}", methods=_METHODS, include_in_schema=False)
def graph(rest: str, request: Request, store: ServiceDep, settings: SettingsDep) -> Response:
    return serve(request, store, settings, f"graph/{rest}")


def _namespace_routes(name: str) -> None:
    def document(request: Request, store: ServiceDep, settings: SettingsDep) -> Response:
        return serve(request, store, settings, name)

    def with_extension(
        ext: str, request: Request, store: ServiceDep, settings: SettingsDep
    ) -> Response:
        return serve(request, store, settings, f"{name}.{ext}")

    def below(rest: str, request: Request, store: ServiceDep, settings: SettingsDep) -> Response:
        return serve(request, store, settings, f"{name}/{rest}")

    router.add_api_route(f"/{name}", document, methods=_METHODS, include_in_schema=False)
    router.add_api_route(
        f"/{name}.{{ext}}", with_extension, methods=_METHODS, include_in_schema=False
    )
    router.add_api_route(f"/{name}/{{rest:path}}", below, methods=_METHODS, include_in_schema=False)


for _name in hash_namespaces(DEFAULT_BASE):
    _namespace_routes(_name)


@router.api_route("/context.jsonld", methods=_METHODS, include_in_schema=False)
def context(request: Request, store: ServiceDep) -> Response:
    """The published JSON-LD context (``{base}context.jsonld``), readable from any origin."""
    return validated(
        request,
        store,
        ("context.jsonld",),
        lambda: dumps_json(context_document()),
        "application/ld+json",
        {"Access-Control-Allow-Origin": "*"},
    )


@router.api_route("/frames/{name}", methods=_METHODS, include_in_schema=False)
def frame_document(
    name: str, request: Request, store: ServiceDep, settings: SettingsDep
) -> Response:
    """A JSON-LD frame, as ``?frame={name}`` applies it."""
    try:
        spec = get_frame(name.removesuffix(".jsonld"))
    except BadRequest as exc:
        raise NotFound(str(exc)) from exc
    return validated(
        request,
        store,
        ("frame", spec.name, settings.base_iri),
        lambda: dumps_json(spec.document(settings.base_iri)),
        "application/ld+json",
        {"Access-Control-Allow-Origin": "*"},
    )
