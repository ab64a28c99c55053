"""The SPARQL 1.1 Protocol endpoint at ``/sparql``.

GET with ``query``, POST URL-encoded or ``application/sparql-query``: the query runs
over the store (the union of all graphs by default, or the dataset of
``default-graph-uri``/``named-graph-uri``, or the query's own FROM/FROM NAMED) and the
answer is negotiated (``app.negotiation``).  GET without a query answers the Service
Description.  Updates are refused (403) unless enabled; enabled, they need the write
token and go through the writer (app.writes: validated, one transaction, logged).
Request reading is in ``app.protocol``; this module runs and answers.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from accord.errors import ClientGone, Forbidden, QuerySyntaxError
from accord.http.access_log import query_hash
from accord.http.cache import REPRESENTATIONS, etag_for, etag_matches
from accord.http.deps import ServiceDep, SettingsDep
from accord.namespaces import PREFIXES
from accord.publish import service_description
from accord.query import guard
from accord.query.answers import AnswerKey, deterministic
from accord.query.executor import Executor, get_executor
from accord.query.fairness import client_key
from accord.query.guard import check_query
from accord.query.negotiation import OFFERS, choose, content_type
from accord.query.protocol import FORM, QUERY, UPDATE, SparqlRequest, check_update, parse_request
from accord.query.worker import Answer, QueryJob
from accord.query_dataset import QueryDataset
from accord.routers.graph_store import write_request
from accord.settings import Settings
from accord.sparql_text import predeclared, readable_syntax_error
from accord.stores.base import Store
from accord.writes.writer import Writer

#: Where the endpoint answers (GET, HEAD, POST).
PATH = "/sparql"

router = APIRouter(tags=["SPARQL"])

RESULT_TYPES = list(dict.fromkeys([*OFFERS["solutions"], *OFFERS["graph"]]))

ERRORS: dict[int | str, dict[str, object]] = {
    400: {
        "description": "Malformed request or query (the body names the problem and its "
        "position), more than one query, both a query and an update, or a bad parameter."
    },
    406: {
        "description": "No offered format fits the Accept header or `format`; the body "
        "lists the offered media types."
    },
}
RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "SELECT/ASK: SPARQL results (JSON, XML, CSV, TSV). CONSTRUCT/DESCRIBE: "
        "RDF (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML). Without a query (GET): "
        "the SPARQL Service Description, in RDF. A SPARQL Update (enabled, with the "
        "write token): committed, and a plain-text summary.",
        "content": {t: {"schema": {"type": "string"}} for t in RESULT_TYPES},
    },
    303: {
        "description": "GET without a query from a browser (Accept: text/html): see the "
        "query page at `/`."
    },
    **ERRORS,
    403: {"description": "A SPARQL Update, while updates are disabled on this server."},
    415: {
        "description": "POST with a Content-Type other than "
        f"{FORM}, {QUERY} or {UPDATE}, or a charset other than UTF-8."
    },
    401: {"description": "A SPARQL Update without the bearer write token."},
    422: {
        "description": "A SPARQL Update after which the data would not conform to the "
        "SHACL shapes: the report (text, Turtle or JSON); nothing was changed."
    },
}

QueryParam = Annotated[
    str | None,
    Query(
        description="The SPARQL query (SELECT, ASK, CONSTRUCT or DESCRIBE). Without it, "
        "GET answers the service description."
    ),
]
DefaultGraphs = Annotated[
    list[str] | None,
    Query(
        alias="default-graph-uri",
        description="Graph IRIs whose merge is the default "
        "graph (repeatable). Overrides the query's FROM; by default the default graph is "
        "the union of all graphs.",
    ),
]
NamedGraphs = Annotated[
    list[str] | None,
    Query(
        alias="named-graph-uri",
        description="Named graph IRIs for GRAPH patterns "
        "(repeatable). Overrides the query's FROM NAMED.",
    ),
]
FormatParam = Annotated[
    str | None,
    Query(
        alias="format",
        description="Answer format, overriding Accept: json, xml, csv, "
        "tsv (SELECT/ASK); ttl, nt, nq, trig, jsonld, rdf (CONSTRUCT/DESCRIBE); or a "
        "media type.",
    ),
]
LabelsParam = Annotated[
    str | None,
    Query(
        description="`true`: after each SELECT variable bound to IRIs, add a column "
        "`{name}_label` with the IRI's skos:prefLabel or rdfs:label (English first)."
    ),
]


@router.get(
    PATH,
    summary="Run a SPARQL query (GET), or read the service description",
    responses=RESPONSES,
    response_class=Response,
)
@router.head(PATH, include_in_schema=False)
async def sparql_get(
    request: Request,
    store: ServiceDep,
    settings: SettingsDep,
    query: QueryParam = None,
    default_graph_uri: DefaultGraphs = None,
    named_graph_uri: NamedGraphs = None,
    format: FormatParam = None,
    labels: LabelsParam = None,
) -> Response:
    """SPARQL 1.1 Protocol query via GET. The answer is negotiated with Accept (q-values
    and wildcards) unless `format` is given; `Vary: Accept` is set. Without `query`, the
    SPARQL 1.1 Service Description of this endpoint (Turtle by default). An `update`
    parameter is refused: updates go by POST."""
    return await handle(request, store, settings)


@router.post(
    PATH,
    summary="Run a SPARQL query (POST, URL-encoded or direct)",
    responses=RESPONSES,
    response_class=Response,
    openapi_extra={
        "parameters": [
            {
                "name": "default-graph-uri",
                "in": "query",
                "required": False,
                "schema": {"type": "array", "items": {"type": "string"}},
            },
            {
                "name": "named-graph-uri",
                "in": "query",
                "required": False,
                "schema": {"type": "array", "items": {"type": "string"}},
            },
        ],
        "requestBody": {
            "required": True,
            "content": {
                FORM: {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "update": {"type": "string"},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "format": {"type": "string"},
                            "labels": {"type": "string"},
                        },
                    }
                },
                QUERY: {"schema": {"type": "string"}, "example": "ASK {}"},
                UPDATE: {"schema": {"type": "string"}},
            },
        },
    },
)
async def sparql_post(request: Request, store: ServiceDep, settings: SettingsDep) -> Response:
    """SPARQL 1.1 Protocol query via POST: a URL-encoded form (`query`, and the dataset
    parameters), or the query itself as `application/sparql-query` (UTF-8) with the
    dataset parameters in the URL. A SPARQL Update (`update`, or
    `application/sparql-update`) is refused with 403 unless enabled."""
    return await handle(request, store, settings)


class Endpoint:
    """``/sparql`` as a plain ASGI application: what ``sparql_get`` and ``sparql_post``
    do, without FastAPI's work per request (resolving the dependencies, validating the
    documented parameters, which ``parse_request`` reads again anyway).  Measured with
    benchmarks/miss_path.py, that work was about a fifth of the server's CPU for a point
    lookup.  It sits inside every middleware (access log, rate limit, body cap, dataset
    version), and its typed errors reach the application's exception handlers like any
    route's.  The FastAPI routes stay for the OpenAPI description, and for the methods
    this one does not take (their 405)."""

    def __init__(self) -> None:
        self.route = Route(PATH, self, methods=["GET", "HEAD", "POST"], include_in_schema=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self.route  # the access log's and the metrics' route label
        request = Request(scope, receive)
        services = scope["app"].state.services
        response = await handle(request, services.query_service, services.settings)
        await response(scope, receive, send)


def install(app: FastAPI) -> None:
    """The FastAPI routes (documented), and before them the plain endpoint that answers."""
    app.include_router(router)
    app.router.routes.insert(0, Endpoint().route)


async def handle(request: Request, store: Store, settings: Settings) -> Response:
    method = "GET" if request.method == "HEAD" else request.method
    req = parse_request(
        method,
        request.query_params.multi_items(),
        request.headers.get("content-type"),
        await request.body() if method == "POST" else b"",
    )
    head = request.method == "HEAD"
    accept = request.headers.get("accept")
    if req.operation == "update":
        return await update_response(request, req, settings)
    if req.operation == "description":
        return await run_in_threadpool(description_response, request, store, settings, req, head)
    return await query_response(
        get_executor(request),
        request,
        req.text or "",
        accept=accept,
        fmt=req.format,
        labels=req.labels,
        head=head,
        protocol_dataset=(
            QueryDataset.explicit(req.default_graphs, req.named_graphs)
            if req.default_graphs or req.named_graphs
            else None
        ),
        base_iri=endpoint_url(request, settings),
    )


#: Queries longer than this are checked in a thread, not on the event loop: the check
#: lexes the whole text (a 100 kB token-dense query cost 0.6 s of loop time, and other
#: clients' answers waited behind it); a short one costs less than the hand-off.
INLINE_CHECK_CHARS = 1000


async def query_response(
    executor: Executor,
    request: Request,
    text: str,
    *,
    accept: str | None,
    fmt: str | None = None,
    labels: bool = False,
    head: bool = False,
    protocol_dataset: QueryDataset | None = None,
    base_iri: str | None = None,
) -> Response:
    """Check a query (``app.guard``), run it on a query worker (``app.executor``) and
    answer in the negotiated format (raises typed errors: 400 refused or malformed, 406,
    422 too many rows, 503 timeout or busy, 500 crashed worker).

    The dataset is the protocol's if it names one (``protocol_dataset``, from
    ``default-graph-uri``/``named-graph-uri``: it wins over the query's FROM and FROM
    NAMED), else the query's own as the guard resolved it, else the union of all graphs
    (see accord.query_dataset)."""
    request.state.query_hash = query_hash(text)  # for the access log
    settings = executor.settings
    written = text
    prefixes: dict[str, str] = getattr(executor.store, "prefixes", None) or PREFIXES
    text = predeclared(text, prefixes)
    key = AnswerKey(
        executor.store.version,
        text,
        accept,
        fmt,
        labels,
        repr(protocol_dataset) if protocol_dataset else "",
        base_iri,
    )
    cacheable = deterministic(text)
    validators: dict[str, str] = {}
    if cacheable and request.method in ("GET", "HEAD"):
        validators = {"ETag": key.etag(), "Cache-Control": settings.query_cache_control}
        if_none_match = request.headers.get("if-none-match")
        if if_none_match is not None and etag_matches(if_none_match, validators["ETag"]):
            return Response(status_code=304, headers=validators | {"Vary": "Accept"})
    kept = executor.answers.get(key) if cacheable else None
    if kept is not None:
        return negotiated(kept.body, kept.media_type, head, validators)
    graphs = executor.known_graphs or await run_in_threadpool(executor.graphs)
    if len(text) > INLINE_CHECK_CHARS:  # lexing costs ~6 us a character: not on the loop
        dataset = await run_in_threadpool(check_query, text, settings, graphs, base_iri)
    else:
        dataset = check_query(text, settings, graphs, base_iri)
    job = QueryJob(
        text,
        accept=accept,
        fmt=fmt,
        labels=labels,
        dataset=protocol_dataset or dataset,
        base_iri=base_iri,
        max_rows=settings.max_result_rows,
    )
    address = request.client.host if request.client else None
    client = client_key(address, limit_local=settings.rate_limit_loopback)
    try:
        answer = await while_connected(request, executor.run_async(job, client))
    except QuerySyntaxError as exc:
        readable = readable_syntax_error(str(exc), written, prefixes, text is not written)
        raise QuerySyntaxError(readable) from None
    if cacheable:
        executor.answers.put(key, answer)
    return negotiated(answer.body, answer.media_type, head, validators)


#: Seconds a query runs before its client's connection is watched (``while_connected``).
WATCH_AFTER = 0.05


async def while_connected(request: Request, work: Awaitable[Answer]) -> Answer:
    """``work``'s answer, unless the client disconnects first: then ``work`` is cancelled
    (``Executor.run_async`` kills the worker, so the query stops at once instead of at
    its timeout) and ``ClientGone`` is raised.  Without this, a client that gives up and
    retries would leave its runaway queries holding the workers."""
    task = asyncio.ensure_future(work)
    # Most queries end within a few milliseconds: watching the connection costs a task
    # and a receive per request (~0.1 ms of the server's ~0.7 ms), so it starts only
    # for a query still running after WATCH_AFTER.
    done, _ = await asyncio.wait({task}, timeout=WATCH_AFTER)
    if done:
        return task.result()
    watcher = asyncio.ensure_future(_disconnect(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watcher.cancel()
    if not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        raise ClientGone("the client closed the connection; its query was stopped")
    return task.result()


async def _disconnect(request: Request) -> None:
    """Returns when the client has disconnected (the request body is already read)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def negotiated(
    body: bytes, media_type: str, head: bool, extra: dict[str, str] | None = None
) -> Response:
    """A negotiated answer: its Content-Type (with charset for text) and ``Vary: Accept``
    (and ``extra`` headers); for HEAD, the same headers without the body."""
    headers = {"Vary": "Accept", **(extra or {})}
    if head:
        headers["Content-Length"] = str(len(body))
        body = b""
    return Response(body, media_type=content_type(media_type), headers=headers)


