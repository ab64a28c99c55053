"""Label columns for SELECT results: ``?x`` gets a neighbour ``?x_label``.

A spreadsheet user reading CSV sees IRIs; with ``labels=true`` each variable that is
bound to an IRI in some row gets a column ``{name}_label`` holding the IRI's
``skos:prefLabel`` or ``rdfs:label`` (English first, then untagged, then any language;
``skos:prefLabel`` before ``rdfs:label``).  Labels come from the union of all graphs.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Literal, URIRef

from accord.stores.base import SOLUTION_FORMATS, QueryResult, ResultKind, Store

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
#: IRIs looked up per query to the store.
BATCH = 500


@dataclass
class LabelledResult:
    """SELECT results with label columns, serialisable like any ``QueryResult``."""

    document: dict[str, object]
    kind: ResultKind = "solutions"

    def serialize(self, media_type: str) -> bytes:
        data = json.dumps(self.document).encode()
        if media_type == "application/sparql-results+json":
            return data
        parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        out = io.BytesIO()
        parsed.serialize(out, format=SOLUTION_FORMATS[media_type])
        return out.getvalue()


def with_labels(result: QueryResult, store: Store) -> QueryResult:
    """``result`` with a label column after each IRI-valued variable (SELECT only)."""
    if result.kind != "solutions":
        return result
    doc = json.loads(result.serialize("application/sparql-results+json"))
    variables: list[str] = doc["head"]["vars"]
    rows: list[dict[str, dict[str, str]]] = doc["results"]["bindings"]
    iri_vars = [v for v in variables if any(r.get(v, {}).get("type") == "uri" for r in rows)]
    new_vars = [v for v in iri_vars if f"{v}_label" not in variables]
    if not new_vars:
        return LabelledResult(doc)
    iris = sorted(
        {r[v]["value"] for r in rows for v in new_vars if r.get(v, {}).get("type") == "uri"}
    )
    labels = lookup_labels(store, iris)
    head: list[str] = []
    for v in variables:
        head.append(v)
        if v in new_vars:
            head.append(f"{v}_label")
    for row in rows:
        for v in new_vars:
            term = row.get(v)
            label = labels.get(term["value"]) if term and term["type"] == "uri" else None
            if label is not None:
                row[f"{v}_label"] = _json_literal(label)
    doc["head"]["vars"] = head
    return LabelledResult(doc)


def lookup_labels(store: Store, iris: list[str]) -> dict[str, Literal]:
    """The preferred label of each IRI that has one."""
    candidates: dict[str, list[tuple[tuple[int, int, str], Literal]]] = {}
    for start in range(0, len(iris), BATCH):
        values = " ".join(URIRef(i).n3() for i in iris[start : start + BATCH])
        # One branch per property: with a second VALUES (for ?p) pyoxigraph read every
        # triple of the store for each batch (0.3 s a batch at 150k triples, 100 times this).
        rows = store.select(
            f"SELECT ?x ?p ?label WHERE {{ VALUES ?x {{ {values} }} "
            f"{{ ?x <{SKOS_PREF_LABEL}> ?label BIND(<{SKOS_PREF_LABEL}> AS ?p) }} UNION "
            f"{{ ?x <{RDFS_LABEL}> ?label BIND(<{RDFS_LABEL}> AS ?p) }} "
            "FILTER(isLiteral(?label)) }"
        )
        for row in rows:
            label = row["label"]
            if not isinstance(label, Literal):
                continue
            rank = (_language_rank(label.language), 0 if str(row["p"]) == SKOS_PREF_LABEL else 1)
            candidates.setdefault(str(row["x"]), []).append(((*rank, str(label)), label))
    return {iri: min(found, key=lambda c: c[0])[1] for iri, found in candidates.items()}


def _language_rank(lang: str | None) -> int:
    if not lang:
        return 2
    lang = lang.lower()
    if lang == "en":
        return 0
    return 1 if lang.startswith("en-") else 3


def _json_literal(label: Literal) -> dict[str, str]:
    term = {"type": "literal", "value": str(label)}
    if label.language:
        term["xml:lang"] = label.language
    elif label.datatype and str(label.datatype) != "http://www.w3.org/2001/XMLSchema#string":
        term["datatype"] = str(label.datatype)
    return term
