"""The W3C SPARQL 1.1 Graph Store HTTP Protocol at ``/graph-store``, and the HTTP side of
every write (also used by the SPARQL Update branch of ``/sparql``).

A graph is named indirectly (``/graph-store?graph=IRI``, ``/graph-store?default``) or
directly (``/graph-store/any/path``: the graph is that URL).  GET and HEAD read a graph
and are always on; they never change anything.  PUT (replace), POST (add; on
``/graph-store`` alone, a new graph whose IRI comes back in ``Location``) and DELETE are
writes: refused (403) unless ``allow_update``, and then they need the bearer token
(app.auth) and go through the writer (app.writes: validated, one transaction, logged).

``?default`` is the store's own default graph (the triples written without a graph
name), which queries see as part of their union default graph.

Uploads are parsed by pyoxigraph, which fetches nothing (a remote JSON-LD context is a
parse error; RDF/XML external entities are refused, and internal entities may not refer
to other entities, so an upload cannot expand into gigabytes).
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import itertools
import re
import uuid
import xml.parsers.expat
from collections.abc import Awaitable, Callable
from typing import Annotated

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from accord.errors import AccordError, BadRequest, NotFound, UnsupportedMediaType
from accord.http.deps import SettingsDep, StoreDep, services_of
from accord.http.errors import error_response
from accord.query.negotiation import ALIASES, best_match, choose, content_type
from accord.query.protocol import is_absolute_iri, split_content_type
from accord.settings import Settings
from accord.stores.base import GRAPH_FORMATS, WritableStore
from accord.stores.oxigraph import OxigraphStore
from accord.writes.auth import Unauthorized, authenticate, check_not_cross_site, is_form_type
from accord.writes.preconditions import Preconditions, content_tag, representation_etag
from accord.writes.validation import ValidationFailed
from accord.writes.writer import Outcome, Writer

router = APIRouter(tags=["Graph Store"])

BASE = "/graph-store"
MULTIPART = "multipart/form-data"
#: Entities in an RDF/XML upload may expand to at most this many bytes in all.
MAX_ENTITY_EXPANSION = 1024 * 1024
#: The deepest nesting of objects and arrays a JSON-LD upload may have.
MAX_JSON_DEPTH = 256
#: The deepest nesting of elements an RDF/XML upload may have (each property element and
#: node element is a level: RDF/XML written by tools rarely goes past 20).
MAX_XML_DEPTH = 256


class PayloadTooLarge(AccordError):
    status = 413


class NotImplementedGSP(AccordError):
    status = 501


# --- the HTTP side of a write (shared with /sparql) --------------------------------------


async def write_request(
    request: Request,
    settings: Settings,
    work: Callable[[Writer, str], Response],
    media_type: str | None = None,
    prepare: Callable[[], Awaitable[None]] | None = None,
) -> Response:
    """Authorise a write, then ``prepare()`` (read the upload), then run
    ``work(writer, who)`` in a worker thread.

    401 (with ``WWW-Authenticate``) without the token; 415 for an HTML-form content type
    unless ``write_allow_forms``; 422 with the SHACL report when the data would not
    conform.  Other typed errors go to the application's handlers."""
    try:
        who = authenticate(request.headers.get("authorization"), settings)
        if is_form_type(media_type or request.headers.get("content-type")):
            if not settings.write_allow_forms:
                raise UnsupportedMediaType(
                    "writes in an HTML-form content type (URL-encoded, multipart) are "
                    "refused on this server; send application/sparql-update or an RDF "
                    "media type (or set ACCORD_WRITE_ALLOW_FORMS=true)"
                )
            own = f"{request.url.scheme}://{request.url.netloc}"
            check_not_cross_site(
                request.headers.get("origin"), request.headers.get("sec-fetch-site"), own
            )
        if prepare is not None:
            await prepare()
        writer: Writer = services_of(request).writer  # type: ignore[assignment]
        return await run_in_threadpool(work, writer, who)
    except Unauthorized as exc:
        response = error_response(request, exc.status, str(exc))
        response.headers["WWW-Authenticate"] = 'Bearer realm="accord"'
        return response
    except ValidationFailed as exc:
        return refusal(request, exc)


def refusal(request: Request, exc: ValidationFailed) -> Response:
    """422 with the SHACL report: Turtle, JSON rows or text, as the client asks."""
    offered = ["text/plain", "text/turtle", "application/json"]
    media_type = best_match(request.headers.get("accept"), offered) or "text/plain"
    return Response(exc.report(media_type), status_code=422, media_type=content_type(media_type))


# --- reading the request ------------------------------------------------------------------


