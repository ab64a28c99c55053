"""The one store interface every route and command reads from.

``OxigraphStore`` is the embedded default: pyoxigraph in memory (or on disk with a
path).  Each RDF file is loaded into its own named graph; queries see the union of
all graphs as their default graph unless the request names the default graph.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

import pyoxigraph as ox
from rdflib import BNode, URIRef
from rdflib import Literal as RdfLiteral
from rdflib.term import Identifier

from app.dataset import QUAD_FORMATS, GraphFile, dataset_version
from app.errors import DataLoadError, QuerySyntaxError
from app.namespaces import PREFIXES

ResultKind = Literal["solutions", "boolean", "graph"]

#: Result media types per result kind, in order of preference.
SOLUTION_FORMATS: dict[str, ox.QueryResultsFormat] = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


class QueryResult(Protocol):
    kind: ResultKind

    def serialize(self, media_type: str) -> bytes: ...


class Store(Protocol):
    """What Accord needs of a store, embedded or external."""

    version: str

    def query(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult: ...

    def graph_sizes(self) -> dict[str, int]: ...

    def select(self, sparql: str) -> list[dict[str, Identifier]]: ...


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


def _graph_node(iri: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.NamedNode(iri)


class OxigraphStore:
    """The embedded store: pyoxigraph, in memory or on disk."""

    def __init__(
        self,
        files: Iterable[GraphFile] = (),
        path: Path | None = None,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        self._store = ox.Store(str(path)) if path else ox.Store()
        self.files = list(files)
        self.prefixes = dict(prefixes or PREFIXES)
        for gf in self.files:
            self._load(gf)
        self.version = dataset_version(self.files)

    def _load(self, gf: GraphFile) -> None:
        kwargs: dict[str, object] = {
            "path": str(gf.path),
            "format": gf.format,
            "base_iri": gf.path.resolve().as_uri(),
        }
        if gf.format not in QUAD_FORMATS:
            kwargs["to_graph"] = ox.NamedNode(gf.graph)
        try:
            self._store.load(**kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise DataLoadError(f"{gf.path}: {exc}") from exc

    def query(
        self,
        sparql: str,
        *,
        default_graphs: list[str] | None = None,
        named_graphs: list[str] | None = None,
        base_iri: str | None = None,
    ) -> OxigraphResult:
        kwargs: dict[str, object] = {}
        if default_graphs:
            kwargs["default_graph"] = [_graph_node(g) for g in default_graphs]
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
        try:
            value = self._store.query(sparql, base_iri=base_iri, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from exc
        if isinstance(value, ox.QueryBoolean):
            return OxigraphResult("boolean", value, self.prefixes)
        if isinstance(value, ox.QuerySolutions):
            return OxigraphResult("solutions", value, self.prefixes)
        return OxigraphResult("graph", value, self.prefixes)

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
