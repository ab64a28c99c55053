"""The VoID description as a page a reader can use, as data for ``void.html``.

The VoID triples (``accord.routers.void.void_triples``) read as sections: what the
dataset is (description, version, licence, endpoint), its size in words, its classes
(instances, linked to the class's listing under ``/browse``), its named graphs, its
downloads and vocabularies, a few examples.  Every property is named by its label with
its prefixed name beside it (``void:triples``); statements no section shows are listed
at the end, so the page never hides one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from accord.html import Linker
from accord.html.view import Row, _by_subject, rows_of
from accord.namespaces import PREFIXES, curie

VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FORMATS_NS = "http://www.w3.org/ns/formats/"

#: The prefixes of the VoID document beyond the project's map (as the service
#: description has its own): VoID and the W3C's format IRIs.
VOID_PREFIXES = {"void": VOID, "formats": FORMATS_NS}

#: Labels of the VoID terms (the VoID vocabulary's own rdfs:label, lower-cased).
VOID_LABELS = {
    VOID + "Dataset": "dataset",
    VOID + "triples": "triples",
    VOID + "distinctSubjects": "distinct subjects",
    VOID + "properties": "properties",
    VOID + "classes": "classes",
    VOID + "entities": "entities",
    VOID + "classPartition": "class partition",
    VOID + "class": "class",
    VOID + "subset": "subset",
    VOID + "sparqlEndpoint": "SPARQL endpoint",
    VOID + "dataDump": "data dump",
    VOID + "feature": "feature",
    VOID + "uriSpace": "URI space",
    VOID + "vocabulary": "vocabulary",
    VOID + "exampleResource": "example resource",
}

#: The size figures, in the order shown.
FIGURES = ["triples", "distinctSubjects", "properties", "classes"]

#: Properties the sections show; any other statement goes to "Other statements".
SHOWN = {
    RDF_TYPE,
    DCTERMS + "title",
    DCTERMS + "description",
    DCTERMS + "license",
    OWL + "versionInfo",
    *(VOID + name for name in FIGURES),
    *(
        VOID + name
        for name in (
            "classPartition",
            "subset",
            "sparqlEndpoint",
            "dataDump",
            "feature",
            "uriSpace",
            "vocabulary",
            "exampleResource",
        )
    ),
}


def prefixed(iri: str) -> str:
    """``void:triples`` for a VoID term, ``dcterms:`` for a namespace of the prefix map,
    else the project's prefixed name (or the IRI)."""
    for prefix, ns in {**PREFIXES, **VOID_PREFIXES}.items():
        if iri == ns:
            return f"{prefix}:"
    for prefix, ns in VOID_PREFIXES.items():
        if iri.startswith(ns) and iri[len(ns) :].replace("_", "").isalnum():
            return f"{prefix}:{iri[len(ns) :]}"
    return curie(iri)


@dataclass
class Term:
    """A property as the page names it: its label and its prefixed name."""

    iri: str
    label: str
    name: str


@dataclass
class Figure:
    term: Term
    value: int


@dataclass
class ClassCount:
    iri: str
    name: str  # the prefixed name
    entities: int
    browse: str | None  # the class's listing on this server, if it has a prefixed name


@dataclass
class Subset:
    iri: str
    name: str  # its path under the base IRI's graph/ (data/paris-summit-2026-01-06)
    triples: int


@dataclass
class Dump:
    name: str  # Turtle, N-Quads...
    iri: str
    gzipped: str | None


@dataclass
class VoidView:
    iri: str
    title: str | None
    description: str | None
    version: str | None
    licenses: list[str]
    endpoint: str | None
    uri_space: str | None
    figures: list[Figure]
    classes: list[ClassCount]
    subsets: list[Subset]
    dumps: list[Dump]
    features: list[str]  # the formats the server answers in (void:feature)
    vocabularies: list[tuple[str, str]]  # (prefixed name of the namespace, its IRI)
    examples: list[str]
    terms: dict[str, Term] = field(default_factory=dict)  # by property IRI, for headings
    other: list[Row] = field(default_factory=list)


