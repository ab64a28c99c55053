"""An external SPARQL 1.1 store behind Accord: ``ACCORD_STORE=sparql+http://host:port/path``.

``RemoteStore`` implements the ``app.store.Store`` protocol over HTTP (httpx) with the
same semantics as the embedded store:

- **Dataset.** Every query is sent with an explicit dataset: ``default-graph-uri`` for
  each graph of Accord's dataset (the embedded store's union default graph) unless the
  caller names the default graphs, and ``named-graph-uri`` for each dataset graph unless
  the caller names them.  Without this, Virtuoso's default graph would be *every* graph
  it holds, its own system graphs included, and an Oxigraph server's the (empty) real
  default graph.  The graph list and the version come from the dataset's files
  (``GraphFile``); nothing is uploaded here (that is ``accord load``, ``app.load``).
- **Results.** Solutions are fetched as SPARQL JSON, graphs as N-Triples, then parsed
  with pyoxigraph and re-serialised exactly as the embedded store does (so every format
  and the project's prefixes behave the same).  Blank node labels that are not valid
  labels (Virtuoso's ``nodeID://b10004``) are replaced by stable hashed labels.
- **Errors.** A query the store cannot parse -> ``QuerySyntaxError`` (400); the store
  down, refusing access or answering garbage -> ``StoreError`` (502); no answer within
  ``store_timeout`` -> ``QueryTimeout`` (503).
- **Truncation.** Virtuoso cuts results at ``ResultSetMaxRows`` rows and still answers
  200.  A cut result is never passed on: ``ResultTruncated`` (502) names the limit.
  Detected by Virtuoso's ``X-SPARQL-MaxRows`` header (SELECT), ``X-SQL-State: S1TAT``
  (a partial "anytime" answer), or a CONSTRUCT/DESCRIBE graph of at least ``max_rows``
  triples (Virtuoso sends no header there).

Endpoints: the URL is the query endpoint; the update and Graph Store Protocol endpoints
are derived for known servers (``endpoints_for``) or set with ``ACCORD_STORE_UPDATE_URL``
and ``ACCORD_STORE_GSP_URL``.  Credentials (``ACCORD_STORE_USER``/``_PASSWORD``) are
sent only when the server asks (HTTP Basic or Digest, as Virtuoso's ``-auth`` endpoints).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox
from rdflib.term import Identifier

from accord.dataset import QUAD_FORMATS, GraphFile, dataset_version
from accord.errors import QuerySyntaxError, QueryTimeout, StoreError
from accord.namespaces import PREFIXES
from accord.query_dataset import UNION, QueryDataset
from accord.sparql_text import tokens
from accord.stores.base import ResultKind
from accord.stores.oxigraph import OxigraphResult, solution_rows

if TYPE_CHECKING:
    from accord.settings import Settings

logger = logging.getLogger("accord")

SCHEMES = ("sparql+http://", "sparql+https://")
JSON_RESULTS = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
#: Virtuoso's default ResultSetMaxRows (see .ci/virtuoso.ini).
VIRTUOSO_MAX_ROWS = 10_000
#: A graph IRI no store holds: the dataset of a query over an empty Accord dataset.
EMPTY_GRAPH = "urn:accord:empty"
#: Where ``accord load`` records the published version and graphs.
RELEASE_GRAPH = "urn:accord:release"
#: The union of the published graphs, written by ``accord load`` beside them; the
#: default graph on Virtuoso (see ``RemoteStore.default_dataset``).
UNION_GRAPH = "urn:accord:union"
OWL_VERSION_INFO = "http://www.w3.org/2002/07/owl#versionInfo"
_BNODE_LABEL = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?$")
_FORMS = {"SELECT": "solutions", "ASK": "boolean", "CONSTRUCT": "graph", "DESCRIBE": "graph"}


class ResultTruncated(StoreError):
    """The external store cut the result short (a row cap or a time cap)."""

    status = 502


class TransactionConflict(StoreError):
    """The store rolled a write back because of a concurrent one (Virtuoso's
    ``40001 SR172: Transaction deadlocked``); the write can be sent again."""

    status = 503


#: Attempts of a write that meets a TransactionConflict, and the pause before each retry.
WRITE_ATTEMPTS = 4
RETRY_PAUSE = 0.5


@dataclass(frozen=True)
class Endpoints:
    """Where to query, update and PUT graphs (plain http(s) URLs)."""

    query: str
    update: str | None = None
    gsp: str | None = None


def endpoints_for(
    url: str,
    update_url: str | None = None,
    gsp_url: str | None = None,
    credentials: bool = False,
) -> Endpoints:
    """The endpoints of the store at ``url`` (``sparql+http(s)://...`` or ``http(s)://``).

    Known layouts: Virtuoso (``/sparql``; with credentials ``/sparql-auth`` and
    ``/sparql-graph-crud-auth``, else ``/sparql-graph-crud``), Oxigraph server
    (``/query``, ``/update``, ``/store``), Fuseki (``/DS/query`` or ``/DS/sparql``,
    ``/DS/update``, ``/DS/data``).  Explicit URLs win; unknown layouts get none."""
    query = _plain(url)
    parts = urlsplit(query)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise StoreError(
            f"not a SPARQL endpoint URL: {url!r} (expected sparql+http://host:port/path)"
        )
    path = parts.path.rstrip("/")

    def at(new_path: str) -> str:
        return urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))

    update: str | None = None
    gsp: str | None = None
    if path == "/sparql":  # Virtuoso
        update = at("/sparql-auth" if credentials else "/sparql")
        gsp = at("/sparql-graph-crud-auth" if credentials else "/sparql-graph-crud")
    elif path == "/query":  # Oxigraph server
        update, gsp = at("/update"), at("/store")
    elif re.fullmatch(r"/[^/]+/(query|sparql)", path):  # Fuseki
        dataset = path.rsplit("/", 1)[0]
        update, gsp = at(f"{dataset}/update"), at(f"{dataset}/data")
    return Endpoints(
        query,
        _plain(update_url) if update_url else update,
        _plain(gsp_url) if gsp_url else gsp,
    )


def _plain(url: str) -> str:
    return url.removeprefix("sparql+") if url.startswith(SCHEMES) else url


class ChallengeAuth(httpx.Auth):
    """Send credentials only when challenged: HTTP Digest or Basic, whichever the server
    asks for (Virtuoso's ``-auth`` endpoints ask for Digest)."""

    def __init__(self, user: str, password: str) -> None:
        self._basic = httpx.BasicAuth(user, password)
        self._digest = httpx.DigestAuth(user, password)
        self._scheme: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._scheme == "digest":
            yield from self._digest.auth_flow(request)
            return
        if self._scheme == "basic":
            yield from self._basic.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("www-authenticate", "").lower()
        if challenge.startswith("digest"):
            self._scheme = "digest"
            yield from self._digest.auth_flow(request)
        elif challenge.startswith("basic"):
            self._scheme = "basic"
            yield from self._basic.auth_flow(request)


@dataclass
class RemoteResult:
    """A result fetched from the external store, serialised like the embedded store's."""

    kind: ResultKind
    #: Solutions and booleans: a SPARQL JSON document; graphs: the triples.
    _document: bytes
    _triples: list[ox.Triple]
    _prefixes: dict[str, str]

    def _oxigraph(self) -> OxigraphResult:
        if self.kind == "graph":
            return OxigraphResult("graph", self._triples, self._prefixes)
        parsed = ox.parse_query_results(self._document, format=ox.QueryResultsFormat.JSON)
        return OxigraphResult(self.kind, parsed, self._prefixes)

    def serialize(self, media_type: str) -> bytes:
        return self._oxigraph().serialize(media_type)

    def __bool__(self) -> bool:
        return bool(self._oxigraph())


class RemoteStore:
    """The ``Store`` protocol over an external SPARQL 1.1 store."""

    def __init__(
        self,
        endpoints: Endpoints,
        files: Iterable[GraphFile] = (),
        *,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 60.0,
        max_rows: int | None = None,
        prefixes: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.files = list(files)
        self.graphs = graph_names(self.files)
        self.version = dataset_version(self.files)
        self.prefixes = dict(prefixes or PREFIXES)
        self.timeout = timeout
        #: The store's row cap if known (else Virtuoso's default once a Virtuoso answers).
        self.max_rows = max_rows
        self._default: list[str] | None = None
        #: The version ``accord load`` last recorded in the store (after the first query).
        self.published_version: str | None = None
        auth = ChallengeAuth(user, password) if user and password is not None else None
        self._client = httpx.Client(
            auth=auth, timeout=httpx.Timeout(timeout, connect=5.0), transport=transport
        )

    @classmethod
    def from_url(
        cls, url: str, files: Iterable[GraphFile], settings: Settings | None = None
    ) -> RemoteStore:
        """The store at ``url`` serving ``files``' graphs; endpoints, credentials, timeout
        and row cap from ``settings`` (``ACCORD_STORE_*``)."""
        if settings is None:
            from accord.settings import get_settings

            settings = get_settings()
        password = settings.store_password.get_secret_value() if settings.store_password else None
        endpoints = endpoints_for(
            url,
            settings.store_update_url,
            settings.store_gsp_url,
            credentials=bool(settings.store_user),
        )
        return cls(
            endpoints,
            files,
            user=settings.store_user,
            password=password,
            timeout=settings.store_timeout,
            max_rows=settings.store_max_rows,
        )

    def close(self) -> None:
        self._client.close()

    # -- the Store protocol -------------------------------------------------------------

    def query(
        self, sparql: str, *, dataset: QueryDataset = UNION, base_iri: str | None = None
    ) -> RemoteResult:
        form = query_form(sparql)
        text = f"BASE <{base_iri}>\n{sparql}" if base_iri else sparql
        # The protocol's dataset replaces the query's own, always: an empty list is sent
        # as a graph that does not exist (no parameter would mean the store's default).
        default = self.default_dataset() if dataset.default is None else list(dataset.default)
        named = self.graphs if dataset.named is None else list(dataset.named)
        data: dict[str, str | list[str]] = {
            "query": text,
            "default-graph-uri": default or [EMPTY_GRAPH],
            "named-graph-uri": named or [EMPTY_GRAPH],
        }
        accept = N_TRIPLES if form == "graph" else JSON_RESULTS
        response = self._send("POST", self.endpoints.query, data=data, headers={"Accept": accept})
        self._check_complete(response)
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type == JSON_RESULTS:
            parsed, document = _read_results(response.content, self.endpoints.query)
            if "boolean" in parsed:
                return RemoteResult("boolean", document, [], self.prefixes)
            self._refuse_at_cap(len(parsed.get("results", {}).get("bindings", [])), "rows")
            return RemoteResult("solutions", document, [], self.prefixes)
        if media_type in (N_TRIPLES, "text/plain", "text/turtle"):
            fmt = ox.RdfFormat.TURTLE if media_type == "text/turtle" else ox.RdfFormat.N_TRIPLES
            triples = _parse_triples(response.content, fmt, self.endpoints.query)
            cap = self.max_rows or (VIRTUOSO_MAX_ROWS if _is_virtuoso(response) else None)
            if cap:
                self._refuse_at_cap(len(triples), "triples", cap)
            return RemoteResult("graph", b"", triples, self.prefixes)
        raise StoreError(
            f"the external store at {self.endpoints.query} answered a query with "
            f"Content-Type {media_type or 'none'!r}, expected {accept}"
        )

    def default_dataset(self) -> list[str]:
        """The graphs whose merge is the default graph when a query names none.

        The dataset's graphs, one ``default-graph-uri`` each, except on Virtuoso when
        ``accord load`` has published these very files (so also their union graph):
        Virtuoso 7.2 answers property
        paths (``skos:broader*``) wrongly over eight or more default graphs (only the
        first step matches), and correctly over the one union graph.  Decided once, on
        the first query, from the release record and the server's ``Server`` header."""
        if self._default is None:
            probe = self._send(
                "POST",
                self.endpoints.query,
                data={
                    "query": f"SELECT ?v WHERE {{ GRAPH <{RELEASE_GRAPH}> "
                    f"{{ <{RELEASE_GRAPH}> <{OWL_VERSION_INFO}> ?v }} }}",
                    "default-graph-uri": EMPTY_GRAPH,
                    "named-graph-uri": RELEASE_GRAPH,
                },
                headers={"Accept": JSON_RESULTS},
            )
            parsed, _ = _read_results(probe.content, self.endpoints.query)
            found = [b for b in parsed.get("results", {}).get("bindings", []) if "v" in b]
            self.published_version = found[0]["v"]["value"] if found else None
            if self.published_version and self.published_version != self.version:
                logger.warning(
                    "the store at %s holds version %s of the dataset, these files are "
                    "version %s: run accord load",
                    self.endpoints.query,
                    self.published_version,
                    self.version,
                )
            union = self.published_version == self.version and _is_virtuoso(probe)
            self._default = [UNION_GRAPH] if union else (self.graphs or [EMPTY_GRAPH])
        return self._default

    def refresh(self) -> None:
        """Forget what ``default_dataset`` found (after ``accord load`` published)."""
        self._default = None
        self.published_version = None

    def select(self, sparql: str) -> list[dict[str, Identifier]]:
        """Run a SELECT over the union graph and return rows of rdflib terms."""
        result = self.query(sparql)
        if result.kind != "solutions":
            raise ValueError("select() needs a SELECT query")
        return solution_rows(result._document)

    def graph_sizes(self) -> dict[str, int]:
        """Triples per dataset graph that the store holds (graphs it lacks are absent)."""
        if not self.graphs:
            return {}
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return dict(sorted((str(r["g"]), int(r["n"])) for r in rows))  # type: ignore[call-overload]

    # -- writing (used by accord load) --------------------------------------------------

    def update(self, sparql: str) -> None:
        """Run a SPARQL Update on the update endpoint (again if the store rolled it back
        for a conflict)."""
        url = self._need("update", self.endpoints.update, "ACCORD_STORE_UPDATE_URL")
        self._write("POST", url, data={"update": sparql})

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        """Replace the content of ``graph`` (Graph Store Protocol PUT, N-Triples)."""
        url = self._need("Graph Store Protocol", self.endpoints.gsp, "ACCORD_STORE_GSP_URL")
        headers = {"Content-Type": N_TRIPLES}
        self._write("PUT", url, params={"graph": graph}, content=ntriples, headers=headers)

    def delete_graph(self, graph: str) -> None:
        """Drop ``graph`` (Graph Store Protocol DELETE); an absent graph is no error."""
        url = self._need("Graph Store Protocol", self.endpoints.gsp, "ACCORD_STORE_GSP_URL")
        self._send("DELETE", url, params={"graph": graph}, missing_ok=True)

    # -- HTTP ---------------------------------------------------------------------------

    def _need(self, what: str, url: str | None, setting: str) -> str:
        if not url:
            raise StoreError(
                f"no {what} endpoint is known for {self.endpoints.query}: set {setting}"
            )
        return url

    def _write(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        """A write, sent again (a few times) when the store rolled it back for a conflict:
        a rolled-back transaction changed nothing, so sending it again is safe."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return self._send(method, url, **kwargs)  # type: ignore[arg-type]
            except TransactionConflict:
                if attempt == WRITE_ATTEMPTS:
                    raise
                logger.warning("%s %s: transaction conflict, attempt %d", method, url, attempt)
                time.sleep(RETRY_PAUSE * attempt)
        raise AssertionError("unreachable")

    def _send(
        self, method: str, url: str, *, missing_ok: bool = False, **kwargs: object
    ) -> httpx.Response:
        try:
            response = self._client.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.ConnectTimeout as exc:
            raise StoreError(
                f"the external store at {url} did not accept a connection: {exc}"
            ) from exc
        except httpx.TimeoutException as exc:
            raise QueryTimeout(
                f"the external store at {url} did not answer within {self.timeout:g} s"
            ) from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"the external store at {url} is unreachable: {exc}") from exc
        if response.is_success or (missing_ok and response.status_code == 404):
            return response
        raise _error_for(response, method, url)

    def _check_complete(self, response: httpx.Response) -> None:
        cap = response.headers.get("x-sparql-maxrows")
        if cap:
            raise ResultTruncated(
                f"the external store cut the result at {cap} rows (Virtuoso ResultSetMaxRows) "
                f"and Accord does not pass on an incomplete answer; ask for fewer than {cap} "
                "rows per request (LIMIT, and ORDER BY with OFFSET to page)"
            )
        if "S1TAT" in response.headers.get("x-sql-state", ""):
            raise ResultTruncated(
                "the external store stopped the query at its time limit and answered "
                "partially (Virtuoso MaxQueryExecutionTime); Accord does not pass on an "
                "incomplete answer: narrow the query"
            )

    def _refuse_at_cap(self, count: int, unit: str, cap: int | None = None) -> None:
        """Refuse a result that reached the row cap (``max_rows``, or ``cap``)."""
        cap = cap or self.max_rows
        if cap and count >= cap:
            raise ResultTruncated(
                f"the external store answered {count} {unit}, its row limit is {cap} "
                "(Virtuoso ResultSetMaxRows), so the answer may be cut; Accord does not pass "
                f"on a possibly incomplete answer: ask for fewer than {cap} {unit} "
                "(LIMIT, and ORDER BY with OFFSET to page)"
            )


def query_form(sparql: str) -> ResultKind | None:
    """The kind of result the query's form gives (its first top-level query keyword)."""
    for tok in tokens(sparql):
        if tok.depth == 0 and tok.kind == "word" and tok.text.upper() in _FORMS:
            return _FORMS[tok.text.upper()]  # type: ignore[return-value]
    return None


def graph_names(files: Iterable[GraphFile]) -> list[str]:
    """The named graphs of the dataset, sorted: each file's graph, or for TriG/N-Quads
    files the graphs they name (their default-graph triples go to the file's graph)."""
    names: set[str] = set()
    for gf in files:
        if gf.format in QUAD_FORMATS:
            for quad in ox.parse(path=gf.path, format=gf.format, lenient=True):
                names.add(graph_of(quad, gf))
        else:
            names.add(gf.graph)
    return sorted(names)


def graph_of(quad: ox.Quad, gf: GraphFile) -> str:
    """The named graph a parsed statement of ``gf`` is published in."""
    if isinstance(quad.graph_name, ox.NamedNode):
        return quad.graph_name.value
    return gf.graph


def _is_virtuoso(response: httpx.Response) -> bool:
    return response.headers.get("server", "").lower().startswith("virtuoso")


def _parse_triples(body: bytes, fmt: ox.RdfFormat, url: str) -> list[ox.Triple]:
    try:
        return [q.triple for q in ox.parse(body, format=fmt)]
    except SyntaxError as exc:
        raise StoreError(f"the external store at {url} answered unreadable RDF: {exc}") from exc


def _read_results(body: bytes, url: str) -> tuple[dict[str, Any], bytes]:
    """The JSON results, parsed and as bytes, with every blank node label made valid
    (a label that is not valid gets a stable hashed one)."""
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise StoreError(f"the external store at {url} answered unreadable JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise StoreError(f"the external store at {url} answered JSON that is no SPARQL result")
    changed = False
    for row in document.get("results", {}).get("bindings", []):
        for term in row.values():
            if term.get("type") == "bnode" and not _BNODE_LABEL.match(term["value"]):
                term["value"] = "r" + hashlib.sha1(term["value"].encode()).hexdigest()[:20]
                changed = True
    return document, (json.dumps(document).encode() if changed else body)


def _error_for(response: httpx.Response, method: str, url: str) -> Exception:
    message = _store_message(response.text)
    status = response.status_code
    if status == 400 or message.startswith("Virtuoso 37000"):
        return QuerySyntaxError(message)
    if message.startswith("Virtuoso 40001"):
        return TransactionConflict(f"the external store at {url} rolled back ({method}): {message}")
    if "S1TAT" in message:
        return QueryTimeout(f"the external store refused the query as too long: {message}")
    if status in (401, 403):
        return StoreError(
            f"the external store at {url} refused access (HTTP {status}); check "
            "ACCORD_STORE_USER and ACCORD_STORE_PASSWORD"
        )
    if status == 404:
        return StoreError(f"no SPARQL endpoint at {url} (HTTP 404)")
    return StoreError(f"the external store at {url} failed ({method}, HTTP {status}): {message}")


def _store_message(text: str) -> str:
    """The store's error text without the echo of the query Virtuoso appends."""
    text = text.split("\n\nSPARQL query:", 1)[0].strip()
    return text[:2000] or "(no message)"
