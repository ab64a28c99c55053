"""Content negotiation: the media-type tables and the Accept parser, in one pure module.

Nothing here does I/O.  ``offered(kind)`` lists what Accord can answer for a kind of
result, ``choose(kind, accept, fmt)`` picks one (the ``format`` parameter first, then the
Accept header with its q-values and wildcards) or raises ``NotAcceptable`` naming what is
offered, and ``content_type(media_type)`` adds a charset where one belongs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from accord.errors import BadRequest, NotAcceptable
from accord.stores.base import GRAPH_FORMATS, SOLUTION_FORMATS

Kind = Literal["solutions", "boolean", "graph", "description", "catalogue"]

#: What each kind of answer can be serialised as, in the server's order of preference.
OFFERS: dict[str, list[str]] = {
    "solutions": list(SOLUTION_FORMATS),
    "boolean": list(SOLUTION_FORMATS),
    "graph": list(GRAPH_FORMATS),
    # The service description is RDF; a browser asking for HTML is sent to the UI.
    "description": [*GRAPH_FORMATS, "text/html"],
    # The list of named queries: JSON for programs, a page for people.
    "catalogue": ["application/json", "text/html"],
}

_RESULTS_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
}
_RDF_ALIASES = {
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
}
#: Media types a client may ask for by another name (matched exactly, never by wildcard).
ALIASES: dict[str, dict[str, str]] = {
    "solutions": _RESULTS_ALIASES,
    "boolean": _RESULTS_ALIASES,
    "graph": _RDF_ALIASES,
    "description": _RDF_ALIASES,
    "catalogue": {},
}

_RESULTS_NAMES = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
_RDF_NAMES = {
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
    "n-quads": "application/n-quads",
    "trig": "application/trig",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "json": "application/ld+json",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "xml": "application/rdf+xml",
    "owl": "application/rdf+xml",
}
#: Short names accepted by the ``format`` parameter, per kind of answer.
FORMAT_NAMES: dict[str, dict[str, str]] = {
    "solutions": _RESULTS_NAMES,
    "boolean": _RESULTS_NAMES,
    "graph": _RDF_NAMES,
    "description": {**_RDF_NAMES, "html": "text/html"},
    "catalogue": {"json": "application/json", "html": "text/html"},
}
#: Every short name, for the error message of an unknown ``format``.
ALL_FORMAT_NAMES = sorted({n for names in FORMAT_NAMES.values() for n in names})

#: Media types that take a ``charset`` parameter (text types, and RDF syntaxes that are
#: UTF-8 text but registered under ``application/``).
_CHARSET_TYPES = {"application/n-triples", "application/n-quads", "application/trig"}


@dataclass(frozen=True)
class MediaRange:
    """One entry of an Accept header."""

    type: str
    subtype: str
    q: float
    index: int

    @property
    def specificity(self) -> int:
        """2 for ``type/subtype``, 1 for ``type/*``, 0 for ``*/*``."""
        if self.type == "*":
            return 0
        return 1 if self.subtype == "*" else 2

    def matches(self, media_type: str) -> bool:
        mtype, _, msub = media_type.partition("/")
        return self.type in ("*", mtype) and self.subtype in ("*", msub)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The media ranges of an Accept header; no header (or an empty one) means ``*/*``.

    Entries that are not ``type/subtype`` or carry an unreadable ``q`` are skipped, as
    RFC 9110 lets a server do; ``*`` alone is read as ``*/*``.
    """
    if header is None or not header.strip():
        return [MediaRange("*", "*", 1.0, 0)]
    ranges = []
    for index, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if media == "*":
            media = "*/*"
        mtype, slash, msub = media.partition("/")
        if not slash or not mtype or not msub or (mtype == "*" and msub != "*"):
            continue
        q = 1.0
        try:
            for param in fields[1:]:
                name, _, value = param.partition("=")
                if name.strip().lower() == "q":
                    q = min(max(float(value.strip()), 0.0), 1.0)
        except ValueError:
            continue
        ranges.append(MediaRange(mtype, msub, q, index))
    return ranges


def best_match(
    header: str | None, offered: Sequence[str], aliases: Mapping[str, str] | None = None
) -> str | None:
    """The offered media type that best fits the Accept header, or None if none does.

    A type's quality is the q of the most specific range that matches it.  Among types
    of equal quality, one matched by a more specific range wins, then the one the client
    listed first, then the server's order in ``offered``.  ``aliases`` maps other names
    to offered types (``application/json`` for SPARQL JSON results); an alias only
    matches a range that names it exactly.
    """
    ranges = parse_accept(header)
    candidates = [(t, t, i) for i, t in enumerate(offered)]
    candidates += [(a, t, len(offered) + i) for i, (a, t) in enumerate((aliases or {}).items())]
    best: tuple[tuple[float, int, int, int], str] | None = None
    for name, target, order in candidates:
        is_alias = name != target
        matching = [r for r in ranges if r.matches(name) and not (is_alias and r.specificity < 2)]
        if not matching:
            continue
        top = max(matching, key=lambda r: (r.specificity, r.q))
        if top.q <= 0:
            continue
        score = (top.q, top.specificity, -top.index, -order)
        if best is None or score > best[0]:
            best = (score, target)
    return best[1] if best else None


def offered(kind: Kind) -> list[str]:
    """The media types Accord answers for a kind of result, preferred first."""
    return list(OFFERS[kind])


def choose(kind: Kind, accept: str | None, fmt: str | None = None) -> str:
    """The media type to answer with: ``fmt`` (a short name or a media type) if given,
    else the best fit for ``accept``.  Raises NotAcceptable (406) naming the offered
    types when nothing fits, BadRequest (400) for an unknown ``fmt``."""
    offers = OFFERS[kind]
    if fmt:
        name = fmt.strip().lower()
        media_type = FORMAT_NAMES[kind].get(name) or ALIASES[kind].get(name) or name
        if media_type in offers:
            return media_type
        if "/" not in name and not any(name in names for names in FORMAT_NAMES.values()):
            raise BadRequest(
                f"unknown format {fmt!r}; use a media type or one of: {', '.join(ALL_FORMAT_NAMES)}"
            )
        raise NotAcceptable(_not_acceptable(kind, f"format={fmt}"))
    best = best_match(accept, offers, ALIASES[kind])
    if best is None:
        raise NotAcceptable(_not_acceptable(kind, f"Accept: {accept}"))
    return best


def _not_acceptable(kind: str, asked: str) -> str:
    what = {
        "solutions": "SELECT results",
        "boolean": "ASK results",
        "graph": "CONSTRUCT/DESCRIBE results",
        "description": "the service description",
        "catalogue": "the list of named queries",
    }[kind]
    return f"cannot answer {what} as {asked}; offered: {', '.join(OFFERS[kind])}"


def content_type(media_type: str) -> str:
    """The Content-Type header value: the media type, with ``charset=utf-8`` for text."""
    if media_type.startswith("text/") or media_type in _CHARSET_TYPES:
        return f"{media_type}; charset=utf-8"
    return media_type
