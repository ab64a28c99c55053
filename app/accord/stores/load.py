"""``accord load``: publish the dataset to an external SPARQL 1.1 store, one named graph
per file, the way the embedded store holds it, plus their union in ``urn:accord:union``
(Virtuoso's default graph, see ``RemoteStore.default_dataset``).

Publishing is all or nothing as far as the store allows, and always says what it left:

1. **Stage.** Each graph is parsed locally (a bad file stops everything before the store
   is touched), then PUT as N-Triples (SPARQL 1.1 Graph Store Protocol) into its own
   staging graph ``urn:accord:staging:{version}:{n}``.  If one PUT fails, the staged
   graphs are deleted and the store still holds its previous version, untouched.
2. **Publish.** One SPARQL Update request moves every staging graph onto its graph
   (``MOVE``), drops the graphs an earlier ``accord load`` published that the dataset
   no longer has, and records the release (version and graphs) in the graph
   ``urn:accord:release``.  Oxigraph runs one update request as one transaction;
   Virtuoso's MOVE is not transactional across graphs, so if this step fails the
   report lists, per graph, whether it was published or is still staged (a staging
   graph that is gone was moved).
3. **Check.** Every published graph must hold as many triples as its files have.

Loading the same files again gives the same graphs (PUT and MOVE replace; blank nodes
are renamed per file, never merged across files).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from accord.dataset import GraphFile, dataset_version
from accord.errors import AccordError, DataLoadError
from accord.query_dataset import QueryDataset
from accord.stores.remote import (
    OWL_VERSION_INFO,
    RELEASE_GRAPH,
    SCHEMES,
    UNION_GRAPH,
    RemoteStore,
    graph_of,
)

DCTERMS_HAS_PART = "http://purl.org/dc/terms/hasPart"


@dataclass
class GraphLoad:
    """One graph of the dataset and what happened to it."""

    graph: str
    sources: list[Path]
    content: set[ox.Triple] = field(repr=False)
    staging: str = ""
    #: pending, staged, published; on failure: failed, not staged, unstaged, left staged,
    #: still staged, unknown.
    status: str = "pending"
    detail: str = ""

    @property
    def triples(self) -> int:
        return len(self.content)

    def ntriples(self) -> bytes:
        """The content as N-Triples, sorted (the same files give the same bytes)."""
        return ox.serialize(sorted(self.content, key=str), format=ox.RdfFormat.N_TRIPLES) or b""


@dataclass
class LoadReport:
    version: str
    graphs: list[GraphLoad]
    dropped: list[str] = field(default_factory=list)
    ok: bool = False
    message: str = ""


def graph_contents(files: Iterable[GraphFile]) -> list[GraphLoad]:
    """Parse the files and group their triples by named graph (N-Triples, sorted)."""
    triples: dict[str, set[ox.Triple]] = {}
    sources: dict[str, list[Path]] = {}
    for gf in files:
        try:
            quads = list(
                ox.parse(
                    path=gf.path,
                    format=gf.format,
                    base_iri=gf.path.resolve().as_uri(),
                    rename_blank_nodes=True,
                )
            )
        except (SyntaxError, OSError) as exc:
            raise DataLoadError(f"{gf.path}: {exc}") from exc
        for quad in quads:
            graph = graph_of(quad, gf)
            triples.setdefault(graph, set()).add(quad.triple)
            if gf.path not in sources.setdefault(graph, []):
                sources[graph].append(gf.path)
        if gf.graph not in triples and not quads:
            triples[gf.graph] = set()
            sources.setdefault(gf.graph, []).append(gf.path)
    return [GraphLoad(graph, sources[graph], triples[graph]) for graph in sorted(triples)]


def staging_graph(version: str, n: int) -> str:
    """Where the n-th graph of ``version`` waits to be published."""
    return f"urn:accord:staging:{version}:{n}"


def published_release(
    store: RemoteStore, release: str = RELEASE_GRAPH
) -> tuple[str | None, list[str]]:
    """The version and graphs the last ``accord load`` recorded in the store."""
    result = store.query(
        f"SELECT ?v ?g WHERE {{ GRAPH <{release}> {{ <{release}> <{OWL_VERSION_INFO}> ?v "
        f"OPTIONAL {{ <{release}> <{DCTERMS_HAS_PART}> ?g }} }} }}",
        dataset=QueryDataset.explicit([], [release]),
    )
    rows = _rows(result.serialize("application/sparql-results+json"))
    version = rows[0]["v"] if rows else None
    return version, sorted({r["g"] for r in rows if "g" in r})


def triple_counts(store: RemoteStore, graphs: list[str]) -> dict[str, int]:
    """Triples per graph for the given graphs (absent graphs: 0)."""
    if not graphs:
        return {}
    result = store.query(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        dataset=QueryDataset.explicit([], graphs),
    )
    counts = {
        r["g"]: int(r["n"]) for r in _rows(result.serialize("application/sparql-results+json"))
    }
    return {g: counts.get(g, 0) for g in graphs}


def publish(
    store: RemoteStore, *, release: str = RELEASE_GRAPH, union: str = UNION_GRAPH
) -> LoadReport:
    """Publish the store's dataset files to it (see the module docstring).  ``release``
    and ``union`` name the graphs of the release record and of the union (one pair per
    dataset sharing a store)."""
    graphs = graph_contents(store.files)
    version = dataset_version(store.files)
    everything = set().union(*(g.content for g in graphs))
    union_load = GraphLoad(union, sorted({p for g in graphs for p in g.sources}), everything)
    loads = [*graphs, union_load]
    report = LoadReport(version, loads)
    _, previous = published_release(store, release)
    for n, load in enumerate(loads):
        load.staging = staging_graph(version, n)
    # 1. Stage.
    for load in loads:
        if not load.triples:
            load.status = "staged"
            continue
        try:
            store.put_graph(load.staging, load.ntriples())
        except AccordError as exc:
            load.status, load.detail = "failed", str(exc)
            left = _unstage(store, [x for x in loads if x.status == "staged" and x.triples])
            for other in loads:
                if other.status == "pending":
                    other.status = "not staged"
                elif other.status == "staged":
                    other.status = "left staged" if other.staging in left else "unstaged"
            report.message = (
                f"nothing published: staging {load.graph} failed: {exc}. The store still "
                "holds its previous version"
                + (f"; staging graphs left behind: {', '.join(left)}" if left else "")
            )
            return report
        load.status = "staged"
    # 2. Publish in one update request.
    current = {g.graph for g in graphs}
    report.dropped = [g for g in previous if g not in current]
    try:
        store.update(_publish_update(graphs, union_load, report.dropped, version, release))
    except AccordError as exc:
        still = triple_counts(store, [x.staging for x in loads if x.triples])
        for load in loads:
            if not load.triples:
                load.status = "unknown"
            elif still[load.staging] == 0:
                load.status = "published"
            else:
                load.status, load.detail = "still staged", f"new content in {load.staging}"
        published = [x.graph for x in loads if x.status == "published"]
        report.message = (
            f"publication failed: {exc}. "
            + (
                f"Published anyway: {', '.join(published)}. "
                if published
                else "No graph was changed. "
            )
            + "Run accord load again to finish, or delete the urn:accord:staging:* graphs."
        )
        return report
    # 3. Check.
    store.refresh()
    counts = triple_counts(store, [x.graph for x in loads])
    wrong = []
    for load in loads:
        load.status = "published"
        if counts[load.graph] != load.triples:
            load.detail = f"the store holds {counts[load.graph]} triples, expected {load.triples}"
            wrong.append(load.graph)
    report.ok = not wrong
    report.message = (
        f"version {version} published"
        if report.ok
        else f"version {version} published, but {len(wrong)} graph(s) differ: {', '.join(wrong)}"
    )
    return report


def _publish_update(
    graphs: list[GraphLoad], union: GraphLoad, dropped: list[str], version: str, release: str
) -> str:
    ops = [
        f"MOVE <{x.staging}> TO <{x.graph}>" if x.triples else f"DROP SILENT GRAPH <{x.graph}>"
        for x in [*graphs, union]
    ]
    ops += [f"DROP SILENT GRAPH <{g}>" for g in dropped]
    record = f'<{release}> <{OWL_VERSION_INFO}> "{version}"'
    if graphs:
        record += f" ; <{DCTERMS_HAS_PART}> " + " , ".join(f"<{x.graph}>" for x in graphs)
    ops.append(f"DROP SILENT GRAPH <{release}>")
    ops.append(f"INSERT DATA {{ GRAPH <{release}> {{ {record} . }} }}")
    return " ;\n".join(ops)


def _unstage(store: RemoteStore, staged: list[GraphLoad]) -> list[str]:
    """Delete staging graphs; the ones that could not be deleted."""
    left = []
    for load in staged:
        try:
            store.delete_graph(load.staging)
        except AccordError:
            left.append(load.staging)
    return left


def _rows(document: bytes) -> list[dict[str, str]]:
    bindings = json.loads(document)["results"]["bindings"]
    return [{k: v["value"] for k, v in b.items()} for b in bindings]


def run_load(store: RemoteStore, url: str, out: TextIO, err: TextIO) -> int:
    """The ``accord load`` command: publish, print one line per graph; exit status 0 when
    published and checked, 1 otherwise."""
    started = time.monotonic()
    print(f"accord load: {len(store.files)} files to {url}", file=out)
    try:
        report = publish(store)
    except AccordError as exc:
        print(f"accord load: nothing published: {exc}", file=err)
        return 2 if isinstance(exc, DataLoadError) else 1
    for load in report.graphs:
        line = f"  {load.status:<12} {load.graph}  {load.triples} triples"
        print(line + (f"  ({load.detail})" if load.detail else ""), file=out)
    for graph in report.dropped:
        print(f"  {'dropped':<12} {graph}  (no longer in the dataset)", file=out)
    elapsed = time.monotonic() - started
    stream = out if report.ok else err
    print(f"accord load: {report.message} ({elapsed:.1f} s)", file=stream)
    return 0 if report.ok else 1


def load_command(
    url: str | None, paths: list[Path], named: dict[str, Path], out: TextIO, err: TextIO
) -> int:
    """``accord load [--store URL] [--graph IRI=PATH] [PATH ...]``."""
    from accord.dataset import DatasetError, graph_files
    from accord.settings import bundled_paths, get_settings

    settings = get_settings()
    url = url or settings.store
    if not url.startswith(SCHEMES):
        print(
            "accord load: give the store's query endpoint as --store sparql+http(s)://host:port/path "
            f"(or ACCORD_STORE); got {url or 'nothing'!r}",
            file=err,
        )
        return 2
    try:
        files = graph_files(paths or ([] if named else bundled_paths()), named, settings.base_iri)
        store = RemoteStore.from_url(url, files, settings)
    except (DatasetError, AccordError) as exc:
        print(f"accord load: {exc}", file=err)
        return 2
    try:
        return run_load(store, url, out, err)
    finally:
        store.close()
