"""Writes: one at a time, each one planned, validated, committed whole, and logged.

A write (a SPARQL Update, or a Graph Store Protocol PUT/POST/DELETE) goes through
``Writer``:

1. under the writer lock (writes are serial; reads go on, and see each write whole);
2. its ``Change`` is worked out without touching the store (an update runs on an
   in-memory copy; an upload is parsed);
3. graphs holding the ontology or the shapes are refused (403): the rules that guard
   writes cannot be changed by them;
4. the data as it would be after the change (every graph except the ontology and
   shapes graphs, merged) is validated against the SHACL shapes, with the ontology
   mixed in as ``accord validate`` does (app.write_validation keeps that graph in
   memory, so a write costs its own size); if it does not conform the write is
   refused with 422 and the report, and nothing is changed;
5. the change is applied in one Oxigraph transaction, under a new dataset version;
6. a JSON line is appended to the write log and fsynced: who (token id), when, what
   (the update text, or the Graph Store operation and a hash of the upload), the
   versions before and after, and the outcome;
7. the query executor, if there is one, is told to refresh.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import math
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from accord.errors import (
    AccordError,
    BadRequest,
    Forbidden,
    NotFound,
    StorageFull,
    WritesStopped,
)
from accord.query.guard import refuse_fetching_update
from accord.settings import Settings
from accord.shacl.validation import ONTOLOGY_DIR, SHAPES_DIR, load, load_shapes
from accord.sparql_text import tokens
from accord.stores.base import Change, WritableStore
from accord.stores.oxigraph import OxigraphStore
from accord.writes.auth import InsecureSettings
from accord.writes.planning import plan_update
from accord.writes.preconditions import Preconditions, content_tag
from accord.writes.validation import DEFAULT, Guard

logger = logging.getLogger("accord.writes")
NO_CONDITIONS = Preconditions()


class WritesBusy(AccordError):
    """Another write held the writer longer than ``write_queue_timeout`` (503)."""

    status = 503
    reason = "writes_busy"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


@dataclass(frozen=True)
class Outcome:
    """What a write did."""

    version_before: str
    version_after: str
    added: int = 0
    removed: int = 0
    graphs: tuple[str, ...] = ()
    created: bool = False  # a Graph Store request made a new graph

    @property
    def changed(self) -> bool:
        return self.version_after != self.version_before

    def summary(self) -> str:
        if not self.changed:
            return f"Nothing changed (dataset version {self.version_before}).\n"
        return (
            f"Committed: {self.added} quads added, {self.removed} removed; dataset version "
            f"{self.version_before} -> {self.version_after}.\n"
        )


class WriteLog:
    """Append-only JSON lines, fsynced one by one.

    A line cut short by a crash is left as it is and the next entry starts on a new
    line; ``read_log`` skips such a line."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size:
            with path.open("rb") as f:
                f.seek(-1, os.SEEK_END)
                torn = f.read(1) != b"\n"
            if torn:
                self._append(b"\n")

    def append(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False, sort_keys=True)
        if self.path is None:
            logger.info("write %s", line)
            return
        self._append(line.encode("utf-8") + b"\n")

    def _append(self, data: bytes) -> None:
        """Append ``data`` whole and fsync it, or raise ``OSError`` leaving the file as
        it was (a line cut short by a full disk is cut off again)."""
        assert self.path is not None
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            size = os.fstat(fd).st_size
            try:
                written = os.write(fd, data)
                if written != len(data):
                    raise OSError(errno.ENOSPC, f"wrote {written} of {len(data)} bytes")
                os.fsync(fd)
            except OSError:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, size)
                raise
        finally:
            os.close(fd)

    def last(self) -> dict[str, Any] | None:
        """The last entry that parses (None without a log or entries)."""
        if self.path is None or not self.path.exists():
            return None
        with self.path.open("rb") as f:
            end = f.seek(0, os.SEEK_END)
            chunk, at = b"", end
            while at > 0:  # read back until the last two line ends are in hand
                step = min(at, 1 << 16)
                at -= step
                f.seek(at)
                chunk = f.read(step) + chunk
                if chunk.count(b"\n") > 2:
                    break
        for line in reversed(chunk.splitlines()):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                return entry
        return None


