"""The nodes a validation is about, asked node by node of the store.

The same sets as :func:`~accord.shacl.validation.described` and
:func:`~accord.shacl.validation.focus_of` compute over rdflib's graph, for the compiled
engine (app/accord/shacl/compiled.py): the nodes the data files describe, and the nodes
a change to some of them can make invalid.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

import pyoxigraph as ox

from accord.shacl.oxdata import OxData, to_ox


class Described:
    """The nodes the data files describe: their subjects, and the nodes that hold one of
    their blank nodes (again and again), as :func:`~accord.shacl.validation.described`
    says, asked node by node of the store."""

    def __init__(self, data: OxData) -> None:
        self.data = data
        self.subjects_in = data.graphs(context=False)
        self.graphs = data.graphs()
        self.known: dict[Any, bool] = {}

    def __contains__(self, node: object) -> bool:
        found = self.known.get(node)
        if found is None:
            found = self._described(node)
            self.known[node] = found
        return found

    def _described(self, node: Any) -> bool:
        """Whether a subject of a data file is ``node``, or is reached from it through
        blank nodes only."""
        pending, seen = [node], {node}
        while pending:
            current = pending.pop()
            if type(current) is ox.Literal:
                continue
            if self.known.get(current) or self.data.is_subject(current, self.subjects_in):
                return True
            for triple in self.data.outgoing(current, self.graphs):
                held = triple.object
                if type(held) is ox.BlankNode and held not in seen:
                    seen.add(held)
                    pending.append(held)
        return False


def changed_focus(data: OxData, changed: set[str]) -> set[Any]:
    """:func:`~accord.shacl.validation.focus_of`, over the store."""
    graphs = data.graphs()
    touched = {
        quad.subject
        for file in data.files
        if file.data and file.name in changed
        for quad in data.store.quads_for_pattern(None, None, None, file.graph)
    }
    referrers = {
        quad.subject
        for node in touched
        for g in graphs
        for quad in data.store.quads_for_pattern(None, None, node, g)
    }
    found: set[Any] = set()
    pending = list(touched | referrers)
    while pending:
        node = pending.pop()
        if node in found:
            continue
        found.add(node)
        if type(node) is ox.BlankNode:
            pending.extend(
                q.subject for g in graphs for q in data.store.quads_for_pattern(None, None, node, g)
            )
    return found


class RdflibFocus:
    """A set of store terms, asked about rdflib terms."""

    def __init__(self, nodes: Container[Any]) -> None:
        self.nodes = nodes

    def __contains__(self, node: object) -> bool:
        try:
            return to_ox(node) in self.nodes  # type: ignore[arg-type]
        except TypeError:
            return False
