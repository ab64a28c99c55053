"""SHACL-SPARQL in Oxigraph (app/accord/shacl/sparql_constraints.py) finds exactly what pySHACL finds.

Every shape fixture is validated both ways, pure pySHACL and pySHACL plus the bulk
constraints in Oxigraph, and the results must be the same, field by field.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import BNode, Node

from accord.namespaces import PREFIXES
from accord.shacl.sparql_constraints import _as_minus, split
from accord.shacl.validation import run_shacl
from tests.shapes.support import INVALID, VALID, ontology, shapes, with_base

Row = tuple[str, ...]


def _term(results: Graph, node: Node | None) -> str:
    """A result field; a blank node (a SHACL-SPARQL constraint) by its query."""
    if isinstance(node, BNode):
        return str(results.value(node, SH.select) or sorted(results.predicate_objects(node)))
    return "-" if node is None else node.n3()


def _rows(results: Graph) -> list[Row]:
    rows = []
    for result in results.objects(None, SH.result):
        fields = [
            _term(results, results.value(result, p))
            for p in (
                SH.focusNode,
                SH.resultPath,
                SH.value,
                SH.resultSeverity,
                SH.sourceShape,
                SH.sourceConstraintComponent,
                SH.sourceConstraint,
            )
        ]
        fields.append(" / ".join(sorted(m.n3() for m in results.objects(result, SH.resultMessage))))
        rows.append(tuple(fields))
    return sorted(rows)


def _both(path: Path) -> tuple[tuple[bool, list[Row], str], tuple[bool, list[Row], str]]:
    out = []
    for bulk in (False, True):
        conforms, results, text = run_shacl(with_base(path), shapes(), ontology(), bulk_sparql=bulk)
        conforms_node = next(results.objects(None, SH.conforms))
        assert conforms_node == Literal(conforms)
        out.append((conforms, _rows(results), "\n".join(sorted(text.splitlines()))))
    return out[0], out[1]


def test_the_shapes_have_bulk_constraints() -> None:
    core, bulk = split(shapes())
    assert len(bulk) == len(list(shapes().objects(None, SH.sparql))) == 6
    assert not list(core.objects(None, SH.sparql))
    assert all("MINUS" in c.query for c in bulk if "NOT EXISTS" in c.helper.select_text)


@pytest.mark.parametrize("path", INVALID + VALID, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_results_both_ways(path: Path) -> None:
    (pure_ok, pure, pure_text), (split_ok, split_rows, split_text) = _both(path)
    assert split_ok == pure_ok
    assert split_rows == pure
    assert split_text == pure_text
    assert pure_ok == (path in VALID)


def test_the_sparql_fixtures_are_found_in_oxigraph() -> None:
    """The SHACL-SPARQL fixtures fail for their SHACL-SPARQL shape on the bulk path."""
    fixtures = [p for p in INVALID if "SPARQLConstraintComponent" in p.read_text()]
    assert len(fixtures) >= 6
    for path in fixtures:
        _, rows, _ = _both(path)[1]
        assert any(r[5].endswith("#SPARQLConstraintComponent>") for r in rows), path.name


def test_not_exists_becomes_minus_only_where_it_means_the_same() -> None:
    plain = " ?this a ?c . FILTER NOT EXISTS { ?this ?p ?o } }"
    assert "MINUS { ?this ?p ?o }" in _as_minus(plain)
    for kept in (
        " OPTIONAL { ?this ?q ?c } FILTER NOT EXISTS { ?this ?p ?o } }",  # ?c may be unbound
        " ?this a ?c . FILTER NOT EXISTS { ?x ?p ?o } }",  # nothing shared: MINUS keeps all
        " ?this a ?c . FILTER NOT EXISTS { ?this ?p ?o FILTER (?o != ?c) } }",
        " ?this a ?c . FILTER NOT EXISTS { ?this ?p ?o } ?o ?q ?c . }",  # ?o bound later
    ):
        assert _as_minus(kept) == kept


@pytest.mark.parametrize("label", ["b0", "not a valid label!"])
def test_blank_focus_nodes_come_back_as_themselves(label: str) -> None:
    """A blank-node focus node (even one whose label Oxigraph refuses) is reported as the
    same node both ways."""
    path = next(p for p in INVALID if p.stem == "signature-person-absent")
    iri, blank = URIRef(PREFIXES["id"] + "x-signature"), BNode(label)
    graphs = []
    for _ in (False, True):
        graph = Graph()
        for s, p, o in with_base(path):
            graph.add((blank if s == iri else s, p, blank if o == iri else o))
        graphs.append(graph)
    reports = [
        run_shacl(graph, shapes(), ontology(), bulk_sparql=bulk)[1]
        for graph, bulk in zip(graphs, (False, True), strict=True)
    ]
    assert _rows(reports[1]) == _rows(reports[0])
    sparql = [
        r
        for r in reports[1].objects(None, SH.result)
        if reports[1].value(r, SH.sourceConstraintComponent) == SH.SPARQLConstraintComponent
    ]
    assert [reports[1].value(r, SH.focusNode) for r in sparql] == [blank]


@pytest.mark.parametrize(
    "select",
    [
        "SELECT $this WHERE { $this ?p ?o } LIMIT 1",  # one row per focus node, not in all
        "SELECT $this (COUNT(?o) AS ?n) WHERE { $this ?p ?o } GROUP BY $this",
        "SELECT ?o WHERE { $this ?p ?o }",  # $this not selected
        "SELECT $this WHERE { $this ?p ?o . FILTER (?o = $currentShape) }",
    ],
)
def test_per_focus_queries_stay_in_pyshacl(select: str) -> None:
    graph = Graph().parse(
        data=f"""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:s> a sh:NodeShape ; sh:targetClass <urn:C> ;
            sh:sparql [ sh:select \"\"\"{select}\"\"\" ] .
        """,
        format="turtle",
    )
    core, bulk = split(graph)
    assert bulk == []
    assert len(core) == len(graph)
