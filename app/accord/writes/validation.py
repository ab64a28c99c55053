"""Validating a write before it is committed: would the data still conform?

``Guard`` keeps the data as rdflib sees it (every graph of the store except the ontology
and shapes graphs, merged, with the ontology mixed in as ``accord validate`` mixes it)
in memory, built at the first write and then kept in step with each committed change.
``check(change)`` applies the change to that graph, validates it with pySHACL against
the shapes, and either keeps it (the caller commits the change, or calls ``undo`` if the
commit fails) or takes it back and raises ``ValidationFailed`` with the report.  So a
small write into a large store costs the size of the write, not of the store.

The whole merged data graph is validated, not only the graphs the write touches: a shape
may need facts from another graph (a commitment in one graph, the type of its committing
state in another), and removing a fact from one graph can break data in another.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from accord.errors import AccordError
from accord.shacl.report import Violation, format_json, format_text, format_turtle, violations
from accord.shacl.validation import validate_graph
from accord.stores.base import Change, WritableStore
from accord.stores.oxigraph import to_rdflib

DEFAULT = "default"  # how reports name the store's own default graph

Triple = tuple[Node, Node, Node]


class ValidationFailed(AccordError):
    """The data would not conform after the write: nothing was changed."""

    status = 422

    def __init__(self, results: Graph, rows: list[Violation], text: str) -> None:
        super().__init__(text)
        self.results = results
        self.rows = rows
        self.text = text

    def report(self, media_type: str) -> str:
        if media_type == "text/turtle":
            return format_turtle(self.results)
        if media_type == "application/json":
            return format_json(self.rows)
        return self.text


def graph_label(node: ox.NamedNode | ox.BlankNode | ox.DefaultGraph) -> str:
    return DEFAULT if isinstance(node, ox.DefaultGraph) else str(node.value)


def _triple(quad: ox.Quad) -> Triple | None:
    try:
        return (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
    except TypeError:  # an RDF-star quoted triple: rdflib cannot hold it
        return None


def _copy(graph: Graph) -> Graph:
    out = Graph()
    out += graph
    return out


@dataclass
class Guard:
    """The SHACL check of writes to one store (not thread-safe: the writer holds a lock)."""

    store: WritableStore
    shapes: Graph
    ontology: Graph
    #: Graphs left out of the data: those holding the ontology and the shapes.
    protected: frozenset[str] = frozenset()
    _data: Graph | None = None
    _undo: tuple[list[Triple], list[Triple]] = field(default_factory=lambda: ([], []))

    def __post_init__(self) -> None:
        if (None, SH.rule, None) in self.shapes:
            # pySHACL runs rules in place: they would write into the data graph.
            raise ValueError("write validation does not support shapes with sh:rule")

    def data(self) -> Graph:
        """The merged data graph as the store holds it now (built once)."""
        if self._data is None:
            graph = Graph()
            graph += self.ontology
            for quad in self.store.quads():
                if graph_label(quad.graph_name) not in self.protected:
                    triple = _triple(quad)
                    if triple is not None:
                        graph.add(triple)
            self._data = graph
        return self._data

    def check(self, change: Change) -> None:
        """Apply ``change`` to the data graph and validate it; on failure take the change
        back and raise ``ValidationFailed``.  On success the data graph holds the change:
        call ``undo()`` if the commit then fails."""
        data = self.data()
        added, removed = self._delta(change)
        new = [t for t in added if t not in data]
        gone = [t for t in removed if t in data]
        for t in gone:
            data.remove(t)
        for t in new:
            data.add(t)
        self._undo = (new, gone)
        try:
            # The ontology is in the data graph already: give pySHACL none to mix in (it
            # would add a fresh copy of the ontology's blank nodes on every run).
            conforms, results, _ = validate_graph(data, _copy(self.shapes), Graph())
        except BaseException:
            self.undo()
            raise
        if not conforms:
            self.undo()
            raise self._failure(results, change)

    def undo(self) -> None:
        """Take back the change that the last ``check`` applied to the data graph."""
        new, gone = self._undo
        if self._data is not None:
            for t in new:
                self._data.remove(t)
            for t in gone:
                self._data.add(t)
        self._undo = ([], [])

    def _delta(self, change: Change) -> tuple[list[Triple], list[Triple]]:
        """The triples the merged data gains and loses.  A removed quad's triple stays if
        another data graph still holds it after the change, or if the ontology has it."""
        kept = [q for q in change.added if graph_label(q.graph_name) not in self.protected]
        added = [t for t in map(_triple, kept) if t is not None]
        added_set = set(added)
        removed_quads = set(change.removed)
        removed = []
        for quad in change.removed:
            if graph_label(quad.graph_name) in self.protected:
                continue
            triple = _triple(quad)
            if triple is None or triple in added_set or triple in self.ontology:
                continue
            others = self.store.quads_matching(quad.subject, quad.predicate, quad.object)
            if any(
                q not in removed_quads and graph_label(q.graph_name) not in self.protected
                for q in others
            ):
                continue
            removed.append(triple)
        return added, removed

    def _failure(self, results: Graph, change: Change) -> ValidationFailed:
        where: dict[Node, list[str]] = {}
        for focus in set(results.objects(None, SH.focusNode)):
            where[focus] = self._graphs_of(focus, change)
        rows = violations(results, where)
        # format_text groups by "file": here each row names the graph of its focus node.
        details = format_text(rows, "", 0).rstrip("\n").rpartition("\n")[0]
        errors = sum(1 for r in rows if r.severity == "Violation")
        text = (
            "The write was refused: the data would not conform to the SHACL shapes, so "
            f"nothing was changed.\n\n{details}\n{errors} violation(s) and "
            f"{len(rows) - errors} other result(s) in the data after this write\n"
        )
        return ValidationFailed(results, rows, text)

    def _graphs_of(self, node: Node, change: Change) -> list[str]:
        """The graphs in which a focus node is a subject after the change."""
        if isinstance(node, URIRef):
            term: ox.NamedNode | ox.BlankNode = ox.NamedNode(str(node))
        elif isinstance(node, BNode):
            term = ox.BlankNode(str(node))
        else:
            return []
        removed = set(change.removed)
        quads = [q for q in self.store.quads_matching(term) if q not in removed]
        quads += [q for q in change.added if q.subject == term]
        return sorted({graph_label(q.graph_name) for q in quads})
