"""What a query worker does: run one query and answer with the finished bytes.

``run_job`` is the whole of a query's work (parse, evaluate, count, label, serialize),
so the HTTP status is known before the first byte is sent: a timeout or a crash can
never leave a client with half an answer.  ``serve`` is a worker process's loop; it
first closes the worker in (``sandbox``): no new file or socket can be opened (so no
SERVICE, no LOAD, no file: IRI, whatever the query text hides), no core dump, bounded
memory, and a large stack for pyoxigraph's recursive parser.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import io
import os
import resource
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import pyoxigraph as ox

from accord.errors import AccordError, QuerySyntaxError, StoreError
from accord.query.labels import with_labels
from accord.query.negotiation import choose
from accord.query_dataset import UNION, QueryDataset
from accord.stores.base import SOLUTION_FORMATS, QueryResult, ResultKind, Store
from accord.stores.oxigraph import OxigraphResult

#: Stack of the thread that runs a query: deep but legal queries need more than 8 MiB.
STACK_BYTES = 256 * 1024 * 1024
#: After an answer this big (or an error), the worker hands its freed heap back to the
#: system (``malloc_trim``): otherwise each worker keeps the heap of the largest answer
#: it built (at 10M triples, 4 workers held 2.4 GB after the catalogue queries).
TRIM_BYTES = 1024 * 1024
#: A job that ran this long may have read (and kept) much of an on-disk store.
HEAVY_SECONDS = 0.1


class TooManyResults(AccordError):
    """The answer would exceed ``max_result_rows``: refused, never truncated."""

    status = 422
    reason = "too_many_rows"


class OutboundAttempt(AccordError):
    """The query tried to open a file or a connection inside the sandbox."""

    status = 400
    reason = "outbound"


@dataclass(frozen=True)
class QueryJob:
    text: str
    accept: str | None = None
    fmt: str | None = None
    labels: bool = False
    dataset: QueryDataset = UNION
    base_iri: str | None = None
    max_rows: int = 0  # 0: no limit


@dataclass(frozen=True)
class Answer:
    media_type: str
    body: bytes
    rows: int | None = None  # solutions or triples; None for ASK
    #: The worker's private memory (MiB) once it built this answer, measured after a
    #: heavy job only (``HEAVY_SECONDS``, ``TRIM_BYTES``); the executor replaces a worker
    #: that keeps too much (``query_worker_keep_mb``).
    kept_mb: int | None = None


def run_job(store: Store, job: QueryJob) -> Answer:
    """Run ``job`` on ``store``; typed errors for a bad query, a bad format, too many rows."""
    try:
        return _run(store, job)
    except OSError as exc:
        # Inside the sandbox, opening a socket or a file fails with EMFILE.
        if exc.errno == 24 or "Too many open files" in str(exc):
            raise OutboundAttempt(
                "the query tried to open a network connection or a file (SERVICE or a "
                "similar feature); this server makes no outbound request"
            ) from None
        # A SERVICE that failed, or a store that could not be read.
        raise StoreError(f"the query could not be answered: {exc}") from None


def _run(store: Store, job: QueryJob) -> Answer:
    try:
        result = store.query(job.text, dataset=job.dataset, base_iri=job.base_iri)
    except QuerySyntaxError as exc:
        raise QuerySyntaxError(f"malformed SPARQL query: {exc}") from exc
    media_type = choose(result.kind, job.accept, job.fmt)
    result, rows = _bounded(result, job.max_rows)
    if job.labels:
        result = with_labels(result, store)
    return Answer(media_type, result.serialize(media_type), rows)


def _bounded(result: QueryResult, max_rows: int) -> tuple[QueryResult, int | None]:
    """The result read (at most ``max_rows`` solutions or triples, else
    ``TooManyResults``), and how many there are."""
    if not isinstance(result, OxigraphResult) or result.kind == "boolean":
        return result, None
    if result.kind == "solutions":
        return _counted_solutions(result._value, max_rows)
    kept = []
    for triple in result._value:  # type: ignore[attr-defined]
        kept.append(triple)
        if max_rows and len(kept) > max_rows:
            raise _too_many(max_rows, "triples")
    return OxigraphResult("graph", kept, result._prefixes), len(kept)


def _too_many(max_rows: int, what: str) -> TooManyResults:
    return TooManyResults(
        f"the answer has more than {max_rows} {what}, the most this server sends; "
        "narrow the query or page through it with LIMIT and OFFSET"
    )


class _CountedTsv(io.BytesIO):
    """Where pyoxigraph writes SELECT results as TSV: one line a solution after the
    header (TSV escapes the line breaks of literals), counted as they are written, so
    that the row cap stops the query at once."""

    def __init__(self, max_rows: int) -> None:
        super().__init__()
        self.max_rows = max_rows
        self.lines = 0

    def write(self, chunk: Any) -> int:
        self.lines += bytes(chunk).count(b"\n")
        if self.max_rows and self.lines - 1 > self.max_rows:
            raise _too_many(self.max_rows, "solutions")
        return super().write(chunk)


def _counted_solutions(solutions: Any, max_rows: int) -> tuple[TsvSolutions, int]:
    out = _CountedTsv(max_rows)
    solutions.serialize(out, format=ox.QueryResultsFormat.TSV)
    return TsvSolutions(out.getvalue()), max(out.lines - 1, 0)


@dataclass
class TsvSolutions:
    """SELECT results held as pyoxigraph's TSV, and written in any format by pyoxigraph
    (parsed and serialised again in Rust): byte for byte what serialising the live
    result gives, at 1.1-1.3 times its time for 50,000 rows, where the JSON round trip
    through Python objects it replaces took 9-14 times (benchmarks/README.md)."""

    tsv: bytes
    kind: ResultKind = "solutions"

    def serialize(self, media_type: str) -> bytes:
        fmt = SOLUTION_FORMATS[media_type]
        if fmt == ox.QueryResultsFormat.TSV:
            return self.tsv
        parsed = ox.parse_query_results(self.tsv, format=ox.QueryResultsFormat.TSV)
        return parsed.serialize(format=fmt) or b""  # type: ignore[union-attr]


def sandbox(memory_mb: int, outbound: bool = False, table_files: int = 0) -> None:
    """Close the worker in: no new file descriptor (hence no socket, no file) unless
    ``outbound`` (some SERVICE is allowed), no core dump, at most ``memory_mb`` MiB of
    memory beyond what it holds now.

    ``table_files``: an on-disk store opens its table files lazily, as queries first
    read them; that many descriptors are left free for it (a store of 10M triples has
    58, and with none left a query spun for minutes instead of answering in 1 ms)."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    private_mb()  # opens what it reads while it still may
    if memory_mb > 0:
        # RLIMIT_DATA (private writable memory), not RLIMIT_AS: an on-disk store's RocksDB
        # reserves address space (file maps, thread arenas) it never fills, and an address
        # space cap made ordinary queries over a 1M-triple store fail (SIGABRT).
        limit = _vm_data() + STACK_BYTES + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    if not outbound:
        _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        soft = _next_fd() + table_files if table_files else 0
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def _next_fd() -> int:
    """One above the highest open file descriptor."""
    return max(int(fd) for fd in os.listdir("/proc/self/fd")) + 1


