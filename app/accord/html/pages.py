"""Data of the browsing pages: the index, the list of a class's instances, and the
commitments overview (a table of committers by condition types, and the network).

All of it comes from queries over the ontology's classes; the featured classes of the
index are ontology terms (states, people, declarations...), never particular data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from accord.html.network import Edge
from accord.html.sections import _q, _v
from accord.namespaces import PREFIXES
from accord.stores.base import Store

ACCORD = PREFIXES["accord"]
#: The classes the index puts first, with the heading they get.
FEATURED = [
    (ACCORD + "State", "States"),
    (PREFIXES["foaf"] + "Person", "People"),
    (ACCORD + "Declaration", "Declarations"),
    (ACCORD + "Commitment", "Commitments"),
    (ACCORD + "Condition", "Conditions"),
    (ACCORD + "Source", "Sources"),
    (ACCORD + "Summit", "Summits"),
    (ACCORD + "Statement", "Statements"),
]
#: Text shown beside an instance in a list, first found wins.
TEXTS = ["accord:summary", "skos:definition", "dcterms:description"]


@dataclass
class ClassCount:
    iri: str
    count: int


def class_counts(store: Store) -> list[ClassCount]:
    """Every class with instances (counting the instances of its subclasses too)."""
    rows = _q(
        store,
        """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
             ?s a ?t . ?t rdfs:subClassOf* ?class . FILTER(isIRI(?class))
           } GROUP BY ?class""",
    )
    return sorted(
        (ClassCount(_v(r, "class") or "", int(_v(r, "n") or 0)) for r in rows),
        key=lambda c: c.iri,
    )


def concept_schemes(store: Store) -> list[tuple[str, int]]:
    rows = _q(
        store,
        """SELECT ?scheme (COUNT(DISTINCT ?c) AS ?n) WHERE {
             ?scheme a skos:ConceptScheme . OPTIONAL { ?c skos:inScheme ?scheme }
           } GROUP BY ?scheme ORDER BY ?scheme""",
    )
    return [(_v(r, "scheme") or "", int(_v(r, "n") or 0)) for r in rows]


@dataclass
class Instance:
    iri: str
    text: str | None


def instances(store: Store, class_iri: str, limit: int = 5000) -> list[Instance]:
    """The instances of a class and of its subclasses, with a line of text each."""
    optionals = " ".join(f"OPTIONAL {{ ?s {p} ?t{i} }}" for i, p in enumerate(TEXTS))
    coalesce = ", ".join(f"?t{i}" for i in range(len(TEXTS)))
    rows = _q(
        store,
        f"""SELECT ?s (SAMPLE(COALESCE({coalesce})) AS ?text) WHERE {{
              ?s a/rdfs:subClassOf* <{class_iri}> . FILTER(isIRI(?s)) {optionals}
            }} GROUP BY ?s ORDER BY ?s LIMIT {limit}""",
    )
    return [Instance(_v(r, "s") or "", _v(r, "text")) for r in rows]


@dataclass
class Overview:
    rows: list[str]  # committers, and "" if some commitment has none recorded
    condition_types: list[str]
    numbers: dict[str, int]  # commitment -> its number in the legend
    cells: dict[tuple[str, str], list[str]]  # (committer, condition type or "") -> commitments
    edges: list[Edge]
    details: dict[str, tuple[str | None, str | None]]  # commitment -> (participation, stage)


def commitments_overview(store: Store) -> Overview:
    """Who commits to what under which kinds of condition, over all commitments."""
    rows = _q(
        store,
        f"""SELECT ?c ?who ?ctype ?participation ?stage WHERE {{
              ?c a/rdfs:subClassOf* <{ACCORD}Commitment> .
              OPTIONAL {{ ?c accord:committedBy ?who }}
              OPTIONAL {{ ?c accord:hasCondition/accord:conditionType ?ctype }}
              OPTIONAL {{ ?c accord:participation ?participation }}
              OPTIONAL {{ ?c accord:textStage ?stage }}
            }}""",
    )
    who: dict[str, set[str]] = defaultdict(set)
    types: dict[str, set[str]] = defaultdict(set)
    details: dict[str, tuple[str | None, str | None]] = {}
    for r in rows:
        c = _v(r, "c") or ""
        details.setdefault(c, (_v(r, "participation"), _v(r, "stage")))
        if w := _v(r, "who"):
            who[c].add(w)
        if t := _v(r, "ctype"):
            types[c].add(t)
    commitments = sorted(details)
    numbers = {c: i + 1 for i, c in enumerate(commitments)}
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in commitments:
        for w in sorted(who[c]) or [""]:
            for t in sorted(types[c]) or [""]:
                cells[(w, t)].append(c)
    edges = [Edge(tuple(sorted(who[c])), c, tuple(sorted(types[c]))) for c in commitments]
    missing = [""] if any(not who[c] for c in commitments) else []
    return Overview(
        sorted({w for ws in who.values() for w in ws}) + missing,
        sorted({t for ts in types.values() for t in ts}),
        numbers,
        dict(cells),
        edges,
        details,
    )
