"""Helpers for the linked-data tests: parse any representation the server answers; the
browser fixtures of tests/browser/ (Chromium over CDP) for test_browser.py."""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph

from accord.jsonld import to_nquads
from tests.browser.conftest import artifacts, browser, chromium, page  # noqa: F401  (fixtures)

ID = "https://w3id.org/accord/id/"
CONCEPT = "https://w3id.org/accord/concept/"
ONTOLOGY = "https://w3id.org/accord/ontology"
GRAPH = "https://w3id.org/accord/graph/"
ACCORD = ONTOLOGY + "#"

RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/n-quads": "nquads",
    "application/trig": "trig",
}


#: Where a JSON-LD document served by the in-process test client names its context.
TEST_CONTEXT = "http://testserver/context.jsonld"


def parse_rdf(body: bytes, media_type: str) -> Graph:
    """A representation as an rdflib graph; JSON-LD goes through Accord's own context
    loader (it refers to the published context, which is never fetched)."""
    media_type = media_type.split(";")[0].strip()
    g = Graph()
    if media_type == "application/ld+json":
        import json

        doc = json.loads(body)  # its context named on the test server
        g.parse(data=to_nquads(doc, also=[TEST_CONTEXT]), format="nt")  # no graph names
    else:
        g.parse(data=body, format=RDFLIB_FORMATS[media_type])
    return g


def triples_of(body: bytes, media_type: str) -> set[ox.Triple]:
    g = parse_rdf(body, media_type)
    return {
        ox.Triple(*(_ox(t) for t in triple))  # type: ignore[arg-type]
        for triple in g.triples((None, None, None))
        if not any(type(t).__name__ == "BNode" for t in triple)
    }


def _ox(term: object) -> object:
    from rdflib import Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(
            str(term),
            datatype=ox.NamedNode(str(term.datatype or "http://www.w3.org/2001/XMLSchema#string")),
        )
    raise TypeError(term)