def description_response(
    request: Request, store: Store, settings: Settings, req: SparqlRequest, head: bool
) -> Response:
    media_type = choose("description", request.headers.get("accept"), req.format)
    if media_type == "text/html":
        root = request.scope.get("root_path", "")
        return RedirectResponse(f"{root}/", status_code=303, headers={"Vary": "Accept"})
    endpoint = endpoint_url(request, settings)

    def build() -> bytes:
        triples = service_description.describe(endpoint, store, updates=settings.allow_update)
        return service_description.serialize(triples, media_type)

    # Built once per dataset version: it counts the union graph (seconds at 1M triples).
    key = etag_for(
        store.version, "service-description", media_type, endpoint, str(settings.allow_update)
    )
    return negotiated(REPRESENTATIONS.get(store, key, build), media_type, head)


async def update_response(request: Request, req: SparqlRequest, settings: Settings) -> Response:
    """A SPARQL Update: 403 unless enabled, then 401 without the token, 415 if form-encoded
    (unless allowed), 400 if malformed, 422 if the data would not conform; else 200."""
    if not settings.allow_update:
        raise Forbidden("updates are disabled on this server")
    base_iri = endpoint_url(request, settings)
    graphs = get_executor(request).graphs()

    def work(writer: Writer, who: str) -> Response:
        # Size, depth (deep nesting crashes pyoxigraph's parser), LOAD, SERVICE, USING of a
        # graph outside the dataset: updates run in the server process.  Then the syntax,
        # with its position.
        guard.check_update(req.text or "", settings, graphs, base_iri)
        check_update(req)
        outcome = writer.update(
            req.text or "",
            who=who,
            base_iri=base_iri,
            using=req.using_graphs,
            using_named=req.using_named_graphs,
        )
        return PlainTextResponse(outcome.summary())

    return await write_request(request, settings, work)


def endpoint_url(request: Request, settings: Settings) -> str:
    """The endpoint's public URL: ``public_url`` if set, else its URL as this request
    reached the server."""
    if settings.public_url:
        return settings.public_url
    # What ``request.url_for("sparql_get")`` gives, without its walk over every route
    # (an eighth of a point lookup's time in the server).
    base = request.base_url
    return str(base.replace(path=base.path.rstrip("/") + PATH))
