"""What ``accord validate`` reports besides SHACL, read from the store.

For the compiled engine (app/accord/shacl/compiled.py): the files that describe each focus
node (:func:`files_of`, as :meth:`~accord.shacl.validation.LoadedFiles.files_of` says), the
terms of the namespaces Accord owns that each data file uses (:func:`owned_terms`, for the
namespace closure) and the part of the data the evidence check reads (:func:`evidence_files`);
the checks themselves are those of app/accord/shacl/validation.py.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

from rdflib import Graph, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from accord.namespaces import ACCORD
from accord.shacl.oxdata import OxData, to_ox
from accord.shacl.validation import (
    OWNED,
    PROV_DERIVED,
    LoadedFiles,
)


def files_of(data: OxData, ontology: LoadedFiles, results: Graph) -> dict[Node, list[str]]:
    """The files of each focus node of the results, as
    :meth:`~accord.shacl.validation.LoadedFiles.files_of` gives them."""
    of_ontology = ontology.files_of()
    found: dict[Node, list[str]] = {}
    for node in set(results.objects(None, SH.focusNode)):
        term = to_ox(node)
        where = [f.name for f in data.files if f.data and data.is_subject(term, [f.graph])]
        where = where or [f.name for f in data.files if f.data and data.is_object(term, [f.graph])]
        if where:
            found[node] = where
        elif node in of_ontology:
            found[node] = of_ontology[node]
    return found


def owned_terms(data: OxData) -> LoadedFiles:
    """The terms of the namespaces Accord owns that each data file uses, where (for
    :func:`~accord.shacl.validation.undeclared`)."""
    loaded = LoadedFiles()
    starts = " || ".join(f'STRSTARTS(STR(?t), "{ns}")' for ns in OWNED)
    for file in data.files:
        if not file.data:
            continue
        query = (
            "SELECT ?t (SAMPLE(?s) AS ?subject) (SAMPLE(?p) AS ?predicate) WHERE { "
            f"GRAPH {file.graph} {{ {{ ?t ?p ?o BIND (?t AS ?s) }} UNION "
            "{ ?s ?t ?o BIND (?t AS ?p) } UNION { ?s ?p ?t } } "
            f"FILTER (isIRI(?t) && ({starts})) }} GROUP BY ?t"
        )
        for row in data.store.query(query):  # type: ignore[union-attr]
            term = URIRef(row["t"].value)
            loaded.owned_terms[term].append(
                (file.name, data.rdflib(row["subject"]), data.rdflib(row["predicate"]))
            )
    return loaded


def evidence_files(data: OxData, focus: Container[Node] | None) -> LoadedFiles:
    """The part of the data the evidence check reads: the nodes with evidence whose
    sources name an archived copy (the others are not checked), with their evidence,
    locators and sources; and which files describe them."""
    graphs = data.graphs()
    query = (
        "SELECT DISTINCT ?node WHERE { "
        f"?node <{ACCORD.evidence}> ?e ; <{PROV_DERIVED}> ?source . "
        f"?source <{ACCORD.localCopy}> ?copy }}"
    )
    loaded = LoadedFiles()
    wanted = (ACCORD.evidence, ACCORD.locator, PROV_DERIVED)
    options: dict[str, Any] = {"default_graph": graphs} if graphs else {}
    for row in data.store.query(query, **options):  # type: ignore[union-attr]
        node = row["node"]
        subject = data.rdflib(node)
        if focus is not None and subject not in focus:
            continue
        for triple in data.outgoing(node, graphs):
            predicate = data.rdflib(triple.predicate)
            if predicate in wanted:
                obj = data.rdflib(triple.object)
                loaded.graph.add((subject, predicate, obj))
                if predicate == PROV_DERIVED:
                    for held in data.outgoing(triple.object, graphs):
                        if held.predicate.value == str(ACCORD.localCopy):
                            loaded.graph.add((obj, ACCORD.localCopy, data.rdflib(held.object)))
        names = [f.name for f in data.files if f.data and data.is_subject(node, [f.graph])]
        if names:
            loaded.subject_in[subject] = names
        names = [f.name for f in data.files if f.data and data.is_object(node, [f.graph])]
        if names:
            loaded.object_in[subject] = names
    return loaded
