"""The RDF dataset a query runs over (SPARQL 1.1 Query section 13.2, Protocol 2.1.4).

One value, in one of three states, that the guard produces once from the query's
``FROM`` / ``FROM NAMED`` clauses (resolved against BASE chains and PREFIXes) or from
the protocol's ``default-graph-uri`` / ``named-graph-uri``, and that every store
honours the same way:

- :data:`UNION`, when neither names a graph: the default graph is the union of the
  store's graphs, and every graph is a named graph;
- explicit graphs: the default graph is the merge of ``default``, the named graphs
  are ``named`` (``FROM <g>`` alone: no named graph);
- an empty default graph (``default == ()``): ``FROM NAMED <g>`` alone, or only
  ``named-graph-uri``; by the spec the default graph is then empty.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class QueryDataset:
    #: The graphs whose merge is the default graph; None: the union of every graph.
    default: tuple[str, ...] | None = None
    #: The named graphs; None: every graph of the store.
    named: tuple[str, ...] | None = None

    @classmethod
    def explicit(cls, default: Iterable[str], named: Iterable[str]) -> QueryDataset:
        """The dataset that FROM / FROM NAMED (or the protocol's parameters) describe."""
        return cls(tuple(default), tuple(named))

    @property
    def is_union(self) -> bool:
        return self.default is None and self.named is None


#: The store's own dataset: the union default graph and every named graph.
UNION = QueryDataset()
