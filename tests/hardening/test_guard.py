"""Static checks (app.guard): too big, too deep, SERVICE, FROM and USING, LOAD; each
refusal is a 400 naming the problem, before any worker sees the query."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from accord.query.executor import Executor
from accord.query.guard import (
    OutboundRefused,
    QueryTooDeep,
    QueryTooLarge,
    UnknownGraph,
    check_query,
    check_update,
    depth,
    scan,
)
from accord.settings import Settings

PEOPLE = "http://example.org/people"
S = Settings()
GRAPHS = frozenset({"http://example.org/g1", "http://example.org/g2"})
#: The query of the crash report: 5,000 nested parentheses in 10 KB.
PARENS_5000 = "ASK { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"


def test_depth_counts_brackets_outside_strings_and_iris() -> None:
    assert depth(scan("SELECT * { { ?s ?p [ ?q (1 2) ] } }")) == 4
    assert depth(scan('ASK { FILTER("((((((" = "x") }')) == 2
    assert depth(scan("ASK { <http://x/(((> ?p ?o } # ((((((")) == 1


@pytest.mark.parametrize(
    "text",
    [
        PARENS_5000,
        "ASK " + "{" * 5000 + "}" * 5000,
        "ASK { ?s ?p " + "[ ?p " * 5000 + "1" + " ]" * 5000 + " }",
    ],
)
def test_deep_nesting_is_refused(text: str) -> None:
    with pytest.raises(QueryTooDeep, match="500[012] levels deep"):
        check_query(text, S, None)


def test_too_long_is_refused() -> None:
    with pytest.raises(QueryTooLarge, match="at most 100"):
        check_query("ASK {}" + " " * 100, Settings(max_query_chars=100), None)


def test_deep_query_is_a_fast_400_and_no_worker_is_harmed(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for()
    executor: Executor = client.app.state.services.executor  # type: ignore[attr-defined]
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    before = executor.pids
    started = time.monotonic()
    response = client.post(
        "/sparql", content=PARENS_5000, headers={"Content-Type": "application/sparql-query"}
    )
    elapsed = time.monotonic() - started  # reported, not asserted: timings are benchmarks'
    assert response.status_code == 400, elapsed
    assert "nests brackets ( [ { 5002 levels deep" in response.text
    assert executor.pids == before


def test_without_the_depth_limit_the_deep_query_reaches_a_worker(
    client_for: Callable[..., TestClient],
) -> None:
    # The check off: the query is parsed by pyoxigraph (in a worker with a large stack,
    # which survives this depth; in the server process it would crash: test_executor).
    client = client_for(max_query_depth=10**6)
    response = client.post(
        "/sparql", content=PARENS_5000, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "text",
    [
        "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "PREFIX e: <http://127.0.0.1:9/> SELECT * { service e:sparql { ?s ?p ?o } }",
        "BASE <http://127.0.0.1:9/> SELECT * { SERVICE <sparql> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?endpoint { ?s ?p ?o } }",
        # A \\u escape in the IRI (the parser decodes it).
        "SELECT * { SERVICE <http\\u003A//127.0.0.1:9/sparql> { ?s ?p ?o } }",
        # An escaped '#' in a prefixed name is no comment: the SERVICE after it is code.
        "PREFIX e: <http://e/> SELECT * { ?s ?p e:a\\#b . SERVICE <http://127.0.0.1:9/> {} }",
    ],
)
def test_service_is_refused_without_an_allow_list(text: str) -> None:
    with pytest.raises(OutboundRefused, match="SERVICE .* is refused"):
        check_query(text, S, None)


def test_service_on_the_allow_list_passes_exactly() -> None:
    allowed = Settings(service_allow=["http://127.0.0.1:9/sparql"])
    check_query("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", allowed, None)
    check_query(
        "PREFIX e: <http://127.0.0.1:9/> SELECT * { SERVICE e:sparql { ?s ?p ?o } }", allowed, None
    )
    with pytest.raises(OutboundRefused, match=r"allowed: <http://127.0.0.1:9/sparql>"):
        check_query("SELECT * { SERVICE <http://127.0.0.1:9/other> {} }", allowed, None)


def test_service_in_strings_iris_and_comments_is_not_a_keyword() -> None:
    check_query(
        'SELECT * { ?s <http://x/SERVICE> "SERVICE <http://a/> {}" } # SERVICE <http://b/>',
        S,
        None,
    )


def test_from_must_name_a_graph_of_the_dataset() -> None:
    check_query("SELECT * FROM <http://example.org/g1> { ?s ?p ?o }", S, GRAPHS)
    check_query("SELECT * FROM NAMED <http://example.org/g2> { ?s ?p ?o }", S, GRAPHS)
    for iri in ["http://127.0.0.1:9/remote", "file:///etc/passwd"]:
        with pytest.raises(UnknownGraph, match="names no graph of this dataset"):
            check_query(f"SELECT * FROM <{iri}> {{ ?s ?p ?o }}", S, GRAPHS)
        with pytest.raises(UnknownGraph, match="FROM NAMED <"):
            check_query(f"SELECT * FROM NAMED <{iri}> {{ ?s ?p ?o }}", S, GRAPHS)


def test_from_over_http_is_400(client_for: Callable[..., TestClient]) -> None:
    client = client_for()
    response = client.get(
        "/sparql", params={"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}
    )
    assert response.status_code == 400
    assert "FROM <file:///etc/passwd> names no graph of this dataset" in response.text


@pytest.mark.parametrize(
    "text",
    [
        "LOAD <http://127.0.0.1:9/data.ttl>",
        "load silent <file:///etc/passwd> INTO GRAPH <http://example.org/g1>",
        "INSERT DATA { <a:b> <a:c> 1 } ; LOAD <http://127.0.0.1:9/x>",
    ],
)
def test_load_is_always_refused(text: str) -> None:
    with pytest.raises(OutboundRefused, match="LOAD is refused"):
        check_update(text, S, GRAPHS)


def test_using_must_name_a_graph_of_the_dataset() -> None:
    check_update("DELETE { ?s ?p ?o } USING <http://example.org/g1> WHERE { ?s ?p ?o }", S, GRAPHS)
    with pytest.raises(UnknownGraph, match="USING <http://127.0.0.1:9/x> names no graph"):
        check_update(
            "DELETE { ?s ?p ?o } USING <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }", S, GRAPHS
        )


def test_an_update_hiding_service_from_the_tokenizer_is_caught_on_the_parse_tree() -> None:
    # pyoxigraph and rdflib read ?a<'x>y' as a comparison with the string 'x>y'; the
    # grammar's tokenizer reads an IRI <'x>, so the rest of the line looks like a string.
    hidden = "DELETE { ?a ?b ?c } WHERE { ?a ?b ?c FILTER(?a<'x>y') SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } } #'"
    assert not any(t.is_keyword("SERVICE") for t in scan(hidden))
    with pytest.raises(OutboundRefused, match="SERVICE"):
        check_update(hidden, S, GRAPHS)
