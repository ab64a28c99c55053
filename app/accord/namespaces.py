"""The one prefix map of the project.

Code, data, shapes, queries and serialisations all use these prefixes; a test checks
that every Turtle file in the repository binds the same prefix to the same IRI.
"""

import re
from collections.abc import Iterable, Mapping

from rdflib import Namespace

#: The permanent base under which Accord mints IRIs (overridable in the settings).
DEFAULT_BASE = "https://w3id.org/accord/"

ACCORD = Namespace(DEFAULT_BASE + "ontology#")
CONCEPT = Namespace(DEFAULT_BASE + "concept/")
ID = Namespace(DEFAULT_BASE + "id/")
GRAPH = Namespace(DEFAULT_BASE + "graph/")
SHAPE = Namespace(DEFAULT_BASE + "shapes#")

PREFIXES: dict[str, str] = {
    "accord": str(ACCORD),
    "concept": DEFAULT_BASE + "concept/",
    "id": DEFAULT_BASE + "id/",
    "graph": DEFAULT_BASE + "graph/",
    "shape": DEFAULT_BASE + "shapes#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "org": "http://www.w3.org/ns/org#",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": "https://schema.org/",
    "odrl": "http://www.w3.org/ns/odrl/2/",
    "vann": "http://purl.org/vocab/vann/",
    "sh": "http://www.w3.org/ns/shacl#",
    "wd": "http://www.wikidata.org/entity/",
}


def sparql_prologue() -> str:
    """The prefix map as SPARQL PREFIX declarations."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def curie(iri: str) -> str:
    """``accord:State`` for an IRI in a namespace of the prefix map, else the IRI."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    if best:
        local = iri[len(PREFIXES[best]) :]
        if local and all(c.isalnum() or c in "-_./" for c in local):
            return f"{best}:{local}"
    return iri


#: A Turtle local name that needs no backslash escape (PN_LOCAL without PLX, with
#: ``\w`` standing for its letters and digits): ``data/x`` is not one (``data\/x``).
_PLAIN_LOCAL = re.compile(r"[\w:]([\w.:-]*[\w:-])?")


def turtle_prefixes(iris: Iterable[str], prefixes: Mapping[str, str] = PREFIXES) -> dict[str, str]:
    r"""The prefixes to declare in a Turtle or TriG document that holds ``iris``: those
    that shorten one of them, less any under which one of them would need a backslash
    escape (pyoxigraph writes ``graph:data\/paris-summit``); that namespace's IRIs are
    then written whole (``<https://w3id.org/accord/graph/data/paris-summit>``)."""
    used: set[str] = set()
    escaped: set[str] = set()
    for iri in set(iris):
        for prefix, ns in prefixes.items():
            if iri.startswith(ns):
                local = iri[len(ns) :]
                plain = local == "" or _PLAIN_LOCAL.fullmatch(local)
                (used if plain else escaped).add(prefix)
    return {p: ns for p, ns in prefixes.items() if p in used - escaped}
