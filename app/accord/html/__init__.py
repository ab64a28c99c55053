"""HTML pages of the linked-data interface: Jinja2 templates (``templates/``), the
link and label helpers they use, and the page headers (a strict Content-Security-Policy:
these pages run no script at all).

Links to minted IRIs are root-relative server paths (``/id/FR``), so the pages work on
any host; every other IRI links to itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from accord import __version__
from accord.namespaces import PREFIXES, curie
from accord.publish.describe import path_for_iri
from accord.query.labels import lookup_labels
from accord.stores.base import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: No script, styles and images from this origin only (the network picture is inline SVG).
CSP = (
    "default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'self'"
)
HTML_HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff"}

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass
class Linker:
    """Labels and links of IRIs for one page."""

    base_iri: str
    root: str = ""  # the application's root path behind a proxy
    labels: dict[str, str] = field(default_factory=dict)

    def href(self, iri: str) -> str:
        """Where a link to ``iri`` goes: a minted IRI to its page on this server (a path
        that would be protocol-relative, ``{base}/evil.example/x``, is kept on this server
        as ``/evil.example/x``); another http(s) IRI to itself; any other scheme
        (``javascript:``, ``data:``) nowhere: data never plants a script or an off-site
        jump in a page."""
        path = path_for_iri(iri, self.base_iri)
        if path is not None:
            return self.root + "/" + path.lstrip("/\\")
        if iri.lower().startswith(("http://", "https://")):
            return iri
        return "#"

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or WELL_KNOWN.get(iri) or curie(iri)

    def learn(self, store: Store, iris: Iterable[str]) -> None:
        """Look up the labels of IRIs not labelled yet ("" stands for none, e.g. the
        commitments overview's row of commitments with no committer recorded)."""
        missing = sorted({i for i in iris if i and i not in self.labels})
        if missing:
            found = lookup_labels(store, missing)
            self.labels.update({k: str(v) for k, v in found.items()})

    def learn_from(self, triples: Iterable[ox.Triple]) -> None:
        """Take labels from ``rdfs:label``/``skos:prefLabel`` statements (English or
        untagged first, ``skos:prefLabel`` before ``rdfs:label``)."""
        ranked: dict[str, tuple[tuple[int, int, str], str]] = {}
        for t in triples:
            p = t.predicate.value
            if p not in _LABEL_RANK or not isinstance(t.object, ox.Literal):
                continue
            if not isinstance(t.subject, ox.NamedNode):
                continue
            lang = (t.object.language or "").lower()
            lrank = 0 if lang in ("en", "") else 1 if lang.startswith("en-") else 2
            key = (lrank, _LABEL_RANK[p], t.object.value)
            old = ranked.get(t.subject.value)
            if old is None or key < old[0]:
                ranked[t.subject.value] = (key, t.object.value)
        for iri, (_, text) in ranked.items():
            self.labels.setdefault(iri, text)


@dataclass(frozen=True)
class More:
    """A section cut at the page's row limit (``page_max_rows``): how many rows it has,
    how many the page shows, and where to get them all (``href``)."""

    shown: int
    total: int
    what: str  # "commitments", "instances"...
    href: str
    via: str = "CSV from the SPARQL endpoint"


def more(shown: int, total: int, what: str, href: str, via: str | None = None) -> More | None:
    """A ``More`` if the section was cut, else None."""
    if total <= shown:
        return None
    return More(shown, total, what, href, via) if via else More(shown, total, what, href)


def sparql_href(root: str, query: str) -> str:
    """A link to the answer of ``query`` as CSV with labels, from this SPARQL endpoint
    (the prefixes of the project's map that the query uses are declared)."""
    used = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items() if f"{p}:" in query)
    text = used + " ".join(query.split())
    return f"{root}/sparql?" + urlencode({"query": text, "format": "csv", "labels": "true"})


_RDF, _RDFS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "http://www.w3.org/2000/01/rdf-schema#"
_OWL, _SKOS = "http://www.w3.org/2002/07/owl#", "http://www.w3.org/2004/02/skos/core#"
_PROV, _ORG = "http://www.w3.org/ns/prov#", "http://www.w3.org/ns/org#"
#: Labels of common terms of other vocabularies, which the dataset does not label.
WELL_KNOWN = {
    _RDF + "type": "type",
    _RDFS + "label": "label",
    _RDFS + "comment": "comment",
    _RDFS + "seeAlso": "see also",
    _RDFS + "isDefinedBy": "defined by",
    _RDFS + "subClassOf": "subclass of",
    _RDFS + "subPropertyOf": "subproperty of",
    _RDFS + "domain": "domain",
    _RDFS + "range": "range",
    _OWL + "sameAs": "same as",
    _OWL + "inverseOf": "inverse of",
    _OWL + "equivalentClass": "equivalent class",
    _OWL + "disjointWith": "disjoint with",
    _OWL + "versionIRI": "version IRI",
    _OWL + "versionInfo": "version",
    _OWL + "imports": "imports",
    _SKOS + "prefLabel": "preferred label",
    _SKOS + "definition": "definition",
    _SKOS + "inScheme": "in scheme",
    _SKOS + "broader": "broader",
    _SKOS + "narrower": "narrower",
    _SKOS + "topConceptOf": "top concept of",
    _SKOS + "hasTopConcept": "has top concept",
    _SKOS + "broadMatch": "broad match",
    _SKOS + "closeMatch": "close match",
    _SKOS + "exactMatch": "exact match",
    _SKOS + "related": "related",
    _PROV + "wasDerivedFrom": "derived from",
    _PROV + "hadPrimarySource": "primary source",
    _ORG + "member": "member",
    _ORG + "organization": "organisation",
    _ORG + "role": "role",
    _ORG + "unitOf": "unit of",
    _ORG + "subOrganizationOf": "part of",
    _ORG + "hasMember": "has member",
    "http://purl.org/dc/terms/title": "title",
    "http://purl.org/dc/terms/description": "description",
    "http://purl.org/dc/terms/license": "license",
    "http://purl.org/dc/terms/creator": "creator",
    "http://purl.org/dc/terms/created": "created",
    "https://schema.org/containedInPlace": "contained in place",
    "https://schema.org/url": "URL",
}

_LABEL_RANK = {
    "http://www.w3.org/2004/02/skos/core#prefLabel": 0,
    "http://www.w3.org/2000/01/rdf-schema#label": 1,
}


def render(template: str, linker: Linker, version: str, context: Mapping[str, object]) -> bytes:
    """A page, rendered with the link helpers and the dataset version in scope.

    ``context`` needs ``title``; ``alternates`` (other representations: objects with
    ``name``, ``media_type``, ``href``) defaults to none."""
    page = _env.get_template(template).render(
        href=linker.href,
        label=linker.label,
        curie=curie,
        root=linker.root,
        app_version=__version__,
        dataset_version=version,
        **{"alternates": [], **context},
    )
    return page.encode("utf-8")
