"""Reading SPARQL Protocol requests (app/accord/query/protocol.py), without a server."""

from __future__ import annotations

import pytest

from accord.errors import BadRequest, QuerySyntaxError, UnsupportedMediaType
from accord.query.protocol import FORM, QUERY, UPDATE, SparqlRequest, check_update, parse_request

G1 = "http://example.org/g1"
G2 = "http://example.org/g2"


def test_get_query_with_dataset() -> None:
    req = parse_request(
        "GET",
        [
            ("query", "ASK {}"),
            ("default-graph-uri", G1),
            ("named-graph-uri", G1),
            ("named-graph-uri", G2),
        ],
        None,
        b"",
    )
    assert (req.operation, req.text) == ("query", "ASK {}")
    assert req.default_graphs == [G1]
    assert req.named_graphs == [G1, G2]


def test_get_without_query_is_the_service_description() -> None:
    assert parse_request("GET", [], None, b"").operation == "description"


def test_form_post_merges_url_and_body_parameters() -> None:
    req = parse_request(
        "POST", [("default-graph-uri", G1)], FORM, b"query=ASK%20%7B%7D&labels=true"
    )
    assert (req.operation, req.text, req.default_graphs, req.labels) == (
        "query",
        "ASK {}",
        [G1],
        True,
    )


def test_direct_post_takes_the_body_as_the_query() -> None:
    req = parse_request(
        "POST", [("named-graph-uri", G2)], f"{QUERY}; charset=UTF-8", "ASK { ?s ?p 'é' }".encode()
    )
    assert (req.operation, req.text, req.named_graphs) == ("query", "ASK { ?s ?p 'é' }", [G2])


def test_direct_update_post() -> None:
    req = parse_request("POST", [("using-graph-uri", G1)], UPDATE, b"CLEAR ALL")
    assert (req.operation, req.text, req.using_graphs) == ("update", "CLEAR ALL", [G1])


@pytest.mark.parametrize(
    ("method", "params", "ctype", "body", "message"),
    [
        ("GET", [("query", "ASK {}"), ("query", "ASK {}")], None, b"", "2 queries"),
        ("POST", [("query", "ASK {}")], FORM, b"query=ASK+%7B%7D", "2 queries"),
        ("POST", [], FORM, b"update=CLEAR+NAMED&update=CLEAR+DEFAULT", "2 updates"),
        ("GET", [("query", "ASK {}"), ("update", "CLEAR ALL")], None, b"", "by POST"),
        ("POST", [], FORM, b"query=ASK+%7B%7D&update=CLEAR+ALL", "not both"),
        ("GET", [("update", "CLEAR ALL")], None, b"", "must be sent by POST"),
        ("POST", [], FORM, b"default-graph-uri=http%3A%2F%2Fex", "missing 'query' or 'update'"),
        ("POST", [], QUERY, b"", "the query is empty"),
        ("GET", [("query", "  ")], None, b"", "the query is empty"),
        ("POST", [("query", "ASK {}")], QUERY, b"ASK {}", "carries the query in its body"),
        ("POST", [], QUERY, "ASK {}".encode("utf-16"), "not valid UTF-8"),
        (
            "GET",
            [("query", "ASK {}"), ("default-graph-uri", "not an iri")],
            None,
            b"",
            "absolute IRI",
        ),
        ("GET", [("query", "ASK {}"), ("labels", "maybe")], None, b"", "true or false"),
        (
            "GET",
            [("query", "ASK {}"), ("format", "csv"), ("format", "tsv")],
            None,
            b"",
            "given 2 times",
        ),
    ],
)
def test_bad_requests_are_400(
    method: str, params: list[tuple[str, str]], ctype: str | None, body: bytes, message: str
) -> None:
    with pytest.raises(BadRequest, match=message) as err:
        parse_request(method, params, ctype, body)
    assert err.value.status == 400


@pytest.mark.parametrize(
    ("ctype", "message"),
    [
        (None, "no Content-Type"),
        ("text/plain", "'text/plain'"),
        ("application/json", "application/json"),
        (f"{QUERY}; charset=UTF-16", "charset=utf-16"),
        (f"{FORM}; charset=latin-1", "charset=latin-1"),
    ],
)
def test_wrong_post_content_type_is_415(ctype: str | None, message: str) -> None:
    with pytest.raises(UnsupportedMediaType, match=message) as err:
        parse_request("POST", [], ctype, b"query=ASK%20%7B%7D")
    assert err.value.status == 415


def test_update_syntax_is_checked() -> None:
    with pytest.raises(QuerySyntaxError, match="at 1:1"):
        check_update(SparqlRequest("update", "CLEAR XYZ"))
    check_update(SparqlRequest("update", "CLEAR ALL"))  # no error


def test_update_naming_its_dataset_twice_is_400() -> None:
    text = "WITH <http://example/a> DELETE { ?s ?p 'Bill' } WHERE { ?s ?p 'Bill' }"
    with pytest.raises(BadRequest, match="USING/WITH"):
        check_update(SparqlRequest("update", text, using_named_graphs=[G1]))
    check_update(SparqlRequest("update", text))  # WITH alone is fine
