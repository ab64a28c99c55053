"""What the server says about one IRI, built from the store by SPARQL alone.

Where a minted IRI lives: ``{base}{rest}`` is served at ``/{rest}`` (``iri_for_path`` and
``path_for_iri``), the data keeping the canonical base whatever host serves it.

What it says (``describe``): a description that is useful alone,

* the resource's own statements, with the blank nodes they lead to (its concise
  bounded description);
* the statements that link to it (inbound links);
* a *card* for every resource it links to or that links to it (their own statements,
  without their blank nodes): who pledged, the conditions, the statement that reports
  it, its speaker, quote and date, the source and its publisher;
* the labels and types of everything those statements mention.

Besides resources, two kinds of IRI are documents of their own: a named graph (its
statements) and a hash namespace such as ``{base}ontology`` (the graphs that define
``{base}ontology#...`` terms).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, cast

import pyoxigraph as ox

from accord.namespaces import PREFIXES
from accord.stores.base import Store

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
OWL_VERSION_IRI = "http://www.w3.org/2002/07/owl#versionIRI"
OWL_PRIOR_VERSION = "http://www.w3.org/2002/07/owl#priorVersion"
DCTERMS_IS_REPLACED_BY = "http://purl.org/dc/terms/isReplacedBy"
#: How deep blank nodes are followed from a resource.
BNODE_DEPTH = 6
#: At most this many inbound links, and cards, per description.
MAX_INBOUND = 1000
MAX_CARDS = 300

Kind = Literal["resource", "graph", "namespace"]


def iri_for_path(rest: str, base_iri: str) -> str:
    """The canonical IRI served at ``/{rest}``."""
    return base_iri + rest.lstrip("/")


def path_for_iri(iri: str, base_iri: str) -> str | None:
    """The server path (``/id/FR``) of a minted IRI, or None for any other IRI.

    A hash IRI's path is its document's, with the fragment kept for the browser."""
    if not iri.startswith(base_iri):
        return None
    return "/" + iri[len(base_iri) :]


def hash_namespaces(base_iri: str) -> dict[str, str]:
    """Hash namespaces of the project's prefix map under the base: {path: document IRI}
    (``ontology`` -> ``{base}ontology`` for ``{base}ontology#``)."""
    out = {}
    for ns in PREFIXES.values():
        if ns.startswith(base_iri) and ns.endswith("#"):
            doc = ns[:-1]
            out[doc[len(base_iri) :]] = doc
    return out


# --- querying ------------------------------------------------------------------


def select(store: Store, sparql: str) -> list[dict[str, ox.NamedNode | ox.BlankNode | ox.Literal]]:
    """Rows of pyoxigraph terms (works with any store, through SPARQL JSON results)."""
    data = store.query(sparql).serialize("application/sparql-results+json")
    solutions = cast(
        ox.QuerySolutions, ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    )
    names = [v.value for v in solutions.variables]
    return [{n: s[n] for n in names if s[n] is not None} for s in solutions]  # type: ignore[misc]


def term_value(term: object) -> str:
    """The lexical value of an IRI, blank node or literal (``str()`` of anything else)."""
    if isinstance(term, ox.NamedNode | ox.BlankNode | ox.Literal):
        return term.value
    return str(term)


def ask(store: Store, sparql: str) -> bool:
    data = store.query(sparql).serialize("application/sparql-results+json")
    return bool(json.loads(data)["boolean"])


def construct(store: Store, sparql: str) -> list[ox.Triple]:
    data = store.query(sparql).serialize("application/n-triples")
    return list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))  # type: ignore[arg-type]


def ref(iri: str) -> str:
    return str(ox.NamedNode(iri))


# --- what an IRI is --------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    iri: str
    kind: Kind
    #: For an alias (an ontology's version IRI, current or prior): the IRI whose
    #: document to show.
    alias_of: str | None = None
    #: For a forwarding stub (no ``rdf:type``, one ``dcterms:isReplacedBy``): the IRI
    #: that replaces it.
    replaced_by: str | None = None


@lru_cache(maxsize=8)
def _graph_names(store: Store, version: str) -> frozenset[str]:
    return frozenset(store.graph_sizes())


