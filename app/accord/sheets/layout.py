"""The workbook layout: one sheet per kind of record, one column per property.

The layout is written here once, as lists of properties per sheet; everything else a
column needs is read from the ontology: its header (the property's ``rdfs:label``),
its definition for the codebook (``skos:definition``), and what a cell holds (a
reference to another record, a concept of a SKOS scheme, text, a date...).  The
concept schemes come from the value-set shapes, so a drop-down list offers exactly
what validation accepts.

Cell conventions, the same in a workbook and in a folder of CSV files:

- ``id``: the record's id; its IRI is ``https://w3id.org/accord/id/{id}``.
- a reference: another record's id, a CURIE (``wd:Q142``) or a full IRI; several
  separated by ``"; "``.
- a concept: its preferred label from the drop-down list (``formal ceasefire``); the
  concept's local name (``FormalCeasefire``) is accepted too.
- text: English unless it ends in ``@xx`` (``Freedonie@fr``); several values of a
  text or string column are on separate lines of the cell.
- a date: a date cell, or ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` as text.
- true/false: a boolean cell, or ``true`` / ``false``.

Whatever a record says that no column holds (a second type, a property of another
vocabulary, a blank node) goes to the sheet ``other statements``, one triple per row, so
that a graph exported to a workbook and imported again is the same graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import cache

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, SH, SKOS, XSD

from accord import resources
from accord.namespaces import ACCORD, PREFIXES

ID = PREFIXES["id"]


class Kind(Enum):
    REF = "reference"  # ids of other records (or CURIEs, IRIs)
    CONCEPT = "concept"  # a concept of one SKOS scheme, by its label
    TEXT = "text"  # rdf:langString
    STRING = "string"  # xsd:string
    DATE = "date"  # xsd:date, xsd:gYearMonth or xsd:gYear
    BOOL = "true/false"
    INT = "integer"
    IRI = "IRI"  # an external IRI (Wikidata, a web page): not checked against the records


@dataclass(frozen=True)
class Column:
    prop: URIRef
    header: str
    kind: Kind
    definition: str
    scheme: URIRef | None = None  # for concepts
    concepts: tuple[tuple[URIRef, str], ...] = ()  # (concept, label), in scheme order


@dataclass(frozen=True)
class Sheet:
    name: str
    classes: tuple[URIRef, ...]  # the first is the default kind of record
    columns: tuple[Column, ...]
    description: str

    @property
    def kinds(self) -> bool:
        """Whether the sheet has a ``kind`` column (it holds several classes)."""
        return len(self.classes) > 1


OTHER = "other statements"

A = PREFIXES["accord"]
_P = {
    "label": RDFS.label,
    "derived": URIRef(PREFIXES["prov"] + "wasDerivedFrom"),
    "primary": URIRef(PREFIXES["prov"] + "hadPrimarySource"),
    "sameAs": OWL.sameAs,
}

# Columns every coded sheet ends with: the evidence and where the claim comes from.
_PROVENANCE = ("evidence", "locator", "codingNote", "derived", "primary")

# (sheet name, classes, properties in column order, description)
_SHEETS: list[tuple[str, tuple[str, ...], tuple[str, ...], str]] = [
    (
        "sources",
        ("Source",),
        (
            "label",
            "channel",
            "publisher",
            "date",
            "notBefore",
            "dateNote",
            "localCopy",
            "schema:url",
            "summary",
            "evidence",
            "locator",
            "derived",
        ),
        "The documents the claims are taken from: the article, the outlets it relays, reference datasets.",
    ),
    (
        "states and groups",
        (
            "State",
            "StateGroup",
            "Coalition",
            "InternationalOrganisation",
            "Legislature",
            "MediaOrganisation",
            "Mission",
        ),
        (
            "label",
            "iso3166Alpha2",
            "iso3166Alpha3",
            "cowCode",
            "cowAbbrev",
            "gwCode",
            "org:subOrganizationOf",
            "org:unitOf",
            "org:hasMember",
            "ledBy",
            "contributesTo",
            "summary",
            "sameAs",
            *_PROVENANCE,
        ),
        "States, groups of states, coalitions, organisations, legislatures, outlets, missions.",
    ),
    ("people", ("foaf:Person",), ("label", "sameAs", *_PROVENANCE), "People."),
    ("places", ("schema:Place",), ("label", "schema:containedInPlace", *_PROVENANCE), "Places."),
    (
        "offices",
        ("OfficeHolding",),
        (
            "label",
            "org:member",
            "org:organization",
            "org:role",
            "officeTitle",
            "attestedOn",
            "org:memberDuring",
            "dateNote",
            *_PROVENANCE,
        ),
        "Who held which office, attested on which dates.",
    ),
    (
        "memberships",
        ("GroupMembership",),
        (
            "label",
            "org:member",
            "org:organization",
            "attestedOn",
            "org:memberDuring",
            "dateNote",
            *_PROVENANCE,
        ),
        "Which state belonged to which group, when.",
    ),
    (
        "summits",
        ("Summit",),
        ("label", "date", "location", "hostedBy", "convenedBy", "summary", *_PROVENANCE),
        "Summits and other meetings of leaders.",
    ),
    (
        "participations",
        ("Participation",),
        ("label", "event", "participant", "onBehalfOf", "participantRole", "summary", *_PROVENANCE),
        "Who took part in which meeting, for whom.",
    ),
    (
        "declarations",
        ("Declaration",),
        ("label", "issuedBy", "adoptedAt", "hasVersion", "date", *_PROVENANCE),
        "Declarations and agreements.",
    ),
    (
        "text versions",
        ("DraftText", "FinalText"),
        (
            "label",
            "versionOf",
            "containsProvision",
            "prov:wasRevisionOf",
            "date",
            "dateNote",
            *_PROVENANCE,
        ),
        "Drafts and final texts of a declaration.",
    ),
    (
        "provisions",
        ("Provision",),
        ("label", "summary", "textStage", *_PROVENANCE),
        "What a text version provides.",
    ),
    (
        "signatures",
        ("Signature", "NonSignature"),
        (
            "label",
            "declaration",
            "signatory",
            "nonSignatory",
            "date",
            "adoptedAt",
            "summary",
            *_PROVENANCE,
        ),
        "Who signed a declaration, and who is reported as not signing it.",
    ),
    (
        "signatory lists",
        ("SignatoryList",),
        ("label", "declaration", "listedSignatory", "closedList", *_PROVENANCE),
        "A source's list of signatories, closed if it says 'only'.",
    ),
    (
        "guarantees",
        ("SecurityGuarantee",),
        (
            "label",
            "beneficiary",
            "guarantor",
            "backedBy",
            "hasComponent",
            "hasCondition",
            "openQuestion",
            "summary",
            *_PROVENANCE,
        ),
        "Security guarantees and the commitments they are made of.",
    ),
    (
        "commitments",
        ("Commitment",),
        (
            "label",
            "committedBy",
            "beneficiary",
            "contributionType",
            "item",
            "location",
            "commitmentLevel",
            "participation",
            "atopObligation",
            "hasCondition",
            "reliesOn",
            "forMission",
            "textStage",
            "expressedIn",
            "sameCommitmentAs",
            "rank",
            "summary",
            *_PROVENANCE,
        ),
        "One source's account of a commitment: who, to whom, what, how firmly, on which conditions.",
    ),
    (
        "conditions",
        ("Condition",),
        (
            "label",
            "conditionType",
            "conditionScope",
            "approvingBody",
            "provider",
            "adversary",
            *_PROVENANCE,
        ),
        "What a commitment or guarantee depends on.",
    ),
    (
        "expectations",
        ("Expectation",),
        ("label", "expectationType", "provider", *_PROVENANCE),
        "What a contribution is said to be supported by, without depending on it.",
    ),
    (
        "events",
        ("CommitmentEvent",),
        (
            "label",
            "ofCommitment",
            "eventType",
            "byAgent",
            "date",
            "notBefore",
            "notAfter",
            "dateNote",
            *_PROVENANCE,
        ),
        "Steps in the life of a commitment: announced, signed, approved, delivered, withdrawn...",
    ),
    (
        "statements",
        ("Statement",),
        (
            "label",
            "speaker",
            "date",
            "notBefore",
            "dateNote",
            "channel",
            "quote",
            "summary",
            "supports",
            "echoes",
            "reiterated",
            *_PROVENANCE,
        ),
        "What a person said, as the source reports it; quotes verbatim.",
    ),
    (
        "positions",
        ("Position",),
        (
            "label",
            "heldBy",
            "stance",
            "concerns",
            "expressedIn",
            "summary",
            "dateNote",
            *_PROVENANCE,
        ),
        "Stances of states: refusals, options left open, rejections, caution.",
    ),
    (
        "proposals",
        ("Proposal",),
        ("label", "proposedBy", "summary", *_PROVENANCE),
        "Plans put forward for others to accept.",
    ),
]


def _iri(name: str) -> URIRef:
    if name in _P:
        return URIRef(_P[name])
    if ":" in name:
        prefix, local = name.split(":", 1)
        return URIRef(PREFIXES[prefix] + local)
    return URIRef(A + name)


@cache
def ontology() -> Graph:
    graph = Graph()
    for path in sorted(resources.ONTOLOGY.glob("*.ttl")):
        graph.parse(path)
    return graph


@cache
def value_sets() -> dict[URIRef, URIRef]:
    """Property -> its SKOS scheme, from the value-set shapes (sh:in lists)."""
    shapes = Graph().parse(resources.SHAPES / "value-sets.ttl")
    found: dict[URIRef, URIRef] = {}
    for shape, head in shapes.subject_objects(SH["in"]):
        path = shapes.value(shape, SH.path)
        members = list(Collection(shapes, head))
        if members and isinstance(path, URIRef):
            scheme = ontology().value(members[0], SKOS.inScheme)
            if isinstance(scheme, URIRef):
                found[path] = scheme
    return found


_DATES = {XSD.date, XSD.gYear, XSD.gYearMonth}
_STRINGS = {
    ACCORD.evidence,
    ACCORD.locator,
    ACCORD.localCopy,
    ACCORD.iso3166Alpha2,
    ACCORD.iso3166Alpha3,
    ACCORD.cowAbbrev,
}
_EXTERNAL = {OWL.sameAs, URIRef(PREFIXES["schema"] + "url")}


def _kind(prop: URIRef) -> Kind:
    onto = ontology()
    if prop in value_sets():
        return Kind.CONCEPT
    if prop in _EXTERNAL:
        return Kind.IRI
    if prop in _STRINGS:
        return Kind.STRING
    if prop in (ACCORD.date, ACCORD.notBefore, ACCORD.notAfter, ACCORD.attestedOn):
        return Kind.DATE
    rng = onto.value(prop, RDFS.range)
    if rng in (XSD.boolean,):
        return Kind.BOOL
    if rng in (XSD.integer,):
        return Kind.INT
    if rng in _DATES:
        return Kind.DATE
    if rng == RDF.langString or prop in (RDFS.label,):
        return Kind.TEXT
    if rng == XSD.string:
        return Kind.STRING
    return Kind.REF


def _text(graph: Graph, node: URIRef, prop: URIRef) -> str:
    value = graph.value(node, prop)
    return str(value) if value is not None else ""


def _column(prop: URIRef) -> Column:
    onto = ontology()
    borrowed_header, borrowed_definition = _BORROWED.get(prop, (_local(prop), ""))
    header = _text(onto, prop, RDFS.label) or borrowed_header
    definition = _text(onto, prop, SKOS.definition) or borrowed_definition
    kind = _kind(prop)
    scheme = value_sets().get(prop)
    concepts: tuple[tuple[URIRef, str], ...] = ()
    if scheme is not None:
        members = [c for c in onto.subjects(SKOS.inScheme, scheme) if isinstance(c, URIRef)]
        concepts = tuple(
            sorted(
                ((c, _text(onto, c, SKOS.prefLabel) or _local(c)) for c in members),
                key=lambda x: x[1],
            )
        )
    return Column(prop, header, kind, definition, scheme, concepts)


#: Header and definition of the columns whose property is not Accord's own (the
#: ontology declares these without labels or definitions of its own).
_BORROWED: dict[URIRef, tuple[str, str]] = {
    RDFS.label: ("label", "A name for the record, in English (one per language)."),
    OWL.sameAs: ("same as", "The same thing in Wikidata (wd:Q...)."),
    _iri("derived"): (
        "derived from source",
        "The source the record is taken from (an id in the sheet 'sources').",
    ),
    _iri("primary"): (
        "primary source",
        "The original report, website or post that the source relays, if any.",
    ),
    _iri("org:member"): ("member", "The person or state that holds the office or membership."),
    _iri("org:organization"): (
        "organisation",
        "The state or organisation of the office, or the group.",
    ),
    _iri("org:role"): ("role", "The office's role."),
    _iri("org:memberDuring"): ("term", "The term (a time interval, see 'other statements')."),
    _iri("org:subOrganizationOf"): (
        "part of",
        "The larger group or organisation this one is part of.",
    ),
    _iri("org:unitOf"): ("unit of", "The state a legislature belongs to."),
    _iri("org:hasMember"): ("has member", "Members, where the source gives them without dates."),
    _iri("schema:containedInPlace"): ("contained in place", "The larger place this one is in."),
    _iri("schema:url"): ("url", "The web address of the source."),
    _iri("prov:wasRevisionOf"): ("revision of", "The earlier text version this one revises."),
}


def _local(iri: URIRef) -> str:
    text = str(iri)
    return text.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


@cache
def layout() -> tuple[Sheet, ...]:
    sheets = []
    for name, classes, props, description in _SHEETS:
        columns = tuple(_column(_iri(p)) for p in props)
        headers = [c.header for c in columns]
        assert len(set(headers)) == len(headers), f"sheet {name}: two columns named alike"
        sheets.append(Sheet(name, tuple(_iri(c) for c in classes), columns, description))
    return tuple(sheets)


def sheet_named(name: str) -> Sheet | None:
    return next((s for s in layout() if s.name == name), None)


def class_name(iri: URIRef) -> str:
    return _local(iri)
