"""The generic page of a resource, as data for ``resource.html``.

From a ``Description``: the resource's statements grouped by property (blank nodes and
conditions shown inline), what links to it, and its provenance: the sources it is
derived from (with publisher, channel and date) and the statements that report it
(speaker, date, verbatim quote), so that a commitment's page says who pledged, under
which conditions, according to whom.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from accord.html import Linker, curie
from accord.publish.describe import RDF_TYPE, Description, term_value

ACCORD = "https://w3id.org/accord/ontology#"
PROV = "http://www.w3.org/ns/prov#"
SCHEMA = "https://schema.org/"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_FIRST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#first"
RDF_REST = "http://www.w3.org/1999/02/22-rdf-syntax-ns#rest"
RDF_NIL = "http://www.w3.org/1999/02/22-rdf-syntax-ns#nil"

#: Properties through which a resource names its sources.
SOURCE_PROPERTIES = [PROV + "wasDerivedFrom", PROV + "hadPrimarySource", PROV + "wasQuotedFrom"]
#: Properties whose values are shown inline with their own statements.
EXPANDED = {ACCORD + "hasCondition"}
#: Text properties shown under the title, first found wins.
TEXT_PROPERTIES = [
    ACCORD + "summary",
    "http://www.w3.org/2004/02/skos/core#definition",
    "http://purl.org/dc/terms/description",
    "http://www.w3.org/2000/01/rdf-schema#comment",
]


@dataclass
class Value:
    kind: str  # "iri", "literal" or "bnode"
    text: str
    iri: str | None = None
    lang: str | None = None
    datatype: str | None = None
    rows: list[Row] = field(default_factory=list)
    items: list[Value] = field(default_factory=list)  # an RDF list's members


@dataclass
class Row:
    predicate: str
    values: list[Value]


@dataclass
class SourceView:
    iri: str
    role: str
    publisher: str | None
    channel: str | None
    date: str | None
    url: str | None


@dataclass
class ReportView:
    """A statement that reports the resource: who said it, when, in which words."""

    iri: str
    speaker: str | None
    date: str | None
    quotes: list[str]
    summary: str | None
    channel: str | None
    sources: list[str]
    date_note: str | None


@dataclass
class ResourceView:
    iri: str
    types: list[str]
    text: str | None
    rows: list[Row]
    inbound: list[tuple[str, list[str]]]  # (property, subjects)
    sources: list[SourceView]
    reports: list[ReportView]
    graphs: list[str]
    truncated: bool


def _by_subject(triples: list[ox.Triple]) -> dict[str, list[ox.Triple]]:
    out: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        key = t.subject.value if isinstance(t.subject, ox.NamedNode) else str(t.subject)
        out[key].append(t)
    return out


def _first(triples: list[ox.Triple], predicate: str) -> object | None:
    values = sorted((t.object for t in triples if t.predicate.value == predicate), key=str)
    return values[0] if values else None


def _all(triples: list[ox.Triple], predicate: str) -> list[str]:
    return sorted({term_value(t.object) for t in triples if t.predicate.value == predicate})


def _text(term: object) -> str | None:
    return term.value if isinstance(term, ox.Literal | ox.NamedNode) else None


def value_of(
    term: object, linker: Linker, own: dict[str, list[ox.Triple]], depth: int = 0
) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value("iri", linker.label(term.value), iri=term.value)
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        datatype = None if dt in (XSD_STRING, RDF_LANG_STRING) else curie(dt)
        return Value("literal", term.value, lang=term.language, datatype=datatype)
    members = _list_members(term, own)
    if members is not None:
        return Value("list", "", items=[value_of(m, linker, own, depth + 1) for m in members])
    rows = rows_of(own.get(str(term), []), linker, own, depth + 1) if depth < 8 else []
    return Value("bnode", "", rows=rows)


def _list_members(term: object, own: dict[str, list[ox.Triple]]) -> list[object] | None:
    """The members of a well-formed RDF list starting at ``term``, else None."""
    members: list[object] = []
    seen: set[str] = set()
    while not (isinstance(term, ox.NamedNode) and term.value == RDF_NIL):
        key = str(term)
        props = {t.predicate.value: t.object for t in own.get(key, [])}
        if key in seen or set(props) != {RDF_FIRST, RDF_REST} or len(own[key]) != 2:
            return None
        seen.add(key)
        members.append(props[RDF_FIRST])
        term = props[RDF_REST]
    return members


def rows_of(
    triples: list[ox.Triple], linker: Linker, own: dict[str, list[ox.Triple]], depth: int = 0
) -> list[Row]:
    """Statements grouped by property (types first, then by property label)."""
    grouped: dict[str, list[ox.Triple]] = defaultdict(list)
    for t in triples:
        grouped[t.predicate.value].append(t)
    order = sorted(grouped, key=lambda p: (p != RDF_TYPE, linker.label(p).lower(), p))
    rows = []
    for p in order:
        objects = sorted(
            {t.object for t in grouped[p]}, key=lambda o: (_sort_text(o, linker), str(o))
        )
        rows.append(Row(p, [value_of(o, linker, own, depth) for o in objects]))
    return rows


def _sort_text(term: object, linker: Linker) -> str:
    if isinstance(term, ox.NamedNode):
        return linker.label(term.value).lower()
    return term.value.lower() if isinstance(term, ox.Literal) else "~"


def resource_view(d: Description, linker: Linker) -> ResourceView:
    """The page data of a described resource."""
    node = ox.NamedNode(d.iri)
    own = _by_subject(d.own)
    cards = _by_subject(d.cards)
    mine = [t for t in d.own if t.subject == node]
    rows = rows_of([t for t in mine if t.predicate.value not in SOURCE_PROPERTIES], linker, own)
    for row in rows:
        if row.predicate in EXPANDED:
            for v in row.values:
                if v.iri and v.iri in cards:
                    v.rows = rows_of(cards[v.iri], linker, own, 1)
    text = next(
        (term_value(t) for p in TEXT_PROPERTIES if (t := _first(mine, p)) is not None), None
    )
    inbound: dict[str, list[str]] = defaultdict(list)
    for t in d.inbound:
        if isinstance(t.subject, ox.NamedNode):
            inbound[t.predicate.value].append(t.subject.value)
    inbound_rows = [
        (p, sorted(set(subjects), key=lambda s: linker.label(s).lower()))
        for p, subjects in sorted(inbound.items(), key=lambda kv: linker.label(kv[0]).lower())
    ]
    sources = [
        _source(o, "primary source" if p == PROV + "hadPrimarySource" else "source", cards)
        for p in SOURCE_PROPERTIES
        for o in _all(mine, p)
    ]
    reporting = {
        term_value(t.subject) for t in d.inbound if t.predicate.value == ACCORD + "supports"
    }
    reporting |= set(_all(mine, ACCORD + "expressedIn"))
    reports = [
        _report(s, cards[s])
        for s in sorted(reporting)
        if s in cards and ACCORD + "Statement" in _all(cards[s], RDF_TYPE)
    ]
    return ResourceView(
        d.iri,
        _all(mine, RDF_TYPE),
        text,
        rows,
        inbound_rows,
        sources,
        reports,
        d.graphs,
        d.truncated,
    )


def _source(iri: str, role: str, cards: dict[str, list[ox.Triple]]) -> SourceView:
    card = cards.get(iri, [])
    return SourceView(
        iri,
        role,
        _text(_first(card, ACCORD + "publisher")),
        _text(_first(card, ACCORD + "channel")),
        _text(_first(card, ACCORD + "date")),
        _text(_first(card, SCHEMA + "url")),
    )


def _report(iri: str, card: list[ox.Triple]) -> ReportView:
    return ReportView(
        iri,
        _text(_first(card, ACCORD + "speaker")),
        _text(_first(card, ACCORD + "date")),
        _all(card, ACCORD + "quote"),
        _text(_first(card, ACCORD + "summary")),
        _text(_first(card, ACCORD + "channel")),
        [*_all(card, PROV + "wasDerivedFrom"), *_all(card, PROV + "hadPrimarySource")],
        _text(_first(card, ACCORD + "dateNote")),
    )