def resolve(store: Store, iri: str, base_iri: str) -> Target | None:
    """What kind of thing ``iri`` is in the dataset, or None if the dataset never
    mentions it."""
    if iri in hash_namespaces(base_iri).values():
        if ask(store, f"ASK {{ {ref(iri)} ?p ?o }}") or _namespace_graphs(store, iri):
            return Target(iri, "namespace")
        return None
    if iri in _graph_names(store, store.version):  # type: ignore[arg-type]
        return Target(iri, "graph")
    node = ref(iri)
    alias, replacement = _alias_or_replacement(store, node)
    if alias and _local(alias, base_iri):
        return Target(iri, "namespace", alias_of=alias)
    if replacement and _local(replacement, base_iri):
        return Target(iri, "resource", replaced_by=replacement)
    if ask(
        store, f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} UNION {{ ?s {node} ?o }} }}"
    ):
        return Target(iri, "resource")
    return None


def _local(iri: str, base_iri: str) -> bool:
    """Whether a redirect to ``iri`` stays on this server: an IRI under the base whose
    path is not protocol-relative (``{base}/evil.example/x`` would be ``//evil...``).
    Data never sends a client elsewhere: a stub replaced by another site's IRI is
    described like any resource, its replacement shown in its document."""
    path = path_for_iri(iri, base_iri)
    return path is not None and not path.startswith("//") and "\\" not in path


def _alias_or_replacement(store: Store, node: str) -> tuple[str | None, str | None]:
    """One query for the two kinds of IRI that answer with another's documents:

    * an ontology's version IRI, current (``owl:versionIRI``) or earlier
      (``owl:priorVersion``): (the ontology's IRI, None);
    * a forwarding stub, with no ``rdf:type`` and one ``dcterms:isReplacedBy``, an
      IRI: (None, the replacement).  A typed resource, or one replaced by several, is
      described as any other (its document lists the replacements).
    """
    rows = select(
        store,
        "SELECT DISTINCT ?ontology ?new ?typed WHERE { "
        f"{{ ?ontology <{OWL_VERSION_IRI}>|<{OWL_PRIOR_VERSION}> {node} }} UNION "
        f"{{ {node} <{DCTERMS_IS_REPLACED_BY}> ?new . "
        f"BIND(EXISTS {{ {node} <{RDF_TYPE}> ?t }} AS ?typed) }} }} LIMIT 10",
    )
    ontologies = sorted(
        r["ontology"].value for r in rows if isinstance(r.get("ontology"), ox.NamedNode)
    )
    if ontologies:
        return ontologies[0], None
    replacements = [r for r in rows if "new" in r]
    if len(replacements) == 1:
        new, typed = replacements[0]["new"], replacements[0].get("typed")
        if isinstance(new, ox.NamedNode) and term_value(typed) != "true":
            return None, new.value
    return None, None


def known_iris(store: Store, namespace: str, limit: int = 20000) -> list[str]:
    """Subjects under a namespace (at most ``limit``), for the suggestions of a 404 page
    (``accord.publish.suggestions``, which reads them once per dataset version)."""
    rows = select(
        store,
        "SELECT DISTINCT ?s WHERE { ?s ?p ?o "
        f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{_escape(namespace)}")) }} LIMIT {limit}',
    )
    return sorted(r["s"].value for r in rows)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


# --- descriptions ----------------------------------------------------------------


@dataclass
class Description:
    iri: str
    own: list[ox.Triple]  # the resource's statements and its blank nodes'
    inbound: list[ox.Triple]
    cards: list[ox.Triple]  # neighbours' own statements
    context: list[ox.Triple]  # labels and types of everything mentioned
    graphs: list[str] = field(default_factory=list)  # named graphs stating something of it
    truncated: bool = False

    @property
    def triples(self) -> list[ox.Triple]:
        """Everything the RDF representations hold, each triple once."""
        return list(dict.fromkeys([*self.own, *self.inbound, *self.cards, *self.context]))


def cbd_query(iri: str, depth: int = BNODE_DEPTH) -> str:
    """A CONSTRUCT of the resource's statements and, up to ``depth``, its blank nodes'."""
    node = ref(iri)
    template = [f"{node} ?p0 ?o0 ."]
    branches = [f"{{ {node} ?p0 ?o0 }}"]
    for d in range(1, depth + 1):
        path = [f"{node} ?q0 ?b1 . FILTER(isBlank(?b1))"]
        for k in range(1, d):
            path.append(f"?b{k} ?q{k} ?b{k + 1} . FILTER(isBlank(?b{k + 1}))")
        path.append(f"?b{d} ?p{d} ?o{d} .")
        template.append(f"?b{d} ?p{d} ?o{d} .")
        branches.append("{ " + " ".join(path) + " }")
    return "CONSTRUCT { " + " ".join(template) + " } WHERE { " + " UNION ".join(branches) + " }"


