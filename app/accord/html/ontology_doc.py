"""The documentation page of a hash namespace (``/ontology``, ``/shapes``), generated
from its own statements: the header of the ``owl:Ontology``, then every term of the
namespace with an anchor named after its local name (so ``/ontology#State`` lands on
``accord:State``), its label, definition and statements, and for classes and properties
the links the ontology implies (subclasses, properties whose domain or range it is).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from accord.html import Linker
from accord.html.view import Row, _by_subject, _first, rows_of
from accord.publish.describe import RDF_TYPE, term_value

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SH = "http://www.w3.org/ns/shacl#"
RDF_PROPERTY = "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"

#: Sections of the page: (heading, the types that put a term in it).
SECTIONS = [
    ("Classes", {OWL + "Class", RDFS + "Class"}),
    ("Object properties", {OWL + "ObjectProperty"}),
    ("Datatype properties", {OWL + "DatatypeProperty"}),
    ("Annotation properties", {OWL + "AnnotationProperty", RDF_PROPERTY}),
    ("Node shapes", {SH + "NodeShape"}),
    ("Property shapes", {SH + "PropertyShape"}),
]


@dataclass
class Term:
    iri: str
    anchor: str
    definition: str | None
    rows: list[Row]
    subclasses: list[str] = field(default_factory=list)
    domain_of: list[str] = field(default_factory=list)
    range_of: list[str] = field(default_factory=list)


@dataclass
class OntologyDoc:
    iri: str
    header: list[Row]
    title: str | None
    description: str | None
    sections: list[tuple[str, list[Term]]]
    graphs: list[str]


def _literal(term: object) -> str | None:
    return term.value if isinstance(term, ox.Literal) else None


def ontology_doc(
    doc_iri: str, graphs: list[str], triples: list[ox.Triple], linker: Linker
) -> OntologyDoc:
    own = _by_subject(triples)
    linker.learn_from(triples)
    namespace = doc_iri + "#"
    header_triples = own.get(doc_iri, [])
    skip = {"http://purl.org/dc/terms/title", "http://purl.org/dc/terms/description"}
    header = rows_of([t for t in header_triples if t.predicate.value not in skip], linker, own)

    inverse: dict[tuple[str, str], list[str]] = defaultdict(list)
    for t in triples:
        if isinstance(t.object, ox.NamedNode) and isinstance(t.subject, ox.NamedNode):
            inverse[(t.predicate.value, t.object.value)].append(t.subject.value)

    terms: dict[str, list[Term]] = defaultdict(list)
    for subject in sorted(s for s in own if s.startswith(namespace)):
        statements = own[subject]
        types = {term_value(t.object) for t in statements if t.predicate.value == RDF_TYPE}
        heading = next((h for h, kinds in SECTIONS if types & kinds), "Other terms")
        definition = _literal(_first(statements, SKOS + "definition")) or _literal(
            _first(statements, RDFS + "comment")
        )
        terms[heading].append(
            Term(
                subject,
                subject[len(namespace) :],
                definition,
                rows_of(statements, linker, own),
                sorted(inverse[(RDFS + "subClassOf", subject)]),
                sorted(inverse[(RDFS + "domain", subject)]),
                sorted(inverse[(RDFS + "range", subject)]),
            )
        )
    order = [h for h, _ in SECTIONS] + ["Other terms"]
    return OntologyDoc(
        doc_iri,
        header,
        _literal(_first(header_triples, "http://purl.org/dc/terms/title")),
        _literal(_first(header_triples, "http://purl.org/dc/terms/description")),
        [(h, terms[h]) for h in order if terms.get(h)],
        graphs,
    )