def _vm_data() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def serve(conn: Connection, store: Store) -> None:
    """A worker's loop: receive a job, send back ``("ok", Answer)`` or ``("error",
    exception)``, until the connection closes.  The loop runs in one thread with a large
    stack (deep queries recurse deeply), started once: a thread per job cost 0.1 ms of
    a point lookup's 1 ms.  The worker is a single process that the executor kills to
    stop a query."""
    threading.stack_size(STACK_BYTES)
    thread = threading.Thread(target=_serve_jobs, args=(conn, store), name="accord-query")
    thread.start()
    thread.join()
    os._exit(0)


def _serve_jobs(conn: Connection, store: Store) -> None:
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        reply = _reply(store, job)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
        # A refused answer may have built many rows before it was refused.
        if reply[0] != "ok" or len(reply[1].body) >= TRIM_BYTES:  # type: ignore[attr-defined]
            del reply
            give_back_memory()


def _reply(store: Store, job: QueryJob) -> tuple[str, object]:
    """``("ok", Answer)``, ``("error", exception)`` or ``("bug", text)``."""
    started = time.perf_counter()
    try:
        answer = run_job(store, job)
    except AccordError as exc:
        # A refused answer (too many rows, say) may have read as much as a heavy one:
        # it reports the memory the worker keeps too, so the executor can replace it.
        kept = _kept_after_refusal(time.perf_counter() - started)
        if kept is not None:
            exc.kept_mb = kept  # type: ignore[attr-defined]
        return ("error", exc)
    except Exception as exc:  # a bug: sent back as text, logged by the server
        return ("bug", f"{type(exc).__name__}: {exc}")
    return ("ok", _with_kept_memory(answer, time.perf_counter() - started))


def _with_kept_memory(answer: Answer, seconds: float) -> Answer:
    """After a heavy job, ``answer`` with the memory the worker keeps (``kept_mb``: its
    private memory once the garbage is handed back, not counting the answer itself)."""
    large = len(answer.body) >= TRIM_BYTES
    if not large and seconds < HEAVY_SECONDS:
        return answer
    if large:
        give_back_memory()
    kept = private_mb()
    if kept is None:
        return answer
    return dataclasses.replace(answer, kept_mb=max(0, kept - len(answer.body) // 2**20))


def _kept_after_refusal(seconds: float) -> int | None:
    """After a heavy job that ended in a refusal, the private memory the worker keeps
    once the garbage is handed back (None after a light one, or where unknown)."""
    if seconds < HEAVY_SECONDS:
        return None
    give_back_memory()
    return private_mb()


def give_back_memory() -> None:
    """Return the heap freed by the last job to the system (glibc's ``malloc_trim``;
    nothing elsewhere)."""
    if LIBC is not None and hasattr(LIBC, "malloc_trim"):
        LIBC.malloc_trim(0)


def private_mb() -> int | None:
    """This process's private memory in MiB (what it would free by ending), from
    /proc/self/smaps_rollup, opened before ``sandbox`` closes the worker in;
    None where that is not available."""
    global _ROLLUP
    try:
        if _ROLLUP is None:
            _ROLLUP = os.open("/proc/self/smaps_rollup", os.O_RDONLY)
        text = os.pread(_ROLLUP, 8192, 0).decode("ascii")
        kb = sum(
            int(line.split()[1])
            for line in text.splitlines()
            if line.startswith(("Private_Clean:", "Private_Dirty:"))
        )
    except (OSError, ValueError, IndexError):
        return None
    return kb // 1024


#: The descriptor of /proc/self/smaps_rollup (``private_mb``), kept open: a sandboxed
#: worker may open no file.
_ROLLUP: int | None = None


def _libc() -> Any:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


#: The C library (``malloc_trim`` here, ``prctl`` in accord.http.serving), None if not found.
LIBC = _libc()
