"""The same dataset answers the same way from every backend: the embedded store, an
Oxigraph server and Virtuoso 7 (each remote one loaded with ``accord load``'s code)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph

from accord.errors import QuerySyntaxError, StoreError
from accord.namespaces import sparql_prologue
from accord.query_dataset import UNION, QueryDataset
from accord.stores.base import GRAPH_FORMATS, SOLUTION_FORMATS, Store
from accord.stores.load import graph_contents, published_release
from accord.stores.oxigraph import OxigraphStore
from accord.stores.remote import RemoteStore, ResultTruncated
from tests.queries_support import QUERIES, query_names
from tests.stores.conftest import Backend

DATA = "https://w3id.org/accord/graph/data/paris-summit-2026-01-06"
ONTOLOGY = "https://w3id.org/accord/graph/ontology/accord"
JSON = "application/sparql-results+json"
#: pyoxigraph reads these result formats back (CSV loses term types, so it is compared
#: as text).
READABLE = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
#: rdflib parser names of the graph formats.
RDFLIB = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/n-quads": "nquads",
    "application/trig": "trig",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
LABELS = """SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(lang(?label) = "en") }"""
SHAPE_BNODES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isBlank(?s)) }"


def canonical(graph: Graph) -> set[ox.Quad]:
    """The graph's triples with canonical blank node labels (RDFC-1.0)."""
    dataset = ox.Dataset(
        ox.parse(graph.serialize(format="nt").encode(), format=ox.RdfFormat.N_TRIPLES)
    )
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(dataset)


def rows(
    store: Store, query: str, dataset: QueryDataset = UNION
) -> Counter[tuple[tuple[str, str], ...]]:
    """The result's rows as a multiset of (variable, N-Triples term) pairs; blank nodes
    all read ``_:`` since their labels are the store's own."""
    result = store.query(sparql_prologue() + query, dataset=dataset)
    parsed = ox.parse_query_results(result.serialize(JSON), format=ox.QueryResultsFormat.JSON)
    names = [v.value for v in parsed.variables]  # type: ignore[union-attr]
    out: Counter[tuple[tuple[str, str], ...]] = Counter()
    for solution in parsed:  # type: ignore[union-attr]
        out[tuple((n, _term(solution[n])) for n in names if solution[n] is not None)] += 1
    return out


def _term(term: object) -> str:
    return "_:" if isinstance(term, ox.BlankNode) else str(term)


def count(store: Store, query: str, dataset: QueryDataset = UNION) -> int:
    (row,) = rows(store, query, dataset)
    return int(dict(row)["n"].split('"')[1])


def test_graph_sizes_are_the_files_triples(backend: Backend, bundled_files: list) -> None:
    expected = {g.graph: g.triples for g in graph_contents(bundled_files)}
    assert backend.store.graph_sizes() == expected


def union_size(backend: Backend, files: list) -> int:
    """Triples in the default graph: each graph's triples added up (the embedded store
    and an Oxigraph server keep a triple once per graph that has it); on Virtuoso, whose
    default graph is the published union graph (``RemoteStore.default_dataset``), each
    distinct triple once."""
    graphs = graph_contents(files)
    if backend.name == "virtuoso":
        return len(set().union(*(g.content for g in graphs)))
    return sum(g.triples for g in graphs)


def test_default_graph_is_the_union_of_the_dataset_graphs(
    backend: Backend, bundled_files: list
) -> None:
    n = count(backend.store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert n == union_size(backend, bundled_files)
    distinct = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }"
    assert count(backend.store, distinct) == len(
        set().union(*(g.content for g in graph_contents(bundled_files)))
    )


