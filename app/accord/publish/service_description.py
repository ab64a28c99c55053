"""The SPARQL 1.1 Service Description of the running endpoint.

Built from the live server, not written by hand: the endpoint's own URL, the result
formats the negotiation module really offers, and one ``sd:namedGraph`` per graph of
the store with its size, under a default dataset whose default graph is their union.
"""

from __future__ import annotations

import pyoxigraph as ox

from accord.query.negotiation import OFFERS
from accord.stores.base import GRAPH_FORMATS, Store

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
DCTERMS = "http://purl.org/dc/terms/"

#: The W3C format IRI of each media type Accord answers with.
FORMAT_IRIS: dict[str, str] = {
    "application/sparql-results+json": FORMATS + "SPARQL_Results_JSON",
    "application/sparql-results+xml": FORMATS + "SPARQL_Results_XML",
    "text/csv": FORMATS + "SPARQL_Results_CSV",
    "text/tab-separated-values": FORMATS + "SPARQL_Results_TSV",
    "text/turtle": FORMATS + "Turtle",
    "application/n-triples": FORMATS + "N-Triples",
    "application/n-quads": FORMATS + "N-Quads",
    "application/trig": FORMATS + "TriG",
    "application/ld+json": FORMATS + "JSON-LD",
    "application/rdf+xml": FORMATS + "RDF_XML",
}

PREFIXES = {
    "sd": SD,
    "formats": FORMATS,
    "void": VOID,
    "dcterms": DCTERMS,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _count(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=XSD_INTEGER)


def describe(endpoint_url: str, store: Store, updates: bool = False) -> list[ox.Triple]:
    """The triples describing the endpoint at ``endpoint_url`` over ``store``; with
    ``updates``, it also advertises SPARQL 1.1 Update."""
    service = ox.NamedNode(endpoint_url)
    # Blank nodes with fixed labels: the same server describes itself byte for byte the same.
    dataset, default_graph = ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
    graphs = [
        (ox.BlankNode(f"namedGraph{n}"), ox.BlankNode(f"graph{n}"), iri, size)
        for n, (iri, size) in enumerate(store.graph_sizes().items(), start=1)
    ]
    simple = ox.NamedNode("http://www.w3.org/ns/entailment/Simple")
    triples = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        *([ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Update"))] if updates else []),
        ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
        ox.Triple(service, _sd("defaultEntailmentRegime"), simple),
        ox.Triple(service, ox.NamedNode(DCTERMS + "title"), ox.Literal("Accord SPARQL endpoint")),
        *(
            ox.Triple(service, _sd("resultFormat"), ox.NamedNode(FORMAT_IRIS[media_type]))
            for media_type in dict.fromkeys([*OFFERS["solutions"], *OFFERS["graph"]])
        ),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default_graph),
        *(ox.Triple(dataset, _sd("namedGraph"), named) for named, _, _, _ in graphs),
        ox.Triple(default_graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(
            default_graph,
            ox.NamedNode(DCTERMS + "description"),
            ox.Literal("The union of all the named graphs of this dataset.", language="en"),
        ),
        ox.Triple(default_graph, ox.NamedNode(VOID + "triples"), _count(union_size(store))),
    ]
    for named, graph, iri, size in graphs:
        triples += [
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(iri)),
            ox.Triple(named, _sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, _sd("Graph")),
            ox.Triple(graph, ox.NamedNode(VOID + "triples"), _count(size)),
        ]
    return triples


def union_size(store: Store) -> int:
    """The number of distinct triples in the union of all graphs."""
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o { ?s ?p ?o } }")
    return int(rows[0]["n"]) if rows else 0


def serialize(triples: list[ox.Triple], media_type: str) -> bytes:
    """The description in one of the RDF media types of ``GRAPH_FORMATS``."""
    fmt = GRAPH_FORMATS[media_type]
    if fmt in (ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG):
        quads = [ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples]
        prefixes = PREFIXES if fmt == ox.RdfFormat.TRIG else None
        return ox.serialize(quads, format=fmt, prefixes=prefixes) or b""
    prefixes = None if fmt == ox.RdfFormat.N_TRIPLES else PREFIXES
    return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""
