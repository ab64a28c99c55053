"""The HTML documents of the linked-data interface, one function per page.

Each takes the store, the base IRI and the application's root path and returns the
page's bytes; the routers add the HTTP side (negotiation, validators, headers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pyoxigraph as ox

from accord.html import Linker, curie, more, render, sparql_href
from accord.html.network import network_svg
from accord.html.ontology_doc import ontology_doc
from accord.html.pages import (
    CLASS_COUNTS,
    FEATURED,
    GRAPH_SIZES,
    OVERVIEW,
    SCHEME_SIZES,
    class_counts,
    commitments_overview,
    concept_schemes,
    instances,
    instances_query,
)
from accord.html.sections import concept_section, declaration_section, state_section
from accord.html.view import resource_view
from accord.jsonld import frames
from accord.publish.describe import (
    Description,
    describe,
    namespace_triples,
    path_for_iri,
    ref,
    select,
    term_value,
)
from accord.stores.base import Store

ACCORD = "https://w3id.org/accord/ontology#"
SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept"
#: Names of the RDF representations, by extension, as the pages list them.
FORMAT_NAMES = {
    "ttl": ("Turtle", "text/turtle"),
    "jsonld": ("JSON-LD", "application/ld+json"),
    "nt": ("N-Triples", "application/n-triples"),
    "rdf": ("RDF/XML", "application/rdf+xml"),
    "nq": ("N-Quads", "application/n-quads"),
    "trig": ("TriG", "application/trig"),
}
DUMP_NAMES = [
    ("ttl", "Turtle"),
    ("nt", "N-Triples"),
    ("nq", "N-Quads"),
    ("trig", "TriG"),
    ("jsonld", "JSON-LD"),
    ("rdf", "RDF/XML"),
]


@dataclass(frozen=True)
class Alternate:
    name: str
    media_type: str
    href: str


def alternates(iri: str, base_iri: str, root: str, frame_names: list[str] = ()) -> list[Alternate]:  # type: ignore[assignment]
    path = root + (path_for_iri(iri, base_iri) or "")
    out = [Alternate(name, mt, f"{path}.{ext}") for ext, (name, mt) in FORMAT_NAMES.items()]
    out += [
        Alternate(f"JSON-LD, {f} frame", "application/ld+json", f"{path}.jsonld?frame={f}")
        for f in frame_names
    ]
    return out


def resource_page(
    store: Store, iri: str, base_iri: str, root: str, on: date | None = None, limit: int = 500
) -> bytes:
    d: Description = describe(store, iri)
    linker = Linker(base_iri, root)
    linker.learn_from(d.context)
    view = resource_view(d, linker)
    types = set(view.types)
    declaration = (
        declaration_section(store, iri, limit, root) if ACCORD + "Declaration" in types else None
    )
    state = state_section(store, iri, on, limit, root) if ACCORD + "State" in types else None
    concept = concept_section(store, iri, limit, root) if SKOS_CONCEPT in types else None
    mentioned = {iri, *view.types}
    for t in [*d.own, *d.inbound, *d.cards]:
        mentioned.add(t.predicate.value)
        for term in (t.subject, t.object):
            if isinstance(term, ox.NamedNode):
                mentioned.add(term.value)
    mentioned |= _section_iris(declaration) | _section_iris(state) | _section_iris(concept)
    linker.learn(store, mentioned)
    applicable = [f.name for f in frames().values() if f.applies_to in types]
    return render(
        "resource.html",
        linker,
        store.version,
        {
            "title": linker.label(iri),
            "view": view,
            "declaration": declaration,
            "state": state,
            "concept": concept,
            "wikidata": wikidata_items(d.own, iri),
            "alternates": alternates(iri, base_iri, root, applicable),
        },
    )


WIKIDATA_ENTITY = "http://www.wikidata.org/entity/"
SAME_AS = ("http://www.w3.org/2002/07/owl#sameAs", "https://schema.org/sameAs")


def wikidata_items(own: Iterable[ox.Triple], iri: str) -> list[str]:
    """The Wikidata items (``Q…``) the resource is said to be the same as."""
    return sorted(
        t.object.value.removeprefix(WIKIDATA_ENTITY)
        for t in own
        if t.subject == ox.NamedNode(iri)
        and t.predicate.value in SAME_AS
        and isinstance(t.object, ox.NamedNode)
        and t.object.value.startswith(WIKIDATA_ENTITY)
    )


def _section_iris(section: object) -> set[str]:
    """Every IRI-looking string in a section's data, to look their labels up at once."""
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            if value.startswith(("http://", "https://")):
                found.add(value)
        elif isinstance(value, list | tuple | set):
            for v in value:
                walk(v)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))

    walk(section)
    return found


