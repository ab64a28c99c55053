"""The content-negotiation module, as a table of Accept headers and what they get."""

from __future__ import annotations

import pytest

from accord.errors import BadRequest, NotAcceptable
from accord.query.negotiation import (
    FORMAT_NAMES,
    OFFERS,
    best_match,
    choose,
    content_type,
    parse_accept,
)
from accord.stores.base import GRAPH_FORMATS, SOLUTION_FORMATS

JSON = "application/sparql-results+json"
XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TTL = "text/turtle"
NT = "application/n-triples"
JSONLD = "application/ld+json"
RDFXML = "application/rdf+xml"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

TABLE = [
    # (kind, Accept, expected media type or None for 406)
    ("solutions", None, JSON),
    ("solutions", "", JSON),
    ("solutions", "*/*", JSON),
    ("solutions", "*", JSON),
    ("solutions", CSV, CSV),
    ("solutions", "TEXT/CSV", CSV),
    ("solutions", f"{TSV}; charset=utf-8", TSV),
    ("solutions", "text/*", CSV),
    ("solutions", f"{XML};q=0.9, {JSON};q=0.8", XML),
    ("solutions", f"{CSV}, {JSON}", CSV),
    ("solutions", f"{JSON}, {CSV}", JSON),
    ("solutions", f"{CSV};q=0, */*", JSON),
    ("solutions", f"*/*;q=0.1, {TSV}", TSV),
    ("solutions", f"{CSV};q=0.2, text/*;q=0.9", TSV),
    ("solutions", f"text/*;q=0.2, {CSV};q=0.9, */*;q=0.1", CSV),
    ("solutions", "application/*;q=0.5, text/csv;q=0.4", JSON),
    ("solutions", "application/json", JSON),
    ("solutions", "application/xml", XML),
    ("solutions", "text/xml", XML),
    ("solutions", f"garbage, {TSV}", TSV),
    ("solutions", f"{CSV};q=abc, {TSV}", TSV),
    ("solutions", "image/png", None),
    ("solutions", "*/*;q=0", None),
    ("solutions", TTL, None),
    ("solutions", BROWSER, XML),
    ("boolean", None, JSON),
    ("boolean", XML, XML),
    ("boolean", NT, None),
    ("graph", None, TTL),
    ("graph", "application/*", NT),
    ("graph", f"{TTL};q=0.5, */*;q=0.9", NT),
    ("graph", "application/json", JSONLD),
    ("graph", "application/xml", RDFXML),
    ("graph", "application/x-turtle", TTL),
    ("graph", JSON, None),
    ("graph", CSV, None),
    ("description", BROWSER, "text/html"),
    ("description", None, TTL),
    ("description", "application/ld+json, text/html;q=0.5", JSONLD),
    ("catalogue", None, "application/json"),
    ("catalogue", BROWSER, "text/html"),
]


@pytest.mark.parametrize(("kind", "accept", "expected"), TABLE)
def test_best_match_table(kind: str, accept: str | None, expected: str | None) -> None:
    from accord.query.negotiation import ALIASES

    assert best_match(accept, OFFERS[kind], ALIASES[kind]) == expected


@pytest.mark.parametrize(("kind", "accept", "expected"), [t for t in TABLE if t[2]])
def test_choose_follows_the_table(kind: str, accept: str | None, expected: str) -> None:
    assert choose(kind, accept) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "accept", "expected"), [t for t in TABLE if not t[2]])
def test_nothing_fits_is_406_naming_the_offered_types(
    kind: str, accept: str | None, expected: None
) -> None:
    with pytest.raises(NotAcceptable) as err:
        choose(kind, accept)  # type: ignore[arg-type]
    assert err.value.status == 406
    for media_type in OFFERS[kind]:
        assert media_type in str(err.value)


def test_aliases_are_not_matched_by_wildcards() -> None:
    # application/* would match the alias application/json; it must pick a real type.
    assert best_match("application/*", ["text/csv"], {"application/json": "text/csv"}) is None


def test_parse_accept_reads_q_and_order() -> None:
    ranges = parse_accept("text/csv;q=0.5, application/json ; Q=0.7, */*")
    assert [(r.type, r.subtype, r.q, r.index) for r in ranges] == [
        ("text", "csv", 0.5, 0),
        ("application", "json", 0.7, 1),
        ("*", "*", 1.0, 2),
    ]


def test_parse_accept_clamps_q_and_skips_bad_entries() -> None:
    ranges = parse_accept("text/csv;q=7, nonsense, */json, text/plain;q=x")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "csv", 1.0)]


FORMAT_CELLS = [(kind, name, mt) for kind in OFFERS for name, mt in FORMAT_NAMES[kind].items()]


@pytest.mark.parametrize(("kind", "name", "media_type"), FORMAT_CELLS)
def test_format_names_override_accept(kind: str, name: str, media_type: str) -> None:
    # Even an Accept header that excludes the type does not matter with format=.
    assert choose(kind, "image/png", name) == media_type  # type: ignore[arg-type]
    assert choose(kind, None, name.upper()) == media_type  # type: ignore[arg-type]


def test_format_accepts_a_media_type() -> None:
    assert choose("solutions", None, TSV) == TSV
    assert choose("graph", None, "application/trig") == "application/trig"


@pytest.mark.parametrize(
    ("kind", "fmt"), [("graph", "csv"), ("solutions", "ttl"), ("boolean", "jsonld"), ("graph", CSV)]
)
def test_format_of_the_wrong_kind_is_406(kind: str, fmt: str) -> None:
    with pytest.raises(NotAcceptable, match="offered"):
        choose(kind, None, fmt)  # type: ignore[arg-type]


def test_unknown_format_is_400_listing_the_names() -> None:
    with pytest.raises(BadRequest, match="unknown format 'yaml'.*csv.*ttl") as err:
        choose("solutions", None, "yaml")
    assert err.value.status == 400


def test_offers_are_the_store_formats() -> None:
    assert OFFERS["solutions"] == list(SOLUTION_FORMATS)
    assert OFFERS["graph"] == list(GRAPH_FORMATS)


@pytest.mark.parametrize(
    ("media_type", "header"),
    [
        (CSV, "text/csv; charset=utf-8"),
        (TTL, "text/turtle; charset=utf-8"),
        (NT, "application/n-triples; charset=utf-8"),
        (JSON, JSON),
        (JSONLD, JSONLD),
    ],
)
def test_content_type_adds_charset_to_text(media_type: str, header: str) -> None:
    assert content_type(media_type) == header
