"""The one settings object, read once from the environment (prefix ``ACCORD_``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from accord import resources
from accord.namespaces import DEFAULT_BASE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCORD_")

    #: The base under which Accord mints IRIs.
    base_iri: str = DEFAULT_BASE
    #: RDF files or folders to serve; empty means the bundled ontology, shapes and data.
    paths: list[Path] = Field(default_factory=list)
    #: Files served under an explicit graph IRI: {graph IRI: path}.
    named_paths: dict[str, Path] = Field(default_factory=dict)
    #: Public URL of the SPARQL endpoint, if the server sits behind a proxy.
    public_url: str | None = None
    #: Allow writes: SPARQL Update and the Graph Store Protocol's PUT/POST/DELETE
    #: (refused with 403 unless enabled; see docs/writes.md).
    allow_update: bool = False
    #: The bearer token every write must carry (``Authorization: Bearer ...``).  No
    #: default: start-up refuses ``allow_update`` without one, or with a short one.
    write_token: SecretStr | None = None
    #: Accept writes sent with an HTML-form content type (a URL-encoded ``update=``, a
    #: multipart upload); off, so that a write is never a request a web page can forge.
    write_allow_forms: bool = False
    #: The write log (JSON lines, fsynced); default: ``writes.jsonl`` in the on-disk
    #: store's folder; with the in-memory store and no path, the ``accord.writes`` logger.
    write_log: Path | None = None
    #: The SHACL shapes every write is validated against (a file or folder); default:
    #: the bundled ``shapes/`` (with the bundled ``ontology/`` mixed in, always).
    write_shapes: Path | None = None
    #: The largest request body a write accepts, in bytes (413 above it).
    write_max_bytes: int = 64 * 1024 * 1024
    #: The folder of named queries (``*.rq``) served under ``/queries``.
    queries_dir: Path = resources.QUERIES
    #: Where the graph lives: empty for the embedded in-memory Oxigraph store, a folder
    #: path for an embedded on-disk Oxigraph store, or ``sparql+http(s)://...`` for an
    #: external SPARQL 1.1 store (see app/accord/stores/).
    store: str = ""
    #: External store: its SPARQL Update endpoint, used by ``accord load`` (default:
    #: derived from ``store`` for Virtuoso, Oxigraph server and Fuseki).
    store_update_url: str | None = None
    #: External store: its Graph Store Protocol endpoint (default: derived as above).
    store_gsp_url: str | None = None
    #: External store: credentials, sent only when the store asks (HTTP Basic or Digest).
    store_user: str | None = None
    store_password: SecretStr | None = None
    #: External store: seconds to wait for an answer before a 503.
    store_timeout: float = 60.0
    #: External store: its row cap (Virtuoso's ResultSetMaxRows); an answer that reaches
    #: it is refused as possibly truncated.  Unset: Virtuoso's 10000 when the store is
    #: Virtuoso (its X-SPARQL-MaxRows header is always honoured), none otherwise.
    store_max_rows: int | None = None

    # Running in public (docs/running-in-public.md): each limit below has a safe default.
    #: Seconds a query may run before its worker is killed and the client gets a 503
    #: (protects against runaway queries holding a CPU forever).
    query_timeout: float = 30.0
    #: Worker processes that run queries; a timed-out or crashed worker is killed and
    #: replaced (protects the server from queries that hang or crash pyoxigraph).  0 runs
    #: queries in the server process without any of that protection: tests/dev only.
    query_workers: int = 4
    #: Seconds a query waits for a free worker before a 503 with Retry-After (protects
    #: against a pile-up of requests when every worker is busy).
    query_queue_timeout: float = 10.0
    #: Seconds a SPARQL Update may take to work out what it changes (on a copy of the
    #: store, in a process of its own) before that process is killed: 503, nothing
    #: changed (protects the writer lock and the server from an update with a runaway
    #: WHERE).  0: in the server process, unbounded (tests and development only).
    update_timeout: float = 30.0
    #: Memory (MiB) for answers kept per dataset version (accord.query.answers): a query
    #: asked again is answered without a worker until a write makes a new version.  0:
    #: off.  The embedded store only (an external one can change behind Accord's back).
    answer_cache_mb: int = 64
    #: Cache-Control of GET /sparql and named-query answers (they carry an ETag naming
    #: the dataset version and the request, and a matching If-None-Match is a 304).  The
    #: default lets a proxy keep an answer but ask again each time ("no-cache");
    #: "public, max-age=300" lets it serve one for five minutes, as the Wikidata Query
    #: Service does, at the price of answers up to five minutes older than a write.
    query_cache_control: str = "no-cache"
    #: Seconds a write waits for the write before it (writes are one at a time) before
    #: a 503 with Retry-After (protects the server's threads from a queue of writes
    #: behind a slow one).
    write_queue_timeout: float = 10.0
    #: Seconds the server waits for requests in flight after SIGTERM before it cancels
    #: them and ends (update plans still running are killed then).  0: waits for them.
    shutdown_timeout: float = 10.0
    #: Queries one client may have running at once (an IPv4 address, an IPv6 /64; local
    #: clients only with rate_limit_loopback); its further queries wait for one of its
    #: own to end, 429 with Retry-After after query_queue_timeout (protects everyone
    #: else's share of the workers from one client's runaway queries).  0: no limit.
    query_per_client: int = 2
    #: Queries of one client that may wait for its share; more are refused at once (429).
    query_per_client_waiting: int = 4
    #: Memory (MiB) a worker may allocate beyond its start size; a query that needs more
    #: is stopped (protects the machine from a query that would exhaust its memory).
    query_memory_mb: int = 2048
    #: Memory (MiB) all query workers may hold together while they run queries; beyond
    #: it, the worker holding the most is stopped and its query answered 503 (protects
    #: the machine: each worker's own cap, query_memory_mb, times query_workers was up
    #: to 8 GB).  Checked every 0.1 s.  0: no total.
    query_memory_total_mb: int = 4096
    #: Memory (MiB) a worker may keep once it has answered; a worker that keeps more is
    #: replaced by a fresh one (protects the machine from workers that each keep what
    #: their largest query read: over an on-disk store of 10M triples, a whole-catalogue
    #: query left a worker holding 300 MB, RocksDB's table readers most likely).  0: never
    #: replaced.  Checked only after a heavy job (0.1 s or a 1 MiB answer), so light
    #: queries never churn the pool.  At 1M triples, after the catalogue, the server
    #: tree's PSS was 524 MB with 256 and 194 MB with 32 (Oxigraph's server: 116 MB), the
    #: catalogue as fast (benchmarks/memory.py).
    query_worker_keep_mb: int = 32
    #: Rows (SELECT) or triples (CONSTRUCT/DESCRIBE) an answer may hold; a bigger answer
    #: is refused with 422 naming the limit, never truncated silently.
    max_result_rows: int = 100_000
    #: Bytes a request body may hold; bigger ones are refused with 413 before being read
    #: (protects memory against huge uploads).
    max_request_bytes: int = 1_000_000
    #: Characters a query or update may hold (400 beyond; long queries are CPU bombs).
    max_query_chars: int = 100_000
    #: Nesting depth of ( [ { in a query (400 beyond; pyoxigraph's parser crashes the
    #: process on a few thousand levels).
    max_query_depth: int = 128
    #: SERVICE endpoints a query may call (exact IRIs).  Empty: no outbound request, ever
    #: (protects the host's network from server-side request forgery).
    service_allow: list[str] = Field(default_factory=list)
    #: Requests per second per client IP (token bucket), 0 for no limit; answers 429 with
    #: Retry-After (protects against one client taking the whole server).
    rate_limit_per_second: float = 20.0
    #: Requests a client may send in one burst before the rate applies.
    rate_limit_burst: int = 100
    #: Also rate-limit local clients (127.0.0.1, ::1, a Unix socket, an in-process test
    #: client).  Off by default so local tools and tests are not limited; behind a reverse
    #: proxy on the same host, let uvicorn read X-Forwarded-For (its default for
    #: 127.0.0.1) or turn this on.
    rate_limit_loopback: bool = False
    # Pages (the HTML pages, documents, VoID, dumps): built from the data, so their cost
    # grows with what contributors add (issue 15: 13.4 s and 38.5 MB per anonymous GET).
    #: Memory (MiB) for pages and documents kept for the current dataset version, least
    #: recently used out first (protects against every GET of a page paying its build
    #: again: a repeated GET is served from memory until a write changes the version).
    page_cache_mb: int = 64
    #: Pages built at once, the others waiting (protects the server's threads and query
    #: workers from a flood of GETs that each miss the cache, e.g. ``?on=`` with a new
    #: date each time).  0: no limit.
    page_builds: int = 2
    #: Seconds a page waits for a build slot (or for the same page being built) before a
    #: 503 with Retry-After (protects against a pile-up of page requests).
    page_queue_timeout: float = 10.0
    #: Seconds one page build may take, its queries included (checked before each query,
    #: so at most this plus one query_timeout); 503 beyond (protects against a page of
    #: many queries, each within query_timeout, taking minutes).
    page_timeout: float = 60.0
    #: Rows a page lists per section (a class's instances, a state's pledges, the
    #: commitments overview...); beyond it, a note with the count and a link to all of
    #: them (protects the server from rendering, and clients from receiving, a page per
    #: 100,000 rows of contributed data).
    page_max_rows: int = 500
    # Connections (app/accord/http/connections.py, applied by ``accord serve``): each
    # limit holds per server process; a client is the connection's peer address (an
    # IPv4 address, an IPv6 /64), local peers only with rate_limit_loopback.
    #: Bytes a request line and its headers may hold together; more is answered 431
    #: (414 if the request line alone is longer: a GET query; POST has no such limit)
    #: and the connection closed (protects memory from endless headers: 200 MB of them
    #: cost the server 200 MB).
    max_header_bytes: int = 64 * 1024
    #: Seconds a connection has to send a complete request head, from its opening (on a
    #: kept-alive connection, from the first byte of the next request); then 408 if part
    #: of one came, and closed (protects the file descriptors from connections that send
    #: nothing or trickle a head: slowloris).  0: no limit.
    header_timeout: float = 10.0
    #: Seconds an idle connection is kept open after a response (uvicorn's keep-alive
    #: timer; protects the file descriptors from idle clients).  0: closed after each
    #: response.
    keep_alive_timeout: float = 5.0
    #: Seconds a request body may stall between two reads; then 408 if no response has
    #: started, and closed (protects from bodies sent a byte now and then).  0: no limit.
    body_timeout: float = 30.0
    #: Connections one client may hold open at once; one more is answered 503 with
    #: Retry-After and closed at once (protects everyone else's share of the server's
    #: connections and file descriptors).  0: no limit.
    max_connections_per_client: int = 64
    #: Connections a server process holds open at once, whoever the clients; one more is
    #: answered 503 and closed at once (protects the process's file descriptors: at
    #: start, lowered to ``ulimit -n`` less 256 if that is smaller).  0: no limit.
    max_connections: int = 1000
    #: Write one JSON line per request to the ``accord.access`` logger (stderr).
    access_log: bool = True


@lru_cache
def get_settings() -> Settings:
    return Settings()


def bundled_paths() -> list[Path]:
    """The folders that make up the bundled dataset."""
    return [resources.ONTOLOGY, resources.SHAPES, resources.DATA]