def read_log(path: Path) -> list[dict[str, Any]]:
    """The entries of a write log (a line cut short by a crash is skipped)."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue
    return entries


def resolve_pending(log: WriteLog, store: WritableStore) -> dict[str, Any] | None:
    """At start: a last entry still ``pending`` (the server stopped during that write)
    gets its outcome, read off the store: ``committed`` (the store carries the write's
    version and finished its commit), ``interrupted`` (the store was stopped during the
    commit: it holds the write entirely or not at all, under the write's version) or
    ``failed`` (the store has the version before it). Returns the entry appended."""
    last = log.last()
    if last is None or last.get("outcome") != "pending":
        return None
    if store.version == last.get("version_after"):
        outcome = "interrupted" if getattr(store, "interrupted", False) else "committed"
    else:
        outcome = "failed"
    resolved = last | {"outcome": outcome, "resolved": _now()}
    log.append(resolved)
    return resolved


def next_version(before: str, change: Change) -> str:
    return hashlib.sha256(f"{before}\n{change.digest()}".encode()).hexdigest()[:16]


# --- SPARQL Update text ---------------------------------------------------------------


def with_using(text: str, using: Iterable[str], using_named: Iterable[str]) -> str:
    """Apply the protocol's ``using-graph-uri``/``using-named-graph-uri`` by writing
    ``USING``/``USING NAMED`` before the WHERE of each DELETE/INSERT operation.

    The IRIs were checked as absolute IRIs (no ``>`` or spaces) by app.protocol; an
    update that also names its dataset (USING/WITH) was refused there."""
    clauses = [f"USING <{g}>" for g in using] + [f"USING NAMED <{g}>" for g in using_named]
    if not clauses:
        return text
    insert = " ".join(clauses) + " "
    toks = [t for t in tokens(text) if t.depth == 0]
    cuts = []
    for prev, tok in zip(toks, toks[1:], strict=False):
        if not tok.is_keyword("WHERE"):
            continue
        if prev.kind != "close":  # DELETE WHERE { ... }: USING is not allowed there
            raise BadRequest(
                "using-graph-uri/using-named-graph-uri cannot apply to DELETE WHERE; "
                "write it as DELETE { ... } WHERE { ... }"
            )
        cuts.append(tok.start)
    for at in reversed(cuts):
        text = text[:at] + insert + text[at:]
    return text


# --- the writer -----------------------------------------------------------------------


@lru_cache(maxsize=4)
def _rules(shapes_dir: Path, ontology_dir: Path) -> tuple[Graph, Graph]:
    return load_shapes([shapes_dir]).graph, load([ontology_dir]).graph


@dataclass
class Writer:
    """Serial, validated, logged writes to one store (see the module docstring)."""

    store: WritableStore
    #: The SHACL check (app.write_validation); its protected graphs (the ontology and
    #: the shapes) may not be written.
    guard: Guard
    log: WriteLog
    #: Called after each committed write (the query executor's refresh).
    on_commit: Callable[[], None] | None = None
    #: Seconds a SPARQL Update may take to work out its change, in a process of its own
    #: (accord.writes.planning); 0: in the server process, unbounded.
    update_timeout: float = 0.0
    #: Memory (MiB) that process may allocate (0: no limit).
    update_memory_mb: int = 0
    #: Seconds a write waits for the one before it (then 503 with Retry-After).
    lock_timeout: float = 10.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # Each public method returns the Outcome or raises a typed error (nothing changed).

    def update(
        self,
        text: str,
        *,
        who: str,
        base_iri: str | None = None,
        using: Iterable[str] = (),
        using_named: Iterable[str] = (),
    ) -> Outcome:
        using, using_named = list(using), list(using_named)
        entry: dict[str, Any] = {"op": "sparql-update", "update": text}
        if using or using_named:
            entry |= {"using-graph-uri": using, "using-named-graph-uri": using_named}

        def plan() -> Change:
            refuse_fetching_update(text)
            sparql = with_using(text, using, using_named)
            if self.update_timeout > 0 and isinstance(self.store, OxigraphStore):
                return plan_update(
                    self.store,
                    sparql,
                    base_iri=base_iri,
                    timeout=self.update_timeout,
                    memory_mb=self.update_memory_mb,
                )
            return self.store.plan_update(sparql, base_iri=base_iri)

        return self._write(entry, who, plan)

    def put(
        self,
        graph: str | None,
        triples: list[ox.Triple],
        *,
        who: str,
        expect: Preconditions = NO_CONDITIONS,
        **what: Any,
    ) -> Outcome:
        """Replace a graph (None: the default graph) with the triples."""
        existed = self.store.has_graph(graph)

        def plan() -> Change:
            self._check(expect, graph)
            old = set(self.store.graph_quads(graph))
            new = set(_in_graph(triples, graph))
            return Change(
                removed=tuple(old - new),
                added=tuple(new - old),
                created=() if existed or graph is None else (graph,),
            )

        outcome = self._write({"op": "gsp-put", "graph": graph or DEFAULT, **what}, who, plan)
        return _with_created(outcome, not existed)

    def post(
        self,
        graph: str | None,
        triples: list[ox.Triple],
        *,
        who: str,
        expect: Preconditions = NO_CONDITIONS,
        **what: Any,
    ) -> Outcome:
        """Add the triples to a graph (creating it if needed)."""
        existed = self.store.has_graph(graph)

        def plan() -> Change:
            self._check(expect, graph)
            old = set(self.store.graph_quads(graph))
            new = set(_in_graph(triples, graph))
            return Change(
                added=tuple(new - old), created=() if existed or graph is None else (graph,)
            )

        outcome = self._write({"op": "gsp-post", "graph": graph or DEFAULT, **what}, who, plan)
        return _with_created(outcome, not existed)

    def delete(
        self, graph: str | None, *, who: str, expect: Preconditions = NO_CONDITIONS
    ) -> Outcome:
        """Drop a named graph, or empty the default graph."""

        def plan() -> Change:
            self._check(expect, graph)
            if not self.store.has_graph(graph):
                raise NotFound(f"no graph <{graph}> in this store")
            return Change(
                removed=tuple(self.store.graph_quads(graph)),
                dropped=() if graph is None else (graph,),
            )

        return self._write({"op": "gsp-delete", "graph": graph or DEFAULT}, who, plan)

    def _write(self, entry: dict[str, Any], who: str, plan: Callable[[], Change]) -> Outcome:
        if not self._lock.acquire(timeout=self.lock_timeout):
            raise WritesBusy(
                f"another write held the writer for {self.lock_timeout:g} s; writes are "
                "one at a time. Retry later",
                retry_after=max(1, math.ceil(self.lock_timeout)),
            )
        try:
            return self._locked_write(entry, who, plan)
        finally:
            self._lock.release()

    def _locked_write(self, entry: dict[str, Any], who: str, plan: Callable[[], Change]) -> Outcome:
        stopped = getattr(self.store, "stopped", None)
        if stopped:
            raise WritesStopped(stopped)
        before = self.store.version
        entry = {"time": _now(), "who": who, **entry, "version_before": before}
        try:
            change = plan()
            graphs = sorted(_graph_label_of(g) for g in change.graphs())
            self._guard(graphs)
            if change:
                self.guard.check(change)
        except AccordError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            refused = {"outcome": "refused", "status": exc.status, "reason": reason[:500]}
            try:
                self.log.append(entry | refused)
            except OSError as log_error:  # the refusal stands; the line is lost
                logger.warning("a refused write could not be logged: %s", log_error)
            raise
        after = next_version(before, change) if change else before
        outcome = Outcome(before, after, len(change.added), len(change.removed), tuple(graphs))
        counts = {"added": outcome.added, "removed": outcome.removed, "graphs": graphs}
        if change:
            self._commit(change, entry | counts | {"version_after": after})
        else:
            try:
                self.log.append(entry | counts | {"outcome": "unchanged", "version_after": after})
            except OSError as exc:
                raise StorageFull(f"the write log could not be written ({exc})") from exc
        if change and self.on_commit is not None:
            self.on_commit()
        return outcome

    def _commit(self, change: Change, entry: dict[str, Any]) -> None:
        """Log the write as pending, apply it, log it committed; any step that fails
        leaves the store, its version and the log's outcome as before (``StorageFull``),
        or stops writes if it cannot (``WritesStopped``). A server killed in between
        leaves a pending line, resolved at the next start (``resolve_pending``)."""
        try:
            self.log.append(entry | {"outcome": "pending"})
        except OSError as exc:
            self.guard.undo()
            raise StorageFull(
                f"the write log could not be written ({exc}); nothing was changed"
            ) from exc
        try:
            self.store.apply(change, entry["version_after"])
        except BaseException as exc:
            self.guard.undo()  # the data graph of the guard follows the store
            status = getattr(exc, "status", 500)
            with contextlib.suppress(OSError):
                self.log.append(entry | {"outcome": "failed", "status": status})
            raise
        try:
            self.log.append(entry | {"outcome": "committed"})
        except OSError as exc:
            self.guard.undo()
            self.store.revert(change, entry["version_before"])  # or WritesStopped
            raise StorageFull(
                f"the write log could not record the commit ({exc}), so the write was "
                "taken back: nothing was changed"
            ) from exc

    def _check(self, expect: Preconditions, graph: str | None) -> None:
        """The request's If-Match/If-None-Match, under the writer lock (412)."""
        if expect:
            exists = self.store.has_graph(graph)
            expect.check(exists, lambda: content_tag(self.store.graph_quads(graph)))

    def _guard(self, graphs: list[str]) -> None:
        touched = sorted(set(graphs) & self.guard.protected)
        if touched:
            raise Forbidden(
                f"this write would change <{touched[0]}>, which holds the ontology or the "
                "shapes that writes are validated against; edit its file instead"
            )


def _graph_label_of(graph: str | None) -> str:
    return DEFAULT if graph is None else graph


def _in_graph(triples: Iterable[ox.Triple], graph: str | None) -> list[ox.Quad]:
    node = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
    return [ox.Quad(t.subject, t.predicate, t.object, node) for t in triples]


def _with_created(outcome: Outcome, new: bool) -> Outcome:
    return Outcome(
        outcome.version_before,
        outcome.version_after,
        outcome.added,
        outcome.removed,
        outcome.graphs,
        created=new,
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return False
    return True


def refresh_readers(services: Any) -> Callable[[], None]:
    """After a commit: tell the services' query executor (looked up then: a test may
    replace it) to reopen the store."""

    def refresh() -> None:
        executor = getattr(services, "executor", None)
        if executor is not None:
            executor.refresh()

    return refresh


def build_writer(
    settings: Settings,
    store: object,
    services: Any = None,
    shapes_dir: Path = SHAPES_DIR,
    ontology_dir: Path = ONTOLOGY_DIR,
) -> Writer | None:
    """The application's writer, or None when writes are disabled."""
    if not settings.allow_update:
        return None
    if not isinstance(store, OxigraphStore):
        raise InsecureSettings("writes need the embedded Oxigraph store")
    shapes_dir = settings.write_shapes or shapes_dir
    shapes, ontology = _rules(shapes_dir, ontology_dir)
    protected = frozenset(
        gf.graph
        for gf in store.files
        if _within(gf.path, shapes_dir) or _within(gf.path, ontology_dir)
    )
    log_path = settings.write_log or (store.path / "writes.jsonl" if store.path else None)
    log = WriteLog(log_path)
    resolve_pending(log, store)
    return Writer(
        store=store,
        guard=Guard(store, shapes, ontology, protected),
        log=log,
        on_commit=refresh_readers(services) if services is not None else None,
        update_timeout=settings.update_timeout,
        lock_timeout=settings.write_queue_timeout,
        update_memory_mb=settings.query_memory_mb,
    )