def graph_subjects_query(iri: str) -> str:
    """The subjects of a named graph (IRIs), with the types the graph gives them."""
    g = ref(iri)
    return (
        f"SELECT ?s ?type WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ GRAPH {g} {{ ?s ?p ?o "
        f"FILTER(isIRI(?s)) }} }} }} OPTIONAL {{ GRAPH {g} {{ ?s a ?type }} }} }} ORDER BY ?s ?type"
    )


def graph_page(store: Store, iri: str, base_iri: str, root: str, limit: int = 500) -> bytes:
    """A named graph: its size and its first ``limit`` subjects (by IRI), by type."""
    g = ref(iri)
    size = _count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o }} }}")
    rows = select(
        store,
        f"SELECT ?s ?type WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ GRAPH {g} {{ ?s ?p ?o "
        f"FILTER(isIRI(?s)) }} }} ORDER BY ?s LIMIT {limit} }} "
        f"OPTIONAL {{ GRAPH {g} {{ ?s a ?type FILTER(isIRI(?type)) }} }} }}",
    )
    linker = Linker(base_iri, root)
    types: dict[str, set[str]] = {}
    subjects: set[str] = set()
    for r in rows:
        subject = term_value(r["s"])
        subjects.add(subject)
        if "type" in r:
            types.setdefault(term_value(r["type"]), set()).add(subject)
    typed = set().union(*types.values()) if types else set()
    groups = [(k, sorted(v)) for k, v in sorted(types.items())]
    if subjects - typed:
        groups.append(("", sorted(subjects - typed)))
    linker.learn(store, {iri, *subjects, *types})
    for _, members in groups:
        members.sort(key=lambda s: linker.label(s).lower())
    source = _source_file(store, iri)
    subjects_total = len(subjects)
    if subjects_total >= limit:
        subjects_total = _count(
            store,
            f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH {g} {{ ?s ?p ?o FILTER(isIRI(?s)) }} }}",
        )
    return render(
        "graph.html",
        linker,
        store.version,
        {
            "title": curie(iri),
            "iri": iri,
            "size": size,
            "source_file": source,
            "groups": groups,
            "alternates": alternates(iri, base_iri, root),
            "cut": more(
                len(subjects),
                subjects_total,
                "subjects",
                sparql_href(root, graph_subjects_query(iri)),
            ),
        },
    )


def _count(store: Store, sparql: str) -> int:
    rows = select(store, sparql)
    return int(term_value(rows[0]["n"])) if rows and "n" in rows[0] else 0


def _source_file(store: Store, graph: str) -> str | None:
    from accord.resources import bundled_name

    for gf in getattr(store, "files", []) or []:
        if gf.graph == graph:
            return bundled_name(gf.path) or gf.path.name
    return None


def namespace_page(store: Store, iri: str, base_iri: str, root: str) -> bytes:
    graphs, triples = namespace_triples(store, iri)
    linker = Linker(base_iri, root)
    doc = ontology_doc(iri, graphs, triples, linker)
    mentioned = {t.predicate.value for t in triples} | {
        t.object.value for t in triples if isinstance(t.object, ox.NamedNode)
    }
    linker.learn(store, mentioned | set(graphs))
    schemes = [
        (s, n)
        for s, n in concept_schemes(store)
        if any(term_value(t.subject) == s for t in triples) or _defined_by(store, s, iri)
    ]
    linker.learn(store, [s for s, _ in schemes])
    browsable = {c.iri for c in class_counts(store)}
    return render(
        "ontology.html",
        linker,
        store.version,
        {
            "title": doc.title or curie(iri),
            "doc": doc,
            "schemes": schemes,
            "browsable": browsable,
            "alternates": alternates(iri, base_iri, root),
        },
    )


def _defined_by(store: Store, scheme: str, doc: str) -> bool:
    from accord.publish.describe import ask, ref

    return ask(
        store,
        f"ASK {{ {ref(scheme)} <http://www.w3.org/2000/01/rdf-schema#isDefinedBy> {ref(doc)} }}",
    )


#: Namespaces of the classes that describe the vocabulary rather than the world (OWL,
#: RDF Schema, SHACL): /browse lists them apart, after the data's own classes.
MACHINERY = (
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/ns/shacl#",
)