def indirect_target(params: list[tuple[str, str]], method: str) -> tuple[str | None, bool]:
    """(graph IRI or None for the default graph, whether to mint a new graph)."""
    graphs = [v for k, v in params if k == "graph"]
    default = any(k == "default" for k, _ in params)
    if len(graphs) > 1:
        raise BadRequest(f"'graph' given {len(graphs)} times; name one graph")
    if graphs and default:
        raise BadRequest("give either 'graph' or 'default', not both")
    if graphs:
        if not is_absolute_iri(graphs[0]):
            raise BadRequest(f"graph must be an absolute IRI, not {graphs[0]!r}")
        return graphs[0], False
    if default:
        return None, False
    if method == "POST":
        return None, True
    raise BadRequest("name the graph: ?graph=IRI or ?default (or /graph-store/{path})")


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"the body has {declared} bytes; this server takes {limit}")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes, the most this server takes")
        chunks.append(chunk)
    return b"".join(chunks)


#: The head of an entity declaration: keyword, optional %, name.  Each part is a run of
#: characters the next cannot start with, so the match never backtracks.
_ENTITY_HEAD = re.compile(rb"<!ENTITY\s+(%\s*)?([^\s>%\"']+)\s+")
_UNREADABLE = "the RDF/XML upload has an entity declaration that cannot be read"


def entity_declarations(body: bytes) -> list[tuple[bytes, bytes, bytes]]:
    """Each ``<!ENTITY`` declaration as (``%`` or empty, name, value), in one pass over
    the body: each declaration is read from its keyword to its closing ``>`` with
    ``bytes.find``, never searched again (a regex over the whole body backtracked
    quadratically on a declaration with no ``>``: 80 kB froze the server for 15 s)."""
    found = []
    pos = 0
    while (start := body.find(b"<!ENTITY", pos)) >= 0:
        head = _ENTITY_HEAD.match(body, start)
        if head is None:
            raise BadRequest(_UNREADABLE)
        at = head.end()
        quote = body[at : at + 1]
        if quote in (b'"', b"'"):
            close = body.find(quote, at + 1)
            if close < 0:
                raise BadRequest(_UNREADABLE)
            value, end = body[at : close + 1], body.find(b">", close + 1)
        else:
            end = body.find(b">", at)
            value = body[at:end].strip()
        if end < 0:
            raise BadRequest(_UNREADABLE)
        found.append((head[1] or b"", head[2], value))
        pos = end + 1
    return found


def check_xml_entities(body: bytes, limit: int = MAX_ENTITY_EXPANSION) -> None:
    """Refuse RDF/XML entity declarations that fetch (external) or multiply (nested)."""
    if b"<!ENTITY" not in body:
        return
    declared = entity_declarations(body)
    total = 0
    for percent, name, value in declared:
        if percent or value[:1] not in (b'"', b"'"):
            raise BadRequest(
                "the RDF/XML upload declares an external or parameter entity; only "
                "internal text entities are accepted (this server fetches nothing)"
            )
        if b"&" in value or b"%" in value:
            raise BadRequest(
                f"the RDF/XML entity {name.decode(errors='replace')!r} refers to other "
                "entities; nested entities are refused (they can expand without bound)"
            )
        total += body.count(b"&" + name + b";") * (len(value) - 2)
    if total > limit:
        raise BadRequest(f"the RDF/XML entities would expand to {total} bytes (at most {limit})")


class _TooDeep(Exception):
    pass