def test_no_graph_outside_the_dataset_is_visible(backend: Backend) -> None:
    """Virtuoso's own system graphs, the release record and staging graphs stay hidden."""
    graphs = rows(backend.store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert {dict(r)["g"].strip("<>") for r in graphs} == set(backend.store.graph_sizes())
    foreign = "ASK { ?s ?p ?o FILTER(STRSTARTS(STR(?p), 'http://www.openlinksw.com/')) }"
    assert backend.store.query(foreign).serialize("text/csv") == b"false\n"


def test_protocol_default_graph_restricts_the_default_graph(backend: Backend) -> None:
    sizes = backend.store.graph_sizes()
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    n = count(backend.store, query, dataset=QueryDataset.explicit([DATA], []))
    assert n == sizes[DATA]
    both = count(backend.store, query, dataset=QueryDataset.explicit([DATA, ONTOLOGY], []))
    assert both == sizes[DATA] + sizes[ONTOLOGY]
    # FROM <g> alone, or default-graph-uri alone: no named graph.
    graphs = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert list(rows(backend.store, graphs, dataset=QueryDataset.explicit([DATA], []))) == []


def test_protocol_named_graphs_restrict_graph_patterns_only(
    backend: Backend, bundled_files: list
) -> None:
    only_named = QueryDataset.explicit([], [DATA])
    graphs = rows(
        backend.store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", dataset=only_named
    )
    assert list(graphs) == [(("g", f"<{DATA}>"),)]
    # FROM NAMED alone, or named-graph-uri alone: the default graph is empty (spec 13.2).
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert count(backend.store, query, dataset=only_named) == 0
    assert count(backend.store, query) == union_size(backend, bundled_files)


_GROUP_CONCAT = re.compile(
    r'GROUP_CONCAT\([^;]*;\s*separator\s*=\s*"([^"]*)"\s*\)\s*AS\s*\?(\w+)', re.IGNORECASE
)


def concat_order_free(query: str, found: Counter[tuple[tuple[str, str], ...]]) -> Counter:
    """The rows with each GROUP_CONCAT column reduced to its sorted parts: the order
    GROUP_CONCAT joins values in is implementation-defined (SPARQL 1.1, 18.5.1.7), and
    so is its language tag (Oxigraph keeps one all the values share; Virtuoso answers a
    simple literal, as SPARQL 1.1 defines it).  Over no values at all Virtuoso answers
    "" (as SPARQL 1.1 defines it) and Oxigraph leaves the column unbound: both read ""."""
    separators = {var: sep for sep, var in _GROUP_CONCAT.findall(query)}

    def parts_sorted(term: str, sep: str) -> str:
        end = term.rindex('"')
        return '"' + sep.join(sorted(term[1:end].split(sep))) + '"'

    out: Counter[tuple[tuple[str, str], ...]] = Counter()
    for row, n in found.items():
        cells = {var: '""' for var in separators} | dict(row)
        out[
            tuple(
                (var, parts_sorted(term, separators[var]) if var in separators else term)
                for var, term in sorted(cells.items())
            )
        ] += n
    return out


XSD = "http://www.w3.org/2001/XMLSchema#"
#: Known, documented differences of a store (docs/deployment.md), as a normalisation
#: applied to both sides before comparing; everything else must be equal.
BOOLEAN_AS_INTEGER = {f'"true"^^<{XSD}boolean>': f'"1"^^<{XSD}integer>',
                      f'"false"^^<{XSD}boolean>': f'"0"^^<{XSD}integer>'}  # fmt: skip
ALLOWED_DIFFERENCES: dict[str, dict[str, str]] = {
    # Virtuoso has no xsd:boolean: BIND(true AS ?signed) comes back as 1 (xsd:integer).
    "virtuoso": BOOLEAN_AS_INTEGER,
}


def allowing(backend: str, found: Counter) -> Counter:
    table = ALLOWED_DIFFERENCES.get(backend, {})
    out: Counter = Counter()
    for row, n in found.items():
        out[tuple((var, table.get(term, term)) for var, term in row)] += n
    return out


@pytest.mark.parametrize("name", query_names())
def test_catalogue_query_gives_the_embedded_rows(
    remote: Backend, embedded: OxigraphStore, name: str
) -> None:
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    expected = concat_order_free(text, rows(embedded, text))
    got = concat_order_free(text, rows(remote.store, text))
    assert allowing(remote.name, got) == allowing(remote.name, expected)
    assert expected or name in EMPTY_ON_BUNDLED_DATA


#: Catalogue queries that find nothing in the bundled data (by design of the data).
EMPTY_ON_BUNDLED_DATA: set[str] = set()


@pytest.mark.parametrize("media_type", list(SOLUTION_FORMATS))
def test_select_in_every_format(remote: Backend, embedded: OxigraphStore, media_type: str) -> None:
    query = sparql_prologue() + LABELS
    got = remote.store.query(query).serialize(media_type)
    want = embedded.query(query).serialize(media_type)
    if media_type in READABLE:
        fmt = READABLE[media_type]
        assert Counter(map(tuple, ox.parse_query_results(got, format=fmt))) == Counter(  # type: ignore[arg-type]
            map(tuple, ox.parse_query_results(want, format=fmt))  # type: ignore[arg-type]
        )
    else:
        read = lambda body: Counter(map(tuple, csv.reader(io.StringIO(body.decode()))))  # noqa: E731
        assert read(got) == read(want)
    assert len(want) > 1000


@pytest.mark.parametrize("media_type", list(SOLUTION_FORMATS))
@pytest.mark.parametrize("answer", [True, False])
def test_ask_in_every_format(
    remote: Backend, embedded: OxigraphStore, media_type: str, answer: bool
) -> None:
    query = (
        f"ASK {{ <{DATA}> ?p ?o }}"
        if not answer
        else sparql_prologue() + ("ASK { ?d a accord:Declaration }")
    )
    got = remote.store.query(query)
    assert got.kind == "boolean"
    assert got.serialize(media_type) == embedded.query(query).serialize(media_type)
    assert (
        bool(ox.parse_query_results(got.serialize(JSON), format=ox.QueryResultsFormat.JSON))
        is answer
    )


@pytest.mark.parametrize("media_type", list(GRAPH_FORMATS))
def test_construct_with_blank_nodes_in_every_format(
    remote: Backend, embedded: OxigraphStore, media_type: str
) -> None:
    """SHACL shapes are full of blank nodes: the remote graph is isomorphic to the
    embedded one in every RDF format, and Turtle uses the project's prefixes."""
    got = remote.store.query(SHAPE_BNODES)
    assert got.kind == "graph"
    body = got.serialize(media_type)
    want = embedded.query(SHAPE_BNODES).serialize(media_type)
    fmt = RDFLIB[media_type]
    remote_graph, embedded_graph = (
        Graph().parse(data=body, format=fmt),
        Graph().parse(data=want, format=fmt),
    )
    assert len(embedded_graph) > 100
    # Compared by RDFC-1.0 canonical form (pyoxigraph): without the shapes' IRIs to anchor
    # them, the blank nodes form identical, disconnected structures (the three sh:or
    # lists of the date shapes) on which rdflib's isomorphism search runs for minutes.
    assert canonical(remote_graph) == canonical(embedded_graph)
    if media_type == "text/turtle":
        assert b"@prefix sh: <http://www.w3.org/ns/shacl#>" in body


def test_blank_nodes_in_solutions_keep_their_identity(
    remote: Backend, embedded: OxigraphStore
) -> None:
    """The same blank node in two rows has one label, different ones have different ones
    (Virtuoso's ``nodeID://`` labels are rewritten, consistently)."""
    query = "SELECT ?b ?p WHERE { ?b ?p ?o FILTER(isBlank(?b)) }"

    def shape(store: Store) -> Counter[int]:
        doc = json.loads(store.query(query).serialize(JSON))
        per_node = Counter(b["b"]["value"] for b in doc["results"]["bindings"])
        assert all(b["b"]["type"] == "bnode" for b in doc["results"]["bindings"])
        return Counter(per_node.values())

    assert shape(remote.store) == shape(embedded)
    # and every result format can carry them
    for media_type in SOLUTION_FORMATS:
        assert remote.store.query(query).serialize(media_type)


def test_describe(remote: Backend, embedded: OxigraphStore) -> None:
    """DESCRIBE is store-defined: each store's description holds at least the statements
    whose subject is the resource (Virtuoso's may add more)."""
    query = sparql_prologue() + "DESCRIBE ?d WHERE { ?d a accord:Declaration }"
    got = set(Graph().parse(data=remote.store.query(query).serialize("text/turtle")))
    want = set(Graph().parse(data=embedded.query(query).serialize("text/turtle")))
    assert want
    assert {t for t in want if not any(isinstance(x, BNode) for x in t)} <= got


def test_syntax_error_is_a_query_syntax_error(backend: Backend) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        backend.store.query("SELECT * WHERE { ?s ?p ")
    assert caught.value.status == 400
    assert str(caught.value)


def test_select_helper_returns_rdflib_terms(backend: Backend, embedded: OxigraphStore) -> None:
    query = sparql_prologue() + "SELECT ?d ?l WHERE { ?d a accord:Declaration ; rdfs:label ?l }"
    assert sorted(map(sorted, (r.items() for r in backend.store.select(query)))) == sorted(
        map(sorted, (r.items() for r in embedded.select(query)))
    )


CROSS = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 20000"
CROSS_GRAPH = (
    "CONSTRUCT { [] <urn:x:a> ?a ; <urn:x:d> ?d } WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 20000"
)


def test_a_result_cut_by_the_store_is_refused(backend: Backend) -> None:
    """Virtuoso cuts at ResultSetMaxRows (10000) and answers 200: Accord refuses it as
    truncated (502).  Stores without a cap answer in full."""
    if backend.name == "virtuoso":
        with pytest.raises(ResultTruncated, match="10000") as caught:
            backend.store.query(CROSS)
        assert caught.value.status == 502
        with pytest.raises(ResultTruncated, match="10000"):
            backend.store.query(CROSS_GRAPH)
    else:
        doc = json.loads(backend.store.query(CROSS).serialize(JSON))
        assert len(doc["results"]["bindings"]) == 20000
    small = json.loads(backend.store.query(CROSS.replace("20000", "100")).serialize(JSON))
    assert len(small["results"]["bindings"]) == 100


def test_a_configured_row_cap_is_enforced(remote: Backend) -> None:
    """ACCORD_STORE_MAX_ROWS: any store's answer that reaches the cap is refused."""
    settings = remote.settings.model_copy(update={"store_max_rows": 50})  # type: ignore[union-attr]
    capped = RemoteStore.from_url(remote.url, remote.store.files, settings)  # type: ignore[attr-defined]
    try:
        with pytest.raises(ResultTruncated, match="50"):
            capped.query(CROSS.replace("20000", "60"))
        ok = json.loads(capped.query(CROSS.replace("20000", "49")).serialize(JSON))
        assert len(ok["results"]["bindings"]) == 49
    finally:
        capped.close()


def test_the_release_is_recorded(remote: Backend) -> None:
    version, graphs = published_release(remote.store)  # type: ignore[arg-type]
    assert version == remote.store.version
    assert graphs == sorted(remote.store.graph_sizes())


def test_a_store_that_is_down_is_a_store_error(bundled_files: list) -> None:
    store = RemoteStore.from_url("sparql+http://127.0.0.1:9/query", bundled_files)
    with pytest.raises(StoreError) as caught:
        store.query("ASK {}")
    assert caught.value.status == 502
    assert "127.0.0.1:9" in str(caught.value)
