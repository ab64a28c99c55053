"""The named queries as rdflib's SPARQL engine evaluates them.

The benchmark (benchmarks/) runs the catalogue, bound and unbound, against
rdflib-endpoint as a peer, so a named query must not be one that rdflib evaluates as a
cross product once a parameter is bound.  Cost is counted as the triples rdflib's engine
reads from the graph (a deterministic count, not a timing): bound to one declaration,
``signatories`` must read no more than it does unbound.  Its first parametrised shape
(labels and source joined after the UNION) read millions at 10k triples (commit 6fb3e78).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph

from accord.dataset import graph_files
from accord.namespaces import sparql_prologue
from accord.settings import bundled_paths
from accord.stores.oxigraph import OxigraphStore
from benchmarks import generate
from tests import REPO
from tests.queries_support import catalogue

#: ``signatories`` as it was before it took a parameter: its answers without one must
#: stay these.
SIGNATORIES_BEFORE = """
SELECT ?declaration ?declarationLabel ?agent ?agentLabel ?signed ?source
WHERE {
  {
    ?s a accord:Signature ; accord:signatory ?agent ; accord:declaration ?declaration .
    BIND(true AS ?signed)
  } UNION {
    ?s a accord:NonSignature ; accord:nonSignatory ?agent ; accord:declaration ?declaration .
    BIND(false AS ?signed)
  }
  ?s prov:wasDerivedFrom ?source .
  ?declaration rdfs:label ?declarationLabel .
  ?agent rdfs:label ?agentLabel .
}
ORDER BY ?declarationLabel DESC(?signed) ?agentLabel
"""


class TooCostly(Exception):
    """rdflib read more triples than the test allows."""


class CountingGraph(Graph):
    """A graph that counts the triples rdflib's engine reads, and stops at ``limit``."""

    read = 0
    limit: int | None = None

    def triples(self, pattern: Any) -> Iterator[Any]:  # type: ignore[override]
        for t in super().triples(pattern):
            self.read += 1
            if self.limit is not None and self.read > self.limit:
                raise TooCostly(f"read more than {self.limit} triples")
            yield t

    def rows(self, text: str, limit: int | None = None) -> list[tuple[str, ...]]:
        self.read, self.limit = 0, limit
        try:
            return [tuple(str(v) if v is not None else "" for v in row) for row in self.query(text)]  # type: ignore[union-attr]
        finally:
            self.limit = None


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The ontology and a small graph of the benchmark's generator (8 summits)."""
    out = tmp_path_factory.mktemp("generated") / "accord-2k.nt"
    generate.generate(2_000, out)
    return [REPO / "ontology" / "accord.ttl", REPO / "ontology" / "concepts.ttl", out]


@pytest.fixture(scope="module")
def rdflib_graph(generated: list[Path]) -> CountingGraph:
    g = CountingGraph()
    for path in generated:
        g.parse(path)
    return g


def test_signatories_bound_reads_no_more_than_unbound_in_rdflib(
    rdflib_graph: CountingGraph,
) -> None:
    query = catalogue()["signatories"]
    everything = rdflib_graph.rows(query.text)
    unbound = rdflib_graph.read
    declaration = "id:bench-u1-declaration"
    one = rdflib_graph.rows(query.bind({"declaration": declaration}), limit=unbound)
    assert one and {r[0] for r in one} == {generate.PREFIXES["id"] + "bench-u1-declaration"}
    assert sorted(one) == sorted(r for r in everything if r[0].endswith("bench-u1-declaration"))


def _oxigraph_rows(store: OxigraphStore, text: str) -> list[tuple[str, ...]]:
    variables = ["declaration", "declarationLabel", "agent", "agentLabel", "signed", "source"]
    return [tuple(str(row.get(v, "")) for v in variables) for row in store.select(text)]


def test_signatories_unbound_answers_as_before_the_parameter(
    generated: list[Path], rdflib_graph: CountingGraph
) -> None:
    now = catalogue()["signatories"].text
    before = sparql_prologue() + SIGNATORIES_BEFORE
    for paths in (bundled_paths(), generated):
        store = OxigraphStore(graph_files(paths))
        rows = _oxigraph_rows(store, now)
        assert rows and rows == _oxigraph_rows(store, before)  # the same rows, same order
    assert sorted(rdflib_graph.rows(now)) == sorted(rdflib_graph.rows(before))


def test_signatories_answers_the_same_in_rdflib_and_pyoxigraph(
    generated: list[Path], rdflib_graph: CountingGraph
) -> None:
    text = catalogue()["signatories"].bind({"declaration": "id:bench-u2-declaration"})
    ours = _oxigraph_rows(OxigraphStore(graph_files(generated)), text)
    assert ours and sorted(ours) == sorted(rdflib_graph.rows(text, limit=100_000))
