"""The VoID description of the dataset, at ``/.well-known/void`` (RFC 5785 / VoID §7).

Computed from the store: the dataset ``{base}dataset`` with its version
(``owl:versionInfo``, the ``store.version`` hash also sent as X-Accord-Dataset-Version),
its license (the ontology's ``dcterms:license``), the SPARQL endpoint, every dump, the
URI space, the vocabularies its statements use, a few example resources, its size
(triples, subjects, properties, classes, a class partition) and one subset per named
graph with its size.  Turtle, JSON-LD, N-Triples, RDF/XML or HTML by Accept (or
``?format=ttl|jsonld|nt|rdf|html``).  ``/dataset`` redirects here (303).
"""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from accord.errors import BadRequest, NotAcceptable
from accord.html import HTML_HEADERS, Linker, render
from accord.html.void_view import VOID_PREFIXES, void_view
from accord.http.cache import validated
from accord.http.deps import ServiceDep, SettingsDep
from accord.namespaces import PREFIXES, sparql_prologue
from accord.publish.describe import select
from accord.publish.export import serialize_triples
from accord.query.negotiation import ALIASES, best_match, content_type
from accord.routers.resources import DOCUMENTS, root_of
from accord.settings import Settings
from accord.stores.base import Store

router = APIRouter(tags=["dataset"])

VOID = "http://rdfs.org/ns/void#"
DCTERMS = "http://purl.org/dc/terms/"
OWL = "http://www.w3.org/2002/07/owl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
FORMAT_IRIS = {
    "ttl": "Turtle",
    "nt": "N-Triples",
    "nq": "N-Quads",
    "trig": "TriG",
    "jsonld": "JSON-LD",
    "rdf": "RDF_XML",
}
#: Example resources: at most this many, one per class (the most populous first).
EXAMPLES = 5


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=_n(XSD + "integer"))


def _count(store: Store, expression: str, pattern: str) -> int:
    rows = select(store, f"SELECT ({expression} AS ?n) WHERE {{ {pattern} }}")
    term = rows[0].get("n") if rows else None
    return int(term.value) if isinstance(term, ox.Literal) else 0


def void_triples(store: Store, settings: Settings) -> list[ox.Triple]:
    base = settings.base_iri
    ds = _n(f"{base}dataset")
    out: list[ox.Triple] = []

    def add(
        s: ox.NamedNode | ox.BlankNode, p: str, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        out.append(ox.Triple(s, _n(p), o))

    add(ds, RDF_TYPE, _n(VOID + "Dataset"))
    add(ds, DCTERMS + "title", ox.Literal("Accord", language="en"))
    add(
        ds,
        DCTERMS + "description",
        ox.Literal(
            "A knowledge graph of international security commitments: who promised what to "
            "whom, under which conditions, in which declaration, said by whom, according to "
            "which source.",
            language="en",
        ),
    )
    add(ds, OWL + "versionInfo", ox.Literal(store.version))
    for row in select(
        store,
        f"SELECT DISTINCT ?l WHERE {{ <{base}ontology> <{DCTERMS}license> ?l }} ORDER BY ?l",
    ):
        add(ds, DCTERMS + "license", row["l"])
    endpoint = settings.public_url or f"{base}sparql"
    add(ds, VOID + "sparqlEndpoint", _n(endpoint))
    for ext, name in FORMAT_IRIS.items():
        add(ds, VOID + "dataDump", _n(f"{base}dumps/accord.{ext}"))
        add(ds, VOID + "dataDump", _n(f"{base}dumps/accord.{ext}.gz"))
        add(ds, VOID + "feature", _n(FORMATS_NS + name))
    add(ds, VOID + "uriSpace", ox.Literal(f"{base}id/"))
    for ns in vocabularies(store):
        add(ds, VOID + "vocabulary", _n(ns))
    for example in examples(store, base):
        add(ds, VOID + "exampleResource", _n(example))
    add(ds, VOID + "triples", _int(_count(store, "COUNT(*)", "?s ?p ?o")))
    add(ds, VOID + "distinctSubjects", _int(_count(store, "COUNT(DISTINCT ?s)", "?s ?p ?o")))
    add(ds, VOID + "properties", _int(_count(store, "COUNT(DISTINCT ?p)", "?s ?p ?o")))
    add(ds, VOID + "classes", _int(_count(store, "COUNT(DISTINCT ?c)", "?s a ?c")))
    rows = select(
        store,
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } GROUP BY ?c ORDER BY ?c",
    )
    for row in rows:
        part = ox.BlankNode()
        add(ds, VOID + "classPartition", part)
        add(part, VOID + "class", row["c"])
        add(part, VOID + "entities", row["n"])
    for graph, size in sorted(store.graph_sizes().items()):
        g = _n(graph)
        add(ds, VOID + "subset", g)
        add(g, RDF_TYPE, _n(VOID + "Dataset"))
        add(g, VOID + "triples", _int(size))
    return out