def describe(store: Store, iri: str) -> Description:
    """The description of a resource (see the module's docstring)."""
    node = ref(iri)
    own = construct(store, cbd_query(iri))
    inbound = construct(
        store,
        f"CONSTRUCT {{ ?s ?p {node} }} WHERE {{ ?s ?p {node} }} LIMIT {MAX_INBOUND + 1}",
    )
    truncated = len(inbound) > MAX_INBOUND
    inbound = inbound[:MAX_INBOUND]
    neighbours = sorted(
        {
            t.object.value
            for t in own
            if isinstance(t.object, ox.NamedNode) and t.predicate.value != RDF_TYPE
        }
        | {t.subject.value for t in inbound if isinstance(t.subject, ox.NamedNode)} - {iri}
    )
    if len(neighbours) > MAX_CARDS:
        neighbours, truncated = neighbours[:MAX_CARDS], True
    cards = _cards(store, neighbours)
    mentioned = {iri}
    for t in [*own, *inbound, *cards]:
        if isinstance(t.subject, ox.NamedNode):
            mentioned.add(t.subject.value)
        if isinstance(t.object, ox.NamedNode) and t.predicate.value != RDF_TYPE:
            mentioned.add(t.object.value)
    context = labels_and_types(store, sorted(mentioned))
    graphs = [
        r["g"].value
        for r in select(
            store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {node} ?p ?o }} }} ORDER BY ?g"
        )
    ]
    return Description(iri, own, inbound, cards, context, graphs, truncated)


def _values(iris: list[str]) -> str:
    return " ".join(ref(i) for i in iris)


def _cards(store: Store, iris: list[str]) -> list[ox.Triple]:
    out: list[ox.Triple] = []
    for start in range(0, len(iris), 200):
        chunk = _values(iris[start : start + 200])
        out += construct(
            store,
            f"CONSTRUCT {{ ?n ?p ?o }} WHERE {{ VALUES ?n {{ {chunk} }} ?n ?p ?o FILTER(!isBlank(?o)) }}",
        )
    return out


def labels_and_types(store: Store, iris: list[str]) -> list[ox.Triple]:
    """``rdfs:label``, ``skos:prefLabel`` and ``rdf:type`` statements of the IRIs."""
    out: list[ox.Triple] = []
    for start in range(0, len(iris), 200):
        chunk = _values(iris[start : start + 200])
        # One branch per property (a second VALUES, for ?p, made pyoxigraph read the
        # whole store for each chunk: 2 of a state page's 4.7 s at 150k triples).
        branches = " UNION ".join(
            f"{{ ?x <{p}> ?o BIND(<{p}> AS ?p) }}" for p in (RDFS_LABEL, SKOS_PREF_LABEL, RDF_TYPE)
        )
        out += construct(
            store,
            f"CONSTRUCT {{ ?x ?p ?o }} WHERE {{ VALUES ?x {{ {chunk} }} {branches} }}",
        )
    return out


def graph_triples(store: Store, graph_iri: str) -> list[ox.Triple]:
    """The statements of one named graph."""
    return construct(
        store, f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {ref(graph_iri)} {{ ?s ?p ?o }} }}"
    )


def _namespace_graphs(store: Store, doc_iri: str) -> list[str]:
    rows = select(
        store,
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o "
        f'FILTER(?s = {ref(doc_iri)} || STRSTARTS(STR(?s), "{_escape(doc_iri)}#")) }} }} ORDER BY ?g',
    )
    return [r["g"].value for r in rows]


def namespace_triples(store: Store, doc_iri: str) -> tuple[list[str], list[ox.Triple]]:
    """The graphs that define ``{doc_iri}`` or ``{doc_iri}#...`` terms, and the union of
    their statements (for the ontology: ``ontology/accord.ttl``)."""
    graphs = _namespace_graphs(store, doc_iri)
    if not graphs:
        return [], []
    triples = construct(
        store,
        f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {_values(graphs)} }} GRAPH ?g {{ ?s ?p ?o }} }}",
    )
    return graphs, triples
