"""The store contract: what Accord needs of a store, embedded or external, and the result
formats every store offers.  ``accord.stores.oxigraph`` (the embedded default) and
``accord.stores.remote`` (an external SPARQL 1.1 store) implement it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

import pyoxigraph as ox
from rdflib.term import Identifier

from accord.query_dataset import UNION, QueryDataset

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
        self, sparql: str, *, dataset: QueryDataset = UNION, base_iri: str | None = None
    ) -> QueryResult:
        """Run a query over ``dataset`` (see accord.query_dataset): it replaces the
        query's own FROM / FROM NAMED, which the guard has resolved into it."""
        ...

    def graph_sizes(self) -> dict[str, int]: ...

    def select(self, sparql: str) -> list[dict[str, Identifier]]: ...


@dataclass(frozen=True)
class Change:
    """What one write does: quads removed and added, named graphs created and dropped.

    It is worked out before anything is written (a SPARQL Update runs on a copy of the
    store; an upload is parsed), validated, then applied in one transaction."""

    removed: tuple[ox.Quad, ...] = ()
    added: tuple[ox.Quad, ...] = ()
    created: tuple[str, ...] = ()  # named graphs that come to exist (perhaps empty)
    dropped: tuple[str, ...] = ()  # named graphs that cease to exist

    def __bool__(self) -> bool:
        return bool(self.removed or self.added or self.created or self.dropped)

    def inverse(self) -> Change:
        """The change that undoes this one."""
        return Change(
            removed=self.added, added=self.removed, created=self.dropped, dropped=self.created
        )

    def graphs(self) -> set[str | None]:
        """The graphs the change touches; None is the default graph."""
        touched: set[str | None] = {*self.created, *self.dropped}
        for q in (*self.removed, *self.added):
            touched.add(None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name.value)
        return touched

    def digest(self) -> str:
        """A hash of the change (blank nodes by their store labels)."""
        lines = sorted(
            [f"-{q}" for q in self.removed]
            + [f"+{q}" for q in self.added]
            + [f"c{g}" for g in self.created]
            + [f"d{g}" for g in self.dropped]
        )
        return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


class WritableStore(Store, Protocol):
    """A store Accord can write to: plan a change without touching the data, then
    apply it in one transaction (see accord.writes.writer)."""

    def has_graph(self, graph: str | None) -> bool: ...

    def graph_quads(self, graph: str | None) -> list[ox.Quad]: ...

    def quads(self) -> Iterator[ox.Quad]: ...

    def quads_matching(
        self, subject: object = None, predicate: object = None, obj: object = None
    ) -> Iterator[ox.Quad]: ...

    def plan_update(self, sparql: str, *, base_iri: str | None = None) -> Change: ...

    def apply(self, change: Change, version: str) -> None: ...

    def revert(self, change: Change, version: str) -> None: ...
