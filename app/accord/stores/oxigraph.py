"""The embedded store (the contract it implements: accord.stores.base).

``OxigraphStore`` is the embedded default: pyoxigraph in memory (or on disk with a
path).  Each RDF file is loaded into its own named graph; queries see the union of
all graphs as their default graph unless the request names the default graph.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import Identifier

from accord.dataset import QUAD_FORMATS, GraphFile, dataset_version
from accord.errors import (
    BadRequest,
    DataLoadError,
    QuerySyntaxError,
    StorageFull,
    UnsupportedFunction,
    WritesStopped,
)
from accord.namespaces import PREFIXES
from accord.query_dataset import UNION, QueryDataset
from accord.stores.base import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    Change,
    ResultKind,
)


@dataclass
class OxigraphResult:
    kind: ResultKind
    _value: object
    _prefixes: dict[str, str]

    def serialize(self, media_type: str) -> bytes:
        if self.kind == "graph":
            triples = list(self._value)  # type: ignore[call-overload]
            fmt = GRAPH_FORMATS[media_type]
            if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
                triples = [
                    ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples
                ]
            prefixes = (
                self._prefixes
                if fmt
                in (
                    ox.RdfFormat.TURTLE,
                    ox.RdfFormat.TRIG,
                    ox.RdfFormat.RDF_XML,
                    ox.RdfFormat.JSON_LD,
                )
                else None
            )
            return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""
        fmt_r = SOLUTION_FORMATS[media_type]
        if self.kind == "boolean":
            if fmt_r in (ox.QueryResultsFormat.CSV, ox.QueryResultsFormat.TSV):
                # SPARQL 1.1 CSV/TSV define no boolean form; answer the plain word.
                return b"true\n" if self._value else b"false\n"
        out = io.BytesIO()
        self._value.serialize(out, format=fmt_r)  # type: ignore[attr-defined]
        return out.getvalue()

    def __bool__(self) -> bool:
        return bool(self._value) if self.kind == "boolean" else True


def to_rdflib(term: object) -> Identifier:
    """Convert a pyoxigraph term to its rdflib equivalent."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return RdfLiteral(term.value, lang=term.language)
        return RdfLiteral(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")


def solution_rows(document: bytes) -> list[dict[str, Identifier]]:
    """SPARQL JSON results as rows of rdflib terms (unbound variables left out)."""
    parsed = ox.parse_query_results(document, format=ox.QueryResultsFormat.JSON)
    names = [v.value for v in parsed.variables]  # type: ignore[union-attr]
    return [
        {n: to_rdflib(s[n]) for n in names if s[n] is not None}
        for s in parsed  # type: ignore[union-attr]
    ]


def _graph_node(iri: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.NamedNode(iri)


class OxigraphStore:
    """The embedded store: pyoxigraph, in memory or on disk.

    On disk (``path`` given) the store keeps ``accord-store.json`` beside its data: the
    dataset version it holds, its graphs, and the size and mtime of each file.  Opening
    the folder again with the same files reuses the data without parsing anything
    (with unchanged sizes and mtimes, without even hashing the files); other files
    replace what it holds.  ``read_only=True`` opens a store that already holds the
    files without taking its lock, so several worker processes can share it.

    Writes (``apply``) are transactions of Oxigraph.  Once an on-disk store has taken a
    write its marker says so (``writes``), and from then on it is the record: it is
    opened as it is, never reloaded from the files.
    """

    #: The file in an on-disk store's folder that records which dataset it holds.
    MARKER = "accord-store.json"
    #: Files at least this big go through the bulk loader (parallel, low memory).
    BULK_LOAD_BYTES = 8 * 1024 * 1024

    def __init__(
        self,
        files: Iterable[GraphFile] = (),
        path: Path | None = None,
        prefixes: dict[str, str] | None = None,
        read_only: bool = False,
    ) -> None:
        self.files = list(files)
        self.prefixes = dict(prefixes or PREFIXES)
        self.reused = False  # True when an on-disk store already held the dataset
        self.path = Path(path) if path is not None else None
        self.writes = 0  # writes applied to this store since it was loaded from files
        #: Why this store takes no more writes (a failed write that could not be undone).
        self.stopped: str | None = None
        #: Opened after a write was cut short during its commit (its marker said pending).
        self.interrupted = False
        if path is None:
            if read_only:
                raise ValueError("read_only needs the path of an on-disk store")
            self._store = ox.Store()
            for gf in self.files:
                self._load(gf)
            self.version = dataset_version(self.files)
            return
        path = Path(path)
        marker_path = path / self.MARKER
        try:
            marker = json.loads(marker_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            marker = None
        if isinstance(marker, dict) and (marker.get("writes") or marker.get("pending")):
            self._open_written(marker_path, marker, read_only)
            return
        stats = [
            [gf.graph, str(gf.path.resolve()), st.st_size, st.st_mtime_ns]
            for gf in self.files
            for st in [gf.path.stat()]
        ]
        graphs = sorted({gf.graph for gf in self.files})
        same_files = isinstance(marker, dict) and marker.get("files") == stats
        self.version = marker["version"] if same_files else dataset_version(self.files)
        held = (
            isinstance(marker, dict)
            and marker.get("version") == self.version
            and marker.get("graphs") == graphs
        )
        try:
            if read_only:
                if not held:
                    holds = (
                        f"version {marker.get('version')}"
                        if isinstance(marker, dict)
                        else "no Accord dataset"
                    )
                    raise DataLoadError(
                        f"{path}: the on-disk store holds {holds}, not version {self.version} "
                        "of the given files; open it once writable to load them"
                    )
                self._store = _open_read_only(path)
            else:
                self._store = ox.Store(str(path))
        except OSError as exc:
            raise DataLoadError(f"{path}: cannot open the on-disk store: {exc}") from exc
        self.reused = held
        if read_only or (held and same_files):
            return
        if not held:
            if marker is None and next(iter(self._store), None) is not None:
                raise DataLoadError(
                    f"{path}: this store holds data that Accord did not load (no {self.MARKER}); "
                    "give an empty or new folder"
                )
            # Until the load is done the marker names no version, so a load cut short
            # is redone at the next start.
            self._write_marker(marker_path, {"version": None, "graphs": [], "files": []})
            self._store.clear()
            for gf in self.files:
                self._load(gf)
            self._store.flush()
            # Compact what the bulk loader wrote before anyone reads it: query workers
            # open the folder read-only and cannot compact it themselves. Uncompacted, a
            # catalogue query at 1M triples ran 25x slower in them (46 s instead of
            # 1.7 s) and ran out of its memory budget.
            self._store.optimize()
        self._write_marker(marker_path, {"version": self.version, "graphs": graphs, "files": stats})

    @staticmethod
    def _write_marker(marker_path: Path, content: dict[str, object]) -> None:
        tmp = marker_path.with_name(marker_path.name + ".tmp")
        try:
            with tmp.open("w", encoding="utf-8") as out:
                out.write(json.dumps(content, indent=1))
                out.flush()
                os.fsync(out.fileno())
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        tmp.replace(marker_path)
        _fsync_dir(marker_path.parent)

    def _open_written(self, marker_path: Path, marker: dict[str, object], read_only: bool) -> None:
        """Open a store that has taken writes, as it is (the files do not replace it)."""
        path = marker_path.parent
        pending = marker.get("pending")
        self.interrupted = bool(pending)
        # A write cut short after its marker said "pending" may or may not have landed:
        # name the data by the pending version, so a changed store never keeps its old one.
        self.version = str(pending or marker["version"])
        self.writes = int(marker.get("writes") or 1)  # type: ignore[call-overload]
        try:
            self._store = _open_read_only(path) if read_only else ox.Store(str(path))
        except OSError as exc:
            raise DataLoadError(f"{path}: cannot open the on-disk store: {exc}") from exc
        self.reused = True
        stats = [
            [gf.graph, str(gf.path.resolve()), st.st_size, st.st_mtime_ns]
            for gf in self.files
            for st in [gf.path.stat()]
        ]
        if stats != marker.get("files"):
            logging.getLogger("accord").warning(
                "%s has taken %d writes, so it is served as it is; the files it was loaded "
                "from have changed since (start from a new folder to load them)",
                path,
                self.writes,
            )
        if pending and not read_only:
            self._write_marker(marker_path, {**marker, "version": self.version, "pending": None})

    def _load(self, gf: GraphFile) -> None:
        kwargs: dict[str, object] = {
            "path": str(gf.path),
            "format": gf.format,
            "base_iri": gf.path.resolve().as_uri(),
        }
        if gf.format not in QUAD_FORMATS:
            kwargs["to_graph"] = ox.NamedNode(gf.graph)
        # The bulk loader parses in parallel without holding the file in memory, but is
        # not transactional: a syntax error leaves part of the file loaded.
        bulk = gf.path.stat().st_size >= self.BULK_LOAD_BYTES
        try:
            if bulk:
                self._store.bulk_load(**kwargs)  # type: ignore[arg-type]
            else:
                self._store.load(**kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise DataLoadError(f"{gf.path}: {exc}") from exc

    def query(
        self, sparql: str, *, dataset: QueryDataset = UNION, base_iri: str | None = None
    ) -> OxigraphResult:
        kwargs: dict[str, object] = {}
        if dataset.default is None:
            kwargs["use_default_graph_as_union"] = True
        else:  # explicit, possibly empty: given, it replaces the query's FROM
            kwargs["default_graph"] = [_graph_node(g) for g in dataset.default]
        if dataset.named is not None:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in dataset.named]
        try:
            value = self._store.query(sparql, base_iri=base_iri, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        except RuntimeError as exc:
            if "custom function" in str(exc) and "not supported" in str(exc):
                raise UnsupportedFunction(
                    f"{exc}: this server provides the functions of SPARQL 1.1 and no others, "
                    "and does not evaluate a query that calls another"
                ) from exc
            raise
        if isinstance(value, ox.QueryBoolean):
            return OxigraphResult("boolean", value, self.prefixes)
        if isinstance(value, ox.QuerySolutions):
            return OxigraphResult("solutions", value, self.prefixes)
        return OxigraphResult("graph", value, self.prefixes)

    def table_files(self) -> int:
        """How many table files an on-disk store has (0 in memory): the descriptors
        RocksDB may still open as queries read them."""
        return len(list(self.path.glob("*.sst"))) if self.path is not None else 0

    def select(self, sparql: str) -> list[dict[str, Identifier]]:
        """Run a SELECT over the union graph and return rows of rdflib terms."""
        result = self.query(sparql)
        if result.kind != "solutions":
            raise ValueError("select() needs a SELECT query")
        rows = json.loads(result.serialize("application/sparql-results+json"))
        return [{k: _json_term(v) for k, v in b.items()} for b in rows["results"]["bindings"]]

    def graph_sizes(self) -> dict[str, int]:
        sizes: dict[str, int] = {}
        for graph in self._store.named_graphs():
            sizes[graph.value] = sum(
                1 for _ in self._store.quads_for_pattern(None, None, None, graph)
            )  # type: ignore[union-attr]
        return dict(sorted(sizes.items()))

    def quads(self) -> Iterator[ox.Quad]:
        return iter(self._store)

    # --- writes (app/accord/writes/writer.py validates and logs them) ---------------------------------

    def has_graph(self, graph: str | None) -> bool:
        """Whether the named graph exists (perhaps empty); the default graph always does."""
        return graph is None or self._store.contains_named_graph(ox.NamedNode(graph))

    def quads_matching(
        self, subject: object = None, predicate: object = None, obj: object = None
    ) -> Iterator[ox.Quad]:
        """The quads, in any graph, with these terms (None matches anything)."""
        return iter(self._store.quads_for_pattern(subject, predicate, obj, None))  # type: ignore[arg-type]

    def graph_quads(self, graph: str | None) -> list[ox.Quad]:
        """The quads of one graph (None: the store's own default graph)."""
        node = ox.DefaultGraph() if graph is None else ox.NamedNode(graph)
        return list(self._store.quads_for_pattern(None, None, None, node))

    def plan_update(self, sparql: str, *, base_iri: str | None = None) -> Change:
        """What a SPARQL Update would change, worked out on an in-memory copy.

        Raises ``QuerySyntaxError`` (it does not parse) or ``BadRequest`` (an operation
        fails, e.g. DROP of a missing graph without SILENT); the store is never touched.
        (accord.writes.planning runs ``plan_on_copy`` in a killable process instead.)"""
        return plan_on_copy(*self.snapshot(), sparql, base_iri)

    def snapshot(self) -> tuple[list[ox.Quad], list[ox.NamedNode | ox.BlankNode]]:
        """Every quad and every named graph (an empty one too), as they are now."""
        return list(self._store), list(self._store.named_graphs())

    #: A file kept beside an on-disk store's data so that a write that fails for lack of
    #: space can still be undone: deleting it gives the undo and the marker room.
    RESERVE = "accord-reserve"
    RESERVE_BYTES = 4 * 1024 * 1024

    def apply(self, change: Change, version: str) -> None:
        """Apply a change in one Oxigraph transaction and name the result ``version``.

        On disk the marker first records the pending version, then the store is flushed
        and the marker records the new version: a crash in between leaves the data
        entirely before or entirely after the change, named by the pending version.

        A step that fails (a full disk, an I/O error) is undone before this returns:
        the store is reopened (RocksDB stops taking writes after a failed one), the
        change taken back if it landed, and the marker restored, with the reserve file
        deleted to make room; then ``StorageFull`` (nothing changed). If the undo fails
        too, ``WritesStopped``: this store takes no more writes until it is reopened."""
        if self.path is None:
            self._update(change)  # in memory: one transaction, all or nothing
            self.writes += 1
            self.version = version
            return
        if self.stopped:
            raise WritesStopped(self.stopped)
        marker_path = self.path / self.MARKER
        marker = json.loads(marker_path.read_text(encoding="utf-8"))
        try:
            self._keep_reserve()
            # From here on the store may hold a write: it counts as written (the record).
            self._write_marker(
                marker_path, {**marker, "pending": version, "writes": self.writes + 1}
            )
        except OSError as exc:
            raise StorageFull(
                f"the store's disk has no room for this write ({exc}); nothing was changed"
            ) from exc
        try:
            self._update(change)
            self._store.flush()
            self._write_marker(
                marker_path,
                {**marker, "version": version, "pending": None, "writes": self.writes + 1},
            )
        except Exception as exc:
            self._undo(change, marker_path, marker, exc)
            if isinstance(exc, OSError):
                raise StorageFull(
                    f"the write failed ({exc}) and was undone: nothing was changed"
                ) from exc
            raise
        self.writes += 1
        self.version = version

    def revert(self, change: Change, version: str) -> None:
        """Take back ``change``, just applied, and name the store ``version`` again (a
        step after the commit failed: the write log could not record it). The reserve
        file is deleted first, to make room on a full disk."""
        self._free_reserve()
        try:
            self.apply(change.inverse(), version)
        except Exception as exc:
            self.stopped = f"a write could not be taken back after a failure ({exc})"
            raise WritesStopped(self.stopped + "; restart the server") from exc

    def close(self) -> None:
        """Let go of the store (an on-disk one's lock with it); nothing may use it after."""
        self._store = None  # type: ignore[assignment]

    def _update(self, change: Change) -> None:
        text, functions = _commit_update(change)
        if text:
            self._store.update(text, custom_functions=functions)  # type: ignore[arg-type]

    def _undo(
        self, change: Change, marker_path: Path, marker: dict[str, object], exc: Exception
    ) -> None:
        self._free_reserve()
        try:
            self.close()  # its lock is released: it can be opened again
            self._store = ox.Store(str(self.path))
            if self._holds(change):
                self._update(change.inverse())
            self._store.flush()
            self._write_marker(marker_path, marker)
        except Exception as again:
            self.stopped = (
                f"a write failed ({exc}) and could not be undone ({again}); the store "
                "takes no more writes. Free space, then restart the server: the store "
                "is opened as it is, under the version the failed write would have had"
            )
            logging.getLogger("accord.writes").error("%s", self.stopped)
            raise WritesStopped(self.stopped) from again
        logging.getLogger("accord.writes").warning(
            "a write failed and was undone, nothing changed: %s", exc
        )

    def _holds(self, change: Change) -> bool:
        """Whether ``change`` landed (it is one transaction: all of it, or none)."""
        if change.added:
            return change.added[0] in self._store
        if change.removed:
            return change.removed[0] not in self._store
        if change.created:
            return self.has_graph(change.created[0])
        return bool(change.dropped) and not self.has_graph(change.dropped[0])

    def _keep_reserve(self) -> None:
        """Make sure the reserve file is there (``OSError`` if there is no room)."""
        assert self.path is not None
        reserve = self.path / self.RESERVE
        if reserve.exists() and reserve.stat().st_size >= self.RESERVE_BYTES:
            return
        try:
            fd = os.open(reserve, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.RESERVE_BYTES)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError:
            self._free_reserve()
            raise

    def _free_reserve(self) -> None:
        if self.path is not None:
            with contextlib.suppress(OSError):
                (self.path / self.RESERVE).unlink()


def plan_on_copy(
    quads: list[ox.Quad],
    graphs: list[ox.NamedNode | ox.BlankNode],
    sparql: str,
    base_iri: str | None = None,
) -> Change:
    """The change a SPARQL Update makes to the dataset ``quads`` + ``graphs``, worked out
    on an in-memory copy (see ``OxigraphStore.plan_update``)."""
    before = set(quads)
    graphs_before = set(graphs)
    copy = ox.Store()
    copy.extend(before)
    for graph in graphs_before:
        copy.add_graph(graph)
    try:
        copy.update(sparql, base_iri=base_iri)
    except SyntaxError as exc:
        raise QuerySyntaxError(f"malformed SPARQL Update: {exc}") from exc
    except (RuntimeError, OSError, ValueError) as exc:
        raise BadRequest(f"the update failed, so nothing was changed: {exc}") from exc
    after = set(copy)
    graphs_after = set(copy.named_graphs())
    return Change(
        removed=tuple(before - after),
        added=tuple(after - before),
        # Graph names that are blank nodes (from a TriG file) cannot be named in SPARQL:
        # their quads are removed or added all the same.
        created=tuple(sorted(_iris(graphs_after - graphs_before))),
        dropped=tuple(sorted(_iris(graphs_before - graphs_after))),
    )


_TERM_FUNCTIONS = {part: ox.NamedNode(f"urn:accord:commit:{part}") for part in "spog"}


def _commit_update(change: Change) -> tuple[str, dict[ox.NamedNode, object]]:
    """One SPARQL Update that applies ``change`` (a single transaction).

    SPARQL cannot name an existing blank node, so the quads are handed to the update by
    index: custom functions return the terms of quad ``?i``, and a template variable
    bound to a blank node writes that very node (only template blank nodes are fresh)."""
    quads = [*change.removed, *change.added]

    def part(name: str) -> object:
        return lambda i: getattr(quads[int(i.value)], name)

    functions: dict[ox.NamedNode, object] = {
        _TERM_FUNCTIONS["s"]: part("subject"),
        _TERM_FUNCTIONS["p"]: part("predicate"),
        _TERM_FUNCTIONS["o"]: part("object"),
        _TERM_FUNCTIONS["g"]: part("graph_name"),
    }

    def op(verb: str, start: int, selected: Iterable[ox.Quad], default: bool) -> str | None:
        indices = [
            str(start + n)
            for n, q in enumerate(selected)
            if isinstance(q.graph_name, ox.DefaultGraph) is default
        ]
        if not indices:
            return None
        parts = "spo" if default else "spog"
        binds = " ".join(f"BIND(<{_TERM_FUNCTIONS[x].value}>(?i) AS ?{x})" for x in parts)
        template = "?s ?p ?o" if default else "GRAPH ?g { ?s ?p ?o }"
        return f"{verb} {{ {template} }} WHERE {{ VALUES ?i {{ {' '.join(indices)} }} {binds} }}"

    n = len(change.removed)
    ops = [
        op("DELETE", 0, change.removed, True),
        op("DELETE", 0, change.removed, False),
        *(f"DROP SILENT GRAPH <{g}>" for g in change.dropped),
        *(f"CREATE SILENT GRAPH <{g}>" for g in change.created),
        op("INSERT", n, change.added, True),
        op("INSERT", n, change.added, False),
    ]
    return " ;\n".join(o for o in ops if o), functions


def _open_read_only(path: Path, attempts: int = 20) -> ox.Store:
    """Open an on-disk store read-only while its writer may be flushing or compacting.

    RocksDB reads the list of table files, then opens them: a compaction in between
    deletes one, and the open fails with "Corruption: ... No such file or directory"
    (a RuntimeError).  The files are in place again at once, so the open is retried."""
    for attempt in range(attempts):
        try:
            return ox.Store.read_only(str(path))
        except RuntimeError as exc:
            if "No such file" not in str(exc) or attempt == attempts - 1:
                raise OSError(f"cannot open the store read-only: {exc}") from exc
            time.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _iris(nodes: Iterable[object]) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ox.NamedNode)]


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _json_term(value: dict[str, str]) -> Identifier:
    """A term of the SPARQL JSON results format as an rdflib term."""
    if value["type"] == "uri":
        return URIRef(value["value"])
    if value["type"] == "bnode":
        return BNode(value["value"])
    if "xml:lang" in value:
        return RdfLiteral(value["value"], lang=value["xml:lang"])
    datatype = value.get("datatype")
    return RdfLiteral(value["value"], datatype=URIRef(datatype) if datatype else None)