def term(iri: str, linker: Linker) -> Term:
    return Term(iri, VOID_LABELS.get(iri) or linker.label(iri), prefixed(iri))


def void_view(
    triples: list[ox.Triple],
    dataset: str,
    linker: Linker,
    formats: dict[str, str],
    root: str,
) -> VoidView:
    """The page data of the VoID description of ``dataset``. ``formats`` maps a dump's
    extension to its name (``ttl`` -> ``Turtle``)."""
    for iri, label in VOID_LABELS.items():  # the linker names VoID terms on this page
        linker.labels.setdefault(iri, label)
    for t in triples:  # and the W3C's format IRIs by their names (formats:RDF_XML: RDF/XML)
        if isinstance(t.object, ox.NamedNode) and t.object.value.startswith(FORMATS_NS):
            linker.labels.setdefault(
                t.object.value, t.object.value[len(FORMATS_NS) :].replace("_", "/")
            )
    by_subject = _by_subject(triples)  # IRIs by value, blank nodes by str()
    mine = by_subject.get(dataset, [])

    def values(
        p: str, of: list[ox.Triple] = mine
    ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        found = (t.object for t in of if t.predicate.value == p)
        return sorted((o for o in found if not isinstance(o, ox.Triple)), key=str)

    def text(p: str) -> str | None:
        found = values(p)
        return found[0].value if found and not isinstance(found[0], ox.BlankNode) else None

    def number(p: str, of: list[ox.Triple]) -> int:
        found = values(p, of)
        return int(found[0].value) if found and isinstance(found[0], ox.Literal) else 0

    classes = []
    for part in values(VOID + "classPartition"):
        own = by_subject.get(str(part), [])
        cls = values(VOID + "class", own)
        if not cls or not isinstance(cls[0], ox.NamedNode):
            continue
        name = curie(cls[0].value)
        browse = f"{root}/browse/{name}" if name != cls[0].value else None
        classes.append(ClassCount(cls[0].value, name, number(VOID + "entities", own), browse))
    classes.sort(key=lambda c: (-c.entities, linker.label(c.iri).lower(), c.iri))

    graph_ns = linker.base_iri + "graph/"
    subsets = [
        Subset(
            g.value,
            g.value.removeprefix(graph_ns),
            number(VOID + "triples", by_subject.get(g.value, [])),
        )
        for g in values(VOID + "subset")
        if isinstance(g, ox.NamedNode)
    ]

    dump_iris = {d.value for d in values(VOID + "dataDump")}
    dumps = []
    for ext, name in formats.items():
        plain = next((d for d in dump_iris if d.endswith(f"/accord.{ext}")), None)
        if plain:
            gz = plain + ".gz"
            dumps.append(Dump(name.replace("_", "/"), plain, gz if gz in dump_iris else None))

    vocabularies = [(prefixed(v.value), v.value) for v in values(VOID + "vocabulary")]
    vocabularies.sort()
    endpoint = values(VOID + "sparqlEndpoint")
    used = {t.predicate.value for t in triples}
    return VoidView(
        iri=dataset,
        title=text(DCTERMS + "title"),
        description=text(DCTERMS + "description"),
        version=text(OWL + "versionInfo"),
        licenses=[v.value for v in values(DCTERMS + "license")],
        endpoint=endpoint[0].value if endpoint else None,
        uri_space=text(VOID + "uriSpace"),
        figures=[Figure(term(VOID + name, linker), number(VOID + name, mine)) for name in FIGURES],
        classes=classes,
        subsets=subsets,
        dumps=dumps,
        features=[f.value for f in values(VOID + "feature")],
        vocabularies=vocabularies,
        examples=sorted(
            (e.value for e in values(VOID + "exampleResource")),
            key=lambda e: linker.label(e).lower(),
        ),
        terms={p: term(p, linker) for p in used | {VOID + "Dataset"}},
        other=rows_of(
            [t for t in mine if t.predicate.value not in SHOWN],
            linker,
            by_subject,
        ),
    )
