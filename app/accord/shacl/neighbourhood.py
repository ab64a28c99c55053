"""The graph pySHACL writes the report over: the part of the data the nodes found read.

:func:`neighbourhood` takes, from the store, the triples pySHACL reads to validate some
nodes against their shapes (as deep as those shapes look, blank nodes whole), each term as
rdflib reads it; :func:`whole_graph` takes all of the data, for the shapes the compiler
leaves to pySHACL.  Both bind the prefixes the data files bind, as rdflib's parse would,
since pySHACL's messages name nodes with them.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import pyoxigraph as ox
from rdflib import RDFS, Graph, Literal
from rdflib.term import Node

from accord.shacl import sparql_constraints
from accord.shacl.compiler import Plan
from accord.shacl.oxdata import OxData, to_ox

_SUBCLASS = ox.NamedNode(str(RDFS.subClassOf))


def _bound_graph(data: OxData) -> Graph:
    """An empty graph with the prefixes the data files bind, bound as
    :class:`~accord.shacl.validation.LoadedFiles` binds them."""
    graph = Graph()
    for file in data.files:
        if file.data:
            for prefix, namespace in file.bindings:
                graph.bind(prefix, namespace, override=False)
    return graph


def neighbourhood(
    data: OxData,
    plan: Plan,
    candidates: dict[Node, set[Any]],
    rows: list[sparql_constraints.Row],
) -> Graph:
    """What pySHACL reads to validate the candidates against their shapes: the triples of
    each candidate and of the nodes it leads to, as many levels deep as its shapes look
    (``Unit.need``), blank nodes always whole (pySHACL describes them in messages), the
    triples by which a candidate is a target of sh:targetObjectsOf, and the subclass axioms
    of the data (the ontology's are mixed in by pySHACL); and the nodes of the SHACL-SPARQL
    results, whose messages may name them."""
    graphs = data.graphs()
    graph = _bound_graph(data)
    depth: dict[Any, int] = {}
    queue: deque[Any] = deque()

    def push(node: Any, levels: int) -> None:
        if type(node) is ox.Literal or depth.get(node, -1) >= levels:
            return
        depth[node] = levels
        queue.append(node)

    needs = {unit.shape: unit for unit in plan.units}
    for shape, nodes in candidates.items():
        unit = needs[shape]
        for node in nodes:
            push(node, unit.need)
            for p in unit.object_targets:
                for g in graphs:
                    for quad in data.store.quads_for_pattern(None, ox.NamedNode(str(p)), node, g):
                        _add_triple(graph, data, quad.triple)
                        push(quad.subject, 0)
    for _, this, path, value, row in rows:
        for term in (this, path, value, *row.values()):
            if term is not None and not isinstance(term, Literal):
                push(to_ox(term), 1 if term is this else 0)
    for g in graphs:
        for quad in data.store.quads_for_pattern(None, _SUBCLASS, None, g):
            _add_triple(graph, data, quad.triple)
            push(quad.object, 0)
    expanded: dict[Any, int] = {}
    while queue:
        node = queue.popleft()
        levels = depth[node]
        blank = type(node) is ox.BlankNode
        if (levels <= 0 and not blank) or expanded.get(node, -1) >= levels:
            continue
        expanded[node] = levels
        for triple in data.outgoing(node, graphs):
            _add_triple(graph, data, triple)
            push(triple.object, levels - 1)
    return graph


def _add_triple(graph: Graph, data: OxData, triple: Any) -> None:
    """A triple of the store as rdflib reads it (the literals rdflib reads there, for an
    ambiguous one)."""
    s, p, o = triple.subject, triple.predicate, triple.object
    if o in data.census.ambiguous:
        for original in data.originals.get((s, p, o), ()):
            graph.add((data.rdflib(s), data.rdflib(p), original))
        return
    graph.add((data.rdflib(s), data.rdflib(p), data.rdflib(o)))


def whole_graph(data: OxData) -> Graph:
    """The data and context, from the store, as rdflib terms (for shapes pySHACL runs on
    all their targets)."""
    graph = _bound_graph(data)
    for g in data.graphs():
        for quad in data.store.quads_for_pattern(None, None, None, g):
            _add_triple(graph, data, quad.triple)
    return graph
