"""Data of the browsing pages: the index, the list of a class's instances, and the
commitments overview (a table of committers by condition types, and the network).

All of it comes from queries over the ontology's classes; the featured classes of the
index are ontology terms (states, people, declarations...), never particular data.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

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


#: Every class with instances, and how many (its subclasses' instances too).
CLASS_COUNTS = """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s a ?t . ?t rdfs:subClassOf* ?class . FILTER(isIRI(?class))
} GROUP BY ?class"""
#: Every concept scheme, and how many concepts it has.
SCHEME_SIZES = """SELECT ?scheme (COUNT(DISTINCT ?c) AS ?n) WHERE {
  ?scheme a skos:ConceptScheme . OPTIONAL { ?c skos:inScheme ?scheme }
} GROUP BY ?scheme"""
#: Every named graph, and how many statements it holds.
GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"


def class_counts(store: Store) -> list[ClassCount]:
    """Every class with instances (counting the instances of its subclasses too)."""
    rows = _q(store, CLASS_COUNTS)
    return sorted(
        (ClassCount(_v(r, "class") or "", int(_v(r, "n") or 0)) for r in rows),
        key=lambda c: c.iri,
    )


def concept_schemes(store: Store) -> list[tuple[str, int]]:
    rows = _q(store, SCHEME_SIZES + " ORDER BY ?scheme")
    return [(_v(r, "scheme") or "", int(_v(r, "n") or 0)) for r in rows]


@dataclass
class Instance:
    iri: str
    text: str | None


def instances_query(class_iri: str) -> str:
    """The instances of a class and of its subclasses, with a line of text each."""
    optionals = " ".join(f"OPTIONAL {{ ?s {p} ?t{i} }}" for i, p in enumerate(TEXTS))
    coalesce = ", ".join(f"?t{i}" for i in range(len(TEXTS)))
    return f"""SELECT ?s (SAMPLE(COALESCE({coalesce})) AS ?text) WHERE {{
              ?s a/rdfs:subClassOf* <{class_iri}> . FILTER(isIRI(?s)) {optionals}
            }} GROUP BY ?s ORDER BY ?s"""


def instances(store: Store, class_iri: str, limit: int = 500) -> tuple[list[Instance], int]:
    """The first ``limit`` instances of a class and its subclasses (by IRI), with a line
    of text each, and how many there are."""
    rows = _q(store, f"{instances_query(class_iri)} LIMIT {limit}")
    found = [Instance(_v(r, "s") or "", _v(r, "text")) for r in rows]
    if len(found) < limit:
        return found, len(found)
    counted = _q(
        store,
        f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a/rdfs:subClassOf* <{class_iri}> . "
        "FILTER(isIRI(?s)) }",
    )
    return found, int(_v(counted[0], "n") or 0) if counted else len(found)


#: The commitments overview's query (ordered, for the link to all of its rows).
OVERVIEW = """SELECT ?c ?who ?ctype ?participation ?stage WHERE {
  ?c a/rdfs:subClassOf* accord:Commitment .
  OPTIONAL { ?c accord:committedBy ?who }
  OPTIONAL { ?c accord:hasCondition/accord:conditionType ?ctype }
  OPTIONAL { ?c accord:participation ?participation }
  OPTIONAL { ?c accord:textStage ?stage }
} ORDER BY ?c"""
#: What each commitment contributes (its contribution types), for the overview's cells.
CONTRIBUTIONS = """SELECT ?c ?contribution WHERE {
  ?c a/rdfs:subClassOf* accord:Commitment ; accord:contributionType ?contribution .
}"""
#: How much the table and the network of the commitments overview may draw, per row of
#: the page's limit: cells of the table, badges in them, and edges of the network.
DRAWN_PER_ROW = 40


@dataclass
class Overview:
    rows: list[str]  # committers, and "" if some commitment has none recorded
    condition_types: list[str]
    numbers: dict[str, int]  # commitment -> its number in the legend
    cells: dict[tuple[str, str], list[str]]  # (committer, condition type or "") -> commitments
    edges: list[Edge]
    details: dict[str, tuple[str | None, str | None]]  # commitment -> (participation, stage)
    #: How many commitments there are (``numbers`` holds the first ``limit`` of them).
    total: int = 0
    #: The table and the network would be too big to draw (the list is still shown).
    too_big: bool = False
    #: commitment -> its contribution types (what the table's cells say it is)
    contributions: dict[str, list[str]] = field(default_factory=dict)


def commitments_overview(store: Store, limit: int = 500) -> Overview:
    """Who commits to what under which kinds of condition: the first ``limit``
    commitments (by IRI), and how many there are.  The table and the network are left
    out (``too_big``) when they would draw more than ``DRAWN_PER_ROW * limit`` cells,
    badges or edges."""
    rows = _q(store, OVERVIEW)
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
    total = len(details)
    commitments = sorted(details)[:limit]
    details = {c: details[c] for c in commitments}
    numbers = {c: i + 1 for i, c in enumerate(commitments)}
    committers = sorted({w for c in commitments for w in who[c]})
    condition_types = sorted({t for c in commitments for t in types[c]})
    missing = [""] if any(not who[c] for c in commitments) else []
    budget = DRAWN_PER_ROW * limit
    badges = sum(max(len(who[c]), 1) * max(len(types[c]), 1) for c in commitments)
    edges_drawn = sum(len(who[c]) + len(types[c]) for c in commitments)
    cells_drawn = (len(committers) + len(missing)) * (len(condition_types) + 1)
    if max(badges, edges_drawn, cells_drawn) > budget:
        return Overview([], [], numbers, {}, [], details, total, too_big=True)
    cells: dict[tuple[str, str], list[str]] = defaultdict(list)
    for c in commitments:
        for w in sorted(who[c]) or [""]:
            for t in sorted(types[c]) or [""]:
                cells[(w, t)].append(c)
    edges = [Edge(tuple(sorted(who[c])), c, tuple(sorted(types[c]))) for c in commitments]
    contributions: dict[str, list[str]] = defaultdict(list)
    for r in _q(store, CONTRIBUTIONS):
        made, kind = _v(r, "c"), _v(r, "contribution")
        if made in numbers and made and kind:
            contributions[made].append(kind)
    return Overview(
        committers + missing,
        condition_types,
        numbers,
        dict(cells),
        edges,
        details,
        total,
        contributions={c: sorted(set(k)) for c, k in contributions.items()},
    )