def browse_page(store: Store, base_iri: str, root: str, limit: int = 500) -> bytes:
    """The index; beyond ``limit`` classes, schemes or graphs, the biggest are listed."""
    linker = Linker(base_iri, root)
    all_counts = class_counts(store)
    by_iri = {c.iri: c.count for c in all_counts}
    featured = [(iri, heading, by_iri.get(iri, 0)) for iri, heading in FEATURED if iri in by_iri]
    counts = sorted(all_counts, key=lambda c: (-c.count, c.iri))[:limit]
    all_schemes = concept_schemes(store)
    schemes = sorted(sorted(all_schemes, key=lambda s: (-s[1], s[0]))[:limit])
    sizes = store.graph_sizes()
    graphs = sorted(sorted(sizes.items(), key=lambda g: (-g[1], g[0]))[:limit])
    linker.learn(store, [c.iri for c in counts] + [s for s, _ in schemes] + [g for g, _ in graphs])
    counts.sort(key=lambda c: linker.label(c.iri).lower())
    biggest_first = " ORDER BY DESC(?n)"
    cuts = {
        "classes": more(
            len(counts),
            len(all_counts),
            "classes (those with most instances)",
            sparql_href(root, CLASS_COUNTS + biggest_first),
        ),
        "schemes": more(
            len(schemes),
            len(all_schemes),
            "concept schemes (the biggest)",
            sparql_href(root, SCHEME_SIZES + biggest_first),
        ),
        "graphs": more(
            len(graphs),
            len(sizes),
            "named graphs (the biggest)",
            sparql_href(root, GRAPH_SIZES + biggest_first),
        ),
    }
    return render(
        "browse.html",
        linker,
        store.version,
        {
            "title": "Browse",
            "featured": featured,
            "classes": [c for c in counts if not c.iri.startswith(MACHINERY)],
            "machinery": [c for c in counts if c.iri.startswith(MACHINERY)],
            "schemes": schemes,
            "graphs": graphs,
            "dumps": DUMP_NAMES,
            "cuts": cuts,
        },
    )


def class_page(store: Store, class_iri: str, base_iri: str, root: str, limit: int = 500) -> bytes:
    linker = Linker(base_iri, root)
    items, total = instances(store, class_iri, limit)
    linker.learn(store, [class_iri] + [i.iri for i in items])
    items.sort(key=lambda i: (linker.label(i.iri).lower(), i.iri))
    heading = next((h for iri, h in FEATURED if iri == class_iri), None) or linker.label(class_iri)
    return render(
        "class.html",
        linker,
        store.version,
        {
            "title": heading,
            "class_iri": class_iri,
            "items": items,
            "total": total,
            "cut": more(
                len(items), total, "instances", sparql_href(root, instances_query(class_iri))
            ),
        },
    )


def commitments_page(store: Store, base_iri: str, root: str, limit: int = 500) -> bytes:
    linker = Linker(base_iri, root)
    overview = commitments_overview(store, limit)
    linker.learn(
        store,
        [*overview.rows, *overview.condition_types, *overview.numbers]
        + [v for pair in overview.details.values() for v in pair if v]
        + [k for kinds in overview.contributions.values() for k in kinds],
    )
    by_label = lambda iri: (linker.label(iri).lower(), iri)  # noqa: E731
    overview.rows.sort(key=lambda w: (w == "", by_label(w)))
    overview.condition_types.sort(key=by_label)
    ordered = sorted(overview.numbers, key=by_label)
    overview.numbers = {c: i + 1 for i, c in enumerate(ordered)}
    for cell in overview.cells.values():
        cell.sort(key=lambda c: overview.numbers[c])
    svg = network_svg(overview.edges, linker.label, linker.href)
    # What a cell says of each commitment: its contribution types, or else its label
    # less the committer's name it starts with ("Sweden: ...").
    what = {
        c: ", ".join(linker.label(k) for k in overview.contributions.get(c, []))
        or linker.label(c).split(": ", 1)[-1]
        for c in overview.numbers
    }
    return render(
        "commitments.html",
        linker,
        store.version,
        {
            "title": "Commitments and their conditions",
            "overview": overview,
            "what": what,
            "svg": svg,
            "cut": more(
                len(overview.numbers),
                overview.total,
                "commitments",
                sparql_href(root, OVERVIEW),
            ),
        },
    )


def not_found_page(
    store: Store, iri: str, suggestions: list[str], base_iri: str, root: str
) -> bytes:
    linker = Linker(base_iri, root)
    linker.learn(store, suggestions)
    return render(
        "notfound.html",
        linker,
        store.version,
        {"title": "Not found", "iri": iri, "suggestions": suggestions},
    )