def vocabularies(store: Store) -> list[str]:
    """The namespaces (of the prefix map) of the properties and classes in use."""
    rows = select(
        store, "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } FILTER isIRI(?t) }"
    )
    found = set()
    for row in rows:
        iri = row["t"].value
        ns = max((n for n in PREFIXES.values() if iri.startswith(n)), key=len, default=None)
        if ns:
            found.add(ns)
    return sorted(found)


def examples(store: Store, base: str) -> list[str]:
    """One instance (the first by IRI) of each of the most populous classes."""
    rows = select(
        store,
        sparql_prologue()
        + f"""SELECT ?c (MIN(STR(?s)) AS ?example) (COUNT(?s) AS ?n) WHERE {{
              ?s a ?c . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}id/"))
            }} GROUP BY ?c ORDER BY DESC(?n) ?c LIMIT {EXAMPLES}""",
    )
    return sorted({r["example"].value for r in rows if "example" in r})


OFFERS = [
    "text/turtle",
    "application/ld+json",
    "application/n-triples",
    "application/rdf+xml",
    "text/html",
]


@router.api_route(
    "/.well-known/void", methods=["GET", "HEAD"], summary="VoID description of the dataset"
)
def void(
    request: Request, store: ServiceDep, settings: SettingsDep, format: str | None = None
) -> Response:
    accept = request.headers.get("accept")
    if format:
        media_type = DOCUMENTS.get(format.lower()) or format.lower()
        if media_type not in OFFERS:
            raise BadRequest(f"unknown format {format!r}; use one of: {', '.join(DOCUMENTS)}")
    else:
        found = best_match(
            accept, OFFERS, {**ALIASES["graph"], "application/xhtml+xml": "text/html"}
        )
        if found is None:
            raise NotAcceptable(
                f"cannot answer the VoID description as Accept: {accept}; offered: {', '.join(OFFERS)}"
            )
        media_type = found
    base = settings.base_iri
    root = root_of(request)

    def build() -> bytes:
        triples = void_triples(store, settings)
        if media_type != "text/html":
            return serialize_triples(
                triples,
                media_type,
                base,
                primary=f"{base}dataset",
                prefixes={**PREFIXES, **VOID_PREFIXES},
            )
        linker = Linker(base, root)
        linker.learn(
            store,
            {t.predicate.value for t in triples}
            | {t.object.value for t in triples if isinstance(t.object, ox.NamedNode)},
        )
        view = void_view(triples, f"{base}dataset", linker, FORMAT_IRIS, root)
        return render(
            "void.html", linker, store.version, {"title": "The Accord dataset", "view": view}
        )

    headers = {"Vary": "Accept"}
    if media_type == "text/html":
        headers.update(HTML_HEADERS)
    key = ("void", media_type, base, root, settings.public_url or "")
    return validated(request, store, key, build, content_type(media_type), headers)


@router.api_route("/dataset", methods=["GET", "HEAD"], include_in_schema=False)
def dataset(request: Request) -> Response:
    """The dataset's IRI (``{base}dataset``): 303 to its VoID description."""
    location = f"{root_of(request)}/.well-known/void"
    return PlainTextResponse(f"See Other: {location}\n", 303, headers={"Location": location})