def check_well_formed(body: bytes, max_depth: int = MAX_XML_DEPTH) -> None:
    """Refuse XML that is not well-formed, or nests elements deeper than ``max_depth``:
    pyoxigraph takes a document cut short (no closing tags) for a complete one, and its
    RDF/XML parser takes super-linear time in the depth (10,000 levels, 460 kB: 2.1 s;
    20,000 levels: 11.7 s, holding a thread). Expat reads in linear time whatever the
    depth, and fetches nothing (no external entity handler is set); the entities were
    bounded by ``check_xml_entities``."""
    parser = xml.parsers.expat.ParserCreate()
    depth = 0

    def start(name: str, attributes: object) -> None:
        nonlocal depth
        depth += 1
        if depth > max_depth:
            raise _TooDeep

    def end(name: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(body, True)
    except _TooDeep:
        raise BadRequest(
            f"the application/rdf+xml upload nests elements deeper than {max_depth} levels"
        ) from None
    except xml.parsers.expat.ExpatError as exc:
        raise BadRequest(f"the application/rdf+xml upload does not parse: {exc}") from exc


#: A JSON string, or an unterminated one up to the end: every match succeeds where it
#: starts (possessive, and a lone backslash at the end is allowed), so re.sub consumes
#: each byte once: linear even for '"\\"\\"\\"...' with no closing quote.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.|\\\Z)*+(?:"|\Z)', re.S)
_BRACKETS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(set(range(256)) - set(b"[{]}"))


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in ``body``, read from its bytes alone:
    strings are cut out, then the brackets counted (in linear time, whatever the body's
    encoding or its first syntax error)."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    steps = memoryview(brackets.translate(_BRACKETS)).cast("b")  # +1 opens, -1 closes
    return max(itertools.accumulate(steps), default=0)


def check_json_depth(body: bytes, limit: int = MAX_JSON_DEPTH) -> None:
    """Refuse JSON nested deeper than ``limit`` before any parser reads it: pyoxigraph's
    JSON-LD parser crashes the process (stack overflow) on a few thousand levels, and a
    check that first decoded the body gave up on a body that was deep and then not UTF-8
    (10,000 levels and one bad byte killed the server)."""
    if json_depth(body) > limit:
        raise BadRequest(f"the JSON-LD upload nests deeper than {limit} levels")


def upload_media_type(header: str | None) -> str:
    media_type, charset = split_content_type(header)
    if charset not in (None, "utf-8", "utf8"):
        raise UnsupportedMediaType(f"only UTF-8 is supported, not charset={charset}")
    media_type = ALIASES["graph"].get(media_type or "", media_type)
    if media_type not in GRAPH_FORMATS:
        got = f"Content-Type {header!r}" if header else "no Content-Type"
        raise UnsupportedMediaType(
            f"an upload needs an RDF Content-Type ({', '.join(GRAPH_FORMATS)}); got {got}"
        )
    return media_type


def parse_upload(body: bytes, media_type: str, base_iri: str) -> list[ox.Triple]:
    """The triples of an upload; a syntax error is a 400 with the parser's message."""
    fmt = GRAPH_FORMATS[media_type]
    if fmt == ox.RdfFormat.RDF_XML:
        check_xml_entities(body)
        check_well_formed(body)
    elif fmt == ox.RdfFormat.JSON_LD:
        check_json_depth(body)
    try:
        quads = list(ox.parse(body, format=fmt, base_iri=base_iri))
    except SyntaxError as exc:
        raise BadRequest(f"the {media_type} upload does not parse: {exc}") from exc
    named = {q.graph_name for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    if named:
        raise BadRequest(
            f"the upload names {len(named)} graph(s) (e.g. {next(iter(named))}); a Graph "
            "Store request writes one graph: send its triples only"
        )
    return [q.triple for q in quads]


def parse_multipart(body: bytes, header: str, base_iri: str) -> list[ox.Triple]:
    """The triples of every part of a multipart/form-data upload (each part typed)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + header.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise BadRequest("the multipart/form-data upload has no parts")
    triples: list[ox.Triple] = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        media_type = upload_media_type(part.get("Content-Type"))
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            raise BadRequest("a part of the multipart/form-data upload is not a file")
        triples.extend(parse_upload(payload, media_type, base_iri))
    return triples


def writable(store: object) -> WritableStore:
    if not isinstance(store, OxigraphStore):
        raise NotImplementedGSP("the Graph Store Protocol is served for the embedded store only")
    return store


# --- the routes ------------------------------------------------------------------------


GraphParam = Annotated[str | None, Query(description="The graph's IRI (indirect identification).")]
DefaultParam = Annotated[
    str | None, Query(description="Present (no value): the store's own default graph.")
]


def read_graph(request: Request, store: object, graph: str | None) -> Response:
    target = writable(store)
    media_type = choose("graph", request.headers.get("accept"))
    if not target.has_graph(graph):
        raise NotFound(f"no graph <{graph}> in this store")
    quads = target.graph_quads(graph)
    fmt = GRAPH_FORMATS[media_type]
    etag = representation_etag(content_tag(quads), fmt.file_extension)
    if Preconditions(if_none_match=request.headers.get("if-none-match")).matches(etag):
        return Response(status_code=304, headers={"ETag": etag, "Vary": "Accept"})
    triples = [q.triple for q in quads]
    prefixes = used_prefixes(getattr(target, "prefixes", {}), triples)
    body = ox.serialize(
        triples
        if fmt not in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG)
        else [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples],
        format=fmt,
        prefixes=prefixes if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None,
    )
    headers = {"Vary": "Accept", "ETag": etag}
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(body or b""))
        body = b""
    return Response(body or b"", media_type=content_type(media_type), headers=headers)


def used_prefixes(prefixes: dict[str, str], triples: list[ox.Triple]) -> dict[str, str]:
    """The prefixes whose namespace starts an IRI of the triples (no unused declarations)."""
    iris = {
        t.value
        for tr in triples
        for t in (tr.subject, tr.predicate, tr.object)
        if isinstance(t, ox.NamedNode)
    } | {tr.object.datatype.value for tr in triples if isinstance(tr.object, ox.Literal)}
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}


async def write_graph(
    request: Request, settings: Settings, graph: str | None, mint: bool = False
) -> Response:
    """PUT, POST or DELETE one graph: authorise, then read and parse the upload, then
    hand it to the writer."""
    header = request.headers.get("content-type")
    location = None
    if mint:
        graph = location = f"{request.url_for('graph_store')}/{uuid.uuid4().hex}"
    upload: list[ox.Triple] = []
    facts: dict[str, object] = {}

    async def read_upload() -> None:
        media_type, _ = split_content_type(header)
        if media_type != MULTIPART:
            media_type = upload_media_type(header)
        body = await read_body(request, settings.write_max_bytes)
        base = graph or str(request.url)
        if media_type == MULTIPART:
            upload.extend(await run_in_threadpool(parse_multipart, body, header or "", base))
        else:
            upload.extend(await run_in_threadpool(parse_upload, body, media_type, base))
        facts.update(
            media_type=media_type,
            body_sha256=hashlib.sha256(body).hexdigest(),
            triple_count=len(upload),
        )

    expect = Preconditions(request.headers.get("if-match"), request.headers.get("if-none-match"))

    def work(writer: Writer, who: str) -> Response:
        if request.method == "DELETE":
            outcome = writer.delete(graph, who=who, expect=expect)
        elif request.method == "PUT":
            outcome = writer.put(graph, upload, who=who, expect=expect, **facts)
        else:
            outcome = writer.post(graph, upload, who=who, expect=expect, **facts)
        return written(outcome, graph, location, writer)

    prepare = None if request.method == "DELETE" else read_upload
    return await write_request(request, settings, work, header, prepare)


def written(outcome: Outcome, graph: str | None, location: str | None, writer: Writer) -> Response:
    """201 (created) or 204, with the graph's new content tag as ``ETag`` (RFC 9110 lets
    a write answer the validator of what it wrote: a client can chain If-Match)."""
    headers = {"Location": location} if location else {}
    if writer.store.has_graph(graph):
        headers["ETag"] = representation_etag(content_tag(writer.store.graph_quads(graph)), "any")
    if outcome.created and graph is not None:
        return PlainTextResponse(outcome.summary(), 201, headers=headers)
    return Response(status_code=204, headers=headers)


def direct_graph(request: Request) -> str:
    """Direct identification: the graph is this request's own URL (without its query)."""
    iri = str(request.url.replace(query="", fragment=""))
    try:  # a decoded path may hold spaces or control characters
        ox.NamedNode(iri)
    except ValueError as exc:
        raise BadRequest(f"the request URL {iri!r} is not a valid graph IRI: {exc}") from None
    return iri


@router.get(BASE, name="graph_store", summary="Read a graph (Graph Store Protocol)")
@router.head(BASE, include_in_schema=False)
async def gsp_get(
    request: Request, store: StoreDep, graph: GraphParam = None, default: DefaultParam = None
) -> Response:
    """The graph named by `graph=IRI`, or the store's own default graph (`default`), in
    the format the Accept header asks for. 404 if the graph does not exist."""
    target, _ = indirect_target(request.query_params.multi_items(), "GET")
    return await run_in_threadpool(read_graph, request, store, target)


@router.put(BASE, summary="Replace a graph (Graph Store Protocol; needs the write token)")
@router.post(BASE, summary="Add to a graph, or create one (needs the write token)")
@router.delete(BASE, summary="Drop a graph (Graph Store Protocol; needs the write token)")
async def gsp_write(
    request: Request,
    settings: SettingsDep,
    graph: GraphParam = None,
    default: DefaultParam = None,
) -> Response:
    """Writes: refused (403) unless enabled; then `Authorization: Bearer <token>`. The
    body of PUT/POST is RDF (Turtle, N-Triples, RDF/XML, JSON-LD, or TriG/N-Quads holding
    only default-graph triples). 201 when a graph is created (POST on `/graph-store`
    alone mints one and answers its IRI in `Location`), 204 otherwise; 400 with the
    parser's message for a bad upload; 422 with the SHACL report if the data would not
    conform. Nothing is changed unless the answer is 2xx."""
    target, mint = indirect_target(request.query_params.multi_items(), request.method)
    return await write_graph(request, settings, target, mint)


@router.get(BASE + "/{path:path}", summary="Read a graph named by its URL (direct)")
@router.head(BASE + "/{path:path}", include_in_schema=False)
async def gsp_get_direct(request: Request, store: StoreDep, path: str) -> Response:
    """Direct identification: the graph whose IRI is this URL."""
    return await run_in_threadpool(read_graph, request, store, direct_graph(request))


@router.put(BASE + "/{path:path}", summary="Replace a graph named by its URL (direct)")
@router.post(BASE + "/{path:path}", summary="Add to a graph named by its URL (direct)")
@router.delete(BASE + "/{path:path}", summary="Drop a graph named by its URL (direct)")
async def gsp_write_direct(request: Request, settings: SettingsDep, path: str) -> Response:
    """Direct identification of the graph to write: this URL."""
    return await write_graph(request, settings, direct_graph(request))
