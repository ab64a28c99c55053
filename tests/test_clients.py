"""Real SPARQL clients against a live server over the fixture dataset: SPARQLWrapper,
rdflib's SPARQLStore and httpx."""

from __future__ import annotations

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper

EX = "http://example.org/"
AGES = "SELECT ?s ?age WHERE { ?s <http://example.org/age> ?age } ORDER BY ?s"
CONSTRUCT = (
    "CONSTRUCT { ?s <http://example.org/age> ?age } WHERE { ?s <http://example.org/age> ?age }"
)
EXPECTED = {(EX + "alice", 30), (EX + "bob", 40)}


def test_sparqlwrapper_select_json(fixture_server: str) -> None:
    sparql = SPARQLWrapper(f"{fixture_server}/sparql")
    sparql.setQuery(AGES)
    sparql.setReturnFormat(JSON)
    result = sparql.queryAndConvert()
    rows = {(b["s"]["value"], int(b["age"]["value"])) for b in result["results"]["bindings"]}  # type: ignore[index]
    assert rows == EXPECTED


def test_sparqlwrapper_select_by_post(fixture_server: str) -> None:
    sparql = SPARQLWrapper(f"{fixture_server}/sparql")
    sparql.setMethod(POST)
    sparql.setQuery(AGES)
    sparql.setReturnFormat(JSON)
    assert len(sparql.queryAndConvert()["results"]["bindings"]) == 2  # type: ignore[index]


@pytest.mark.parametrize("return_format", [None, TURTLE])
def test_sparqlwrapper_construct(fixture_server: str, return_format: str | None) -> None:
    sparql = SPARQLWrapper(f"{fixture_server}/sparql")
    sparql.setQuery(CONSTRUCT)
    if return_format:
        sparql.setReturnFormat(return_format)
    converted = sparql.queryAndConvert()
    g = (
        converted
        if isinstance(converted, Graph)
        else Graph().parse(data=converted, format="turtle")
    )
    assert {(str(s), o.toPython()) for s, _, o in g} == EXPECTED


def test_sparqlwrapper_sees_a_syntax_error(fixture_server: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    sparql = SPARQLWrapper(f"{fixture_server}/sparql")
    sparql.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed, match="malformed SPARQL query"):
        sparql.query()


def test_rdflib_sparqlstore_select(fixture_server: str) -> None:
    store = SPARQLStore(f"{fixture_server}/sparql")
    graph = Graph(store)
    rows = {(str(r.s), r.age.toPython()) for r in graph.query(AGES)}  # type: ignore[union-attr]
    assert rows == EXPECTED
    assert graph.query(f"ASK {{ <{EX}alice> <{EX}age> 30 }}").askAnswer is True
    assert (URIRef(EX + "bob"), URIRef(EX + "age"), Literal(40)) in graph


def test_httpx_get_post_and_negotiation(fixture_server: str) -> None:
    with httpx.Client(base_url=fixture_server) as http:
        r = http.get("/sparql", params={"query": AGES})
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/sparql-results+json"
        assert r.headers["vary"] == "Accept"
        assert len(r.json()["results"]["bindings"]) == 2
        r = http.post(
            "/sparql",
            content=AGES,
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "text/csv;q=0.9, */*;q=0.1",
            },
        )
        assert r.headers["content-type"] == "text/csv; charset=utf-8"
        assert r.text.splitlines() == ["s,age", f"{EX}alice,30", f"{EX}bob,40"]
        r = http.head("/sparql")
        assert r.status_code == 200 and r.content == b""
        assert int(r.headers["content-length"]) == len(http.get("/sparql").content)
        assert http.get("/sparql", params={"query": "ASK {"}).status_code == 400
        assert http.post("/sparql", data={"update": "CLEAR ALL"}).status_code == 403


def test_rdflib_and_pyld_load_a_json_ld_resource_document_from_the_server(
    live_server: str,
) -> None:
    # The base IRI (https://w3id.org/accord/) does not resolve here (no network): the
    # document names its context on the server that answered, so both load it there.
    from pyld import jsonld

    url = f"{live_server}/id/FR.jsonld"
    g = Graph().parse(url, format="json-ld")
    fr = URIRef("https://w3id.org/accord/id/FR")
    assert (fr, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), None) in g
    turtle = Graph().parse(f"{live_server}/id/FR.ttl", format="turtle")
    assert len(g) == len(turtle) > 10
    expanded = jsonld.expand(url)
    nodes = (
        {n["@id"]: n for n in expanded[0]["@graph"]}
        if "@graph" in expanded[0]
        else {n["@id"]: n for n in expanded}
    )
    assert "https://w3id.org/accord/ontology#State" in nodes[str(fr)]["@type"]
