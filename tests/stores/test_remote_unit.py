"""RemoteStore without a server: endpoints, the dataset it sends, how it reads answers
and errors (an httpx MockTransport plays the store)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs

import httpx
import pyoxigraph as ox
import pytest

from accord.dataset import GraphFile
from accord.errors import QuerySyntaxError, QueryTimeout, StoreError
from accord.query_dataset import QueryDataset
from accord.stores.remote import (
    EMPTY_GRAPH,
    UNION_GRAPH,
    WRITE_ATTEMPTS,
    Endpoints,
    RemoteStore,
    ResultTruncated,
    TransactionConflict,
    endpoints_for,
    graph_names,
    query_form,
)

G1 = "https://example.org/graph/one"
G2 = "https://example.org/graph/two"
JSON = "application/sparql-results+json"
NT = "application/n-triples"
VIRTUOSO = {"Server": "Virtuoso/07.20.3229 (Linux) x86_64-pc-linux-gnu"}


@pytest.fixture
def files(tmp_path: Path) -> list[GraphFile]:
    one = tmp_path / "one.ttl"
    one.write_text("<urn:a> <urn:p> <urn:b> .\n")
    two = tmp_path / "two.ttl"
    two.write_text('<urn:b> <urn:p> "x" .\n')
    return [GraphFile(G2, two), GraphFile(G1, one)]


Handler = Callable[[httpx.Request], httpx.Response]


def store(files: list[GraphFile], handler: Handler, **kwargs: object) -> RemoteStore:
    endpoints = Endpoints(
        "http://store.test/query", "http://store.test/update", "http://store.test/store"
    )
    return RemoteStore(endpoints, files, transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]


def form(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode(), keep_blank_values=True)


def results(bindings: list[dict[str, object]], names: list[str]) -> bytes:
    return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}).encode()


def answering(body: bytes, media_type: str = JSON, headers: dict[str, str] | None = None,
              seen: list[httpx.Request] | None = None) -> Handler:  # fmt: skip
    """A store that answers every query with ``body`` (and no release record)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if "urn:accord:release" in form(request).get("named-graph-uri", []):
            return httpx.Response(200, content=results([], ["v"]), headers={"Content-Type": JSON})
        if seen is not None:
            seen.append(request)
        return httpx.Response(
            200, content=body, headers={"Content-Type": media_type, **(headers or {})}
        )

    return handle


# -- endpoints ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "credentials", "update", "gsp"),
    [
        ("sparql+http://h:8890/sparql", False, "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),
        ("sparql+http://h:8890/sparql", True, "http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth"),
        ("sparql+http://h:7878/query", False, "http://h:7878/update", "http://h:7878/store"),
        ("sparql+https://h/ds/query", False, "https://h/ds/update", "https://h/ds/data"),
        ("sparql+https://h/ds/sparql", False, "https://h/ds/update", "https://h/ds/data"),
        ("sparql+http://h/some/deep/endpoint", False, None, None),
    ],
)  # fmt: skip
def test_endpoints_of_known_servers(
    url: str, credentials: bool, update: str | None, gsp: str | None
) -> None:
    found = endpoints_for(url, credentials=credentials)
    assert found == Endpoints(url.removeprefix("sparql+"), update, gsp)


def test_explicit_endpoints_win() -> None:
    found = endpoints_for(
        "sparql+http://h:8890/sparql", "sparql+http://h:1/u", "http://h:2/g", credentials=True
    )
    assert (found.update, found.gsp) == ("http://h:1/u", "http://h:2/g")


@pytest.mark.parametrize("url", ["sparql+ftp://h/q", "sparql+http:///query", "nonsense"])
def test_a_url_that_is_no_endpoint_is_refused(url: str) -> None:
    with pytest.raises(StoreError, match="not a SPARQL endpoint URL"):
        endpoints_for(url)


def test_no_update_endpoint_known_is_a_clear_error(files: list[GraphFile]) -> None:
    remote = RemoteStore(Endpoints("http://h/some/endpoint"), files)
    with pytest.raises(StoreError, match="ACCORD_STORE_GSP_URL"):
        remote.put_graph(G1, b"")
    with pytest.raises(StoreError, match="ACCORD_STORE_UPDATE_URL"):
        remote.update("CLEAR ALL")


# -- what is sent ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("SELECT * { ?s ?p ?o }", "solutions"),
        ("PREFIX ex: <urn:select:> ask { ex:a ?p ?o }", "boolean"),
        ("# SELECT in a comment\nCONSTRUCT WHERE { ?s ?p 'SELECT' }", "graph"),
        ("BASE <urn:x> DESCRIBE <a>", "graph"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT ?s ?p ?o { ?s ?p ?o } } }", "graph"),
        ("not sparql", None),
    ],
)
def test_query_form(query: str, kind: str | None) -> None:
    assert query_form(query) == kind


def test_the_dataset_graphs_are_the_default_and_named_graphs(files: list[GraphFile]) -> None:
    seen: list[httpx.Request] = []
    remote = store(files, answering(results([], ["s"]), seen=seen))
    remote.query("SELECT * { ?s ?p ?o }")
    sent = form(seen[-1])
    assert sent["default-graph-uri"] == [G1, G2]
    assert sent["named-graph-uri"] == [G1, G2]
    assert seen[-1].headers["accept"] == JSON


def test_given_graphs_are_the_whole_dataset(files: list[GraphFile]) -> None:
    seen: list[httpx.Request] = []
    remote = store(files, answering(b"", NT, seen=seen))
    remote.query("CONSTRUCT WHERE { ?s ?p ?o }", dataset=QueryDataset.explicit([G2], []))
    sent = form(seen[-1])
    assert (sent["default-graph-uri"], sent["named-graph-uri"]) == ([G2], [EMPTY_GRAPH])
    assert seen[-1].headers["accept"] == NT
    remote.query("CONSTRUCT WHERE { ?s ?p ?o }", dataset=QueryDataset.explicit([], [G1]))
    sent = form(seen[-1])
    assert (sent["default-graph-uri"], sent["named-graph-uri"]) == ([EMPTY_GRAPH], [G1])


def test_an_empty_dataset_queries_an_empty_graph() -> None:
    seen: list[httpx.Request] = []
    store([], answering(results([], ["s"]), seen=seen)).query("SELECT * { ?s ?p ?o }")
    assert form(seen[-1])["default-graph-uri"] == [EMPTY_GRAPH]
    assert form(seen[-1])["named-graph-uri"] == [EMPTY_GRAPH]


def test_the_base_iri_is_declared_in_the_query(files: list[GraphFile]) -> None:
    seen: list[httpx.Request] = []
    store(files, answering(results([], ["s"]), seen=seen)).query(
        "SELECT * { <a> ?p ?o }", base_iri="https://accord.test/sparql"
    )
    assert form(seen[-1])["query"] == ["BASE <https://accord.test/sparql>\nSELECT * { <a> ?p ?o }"]


def test_virtuoso_holding_these_files_is_queried_over_the_union_graph(
    files: list[GraphFile],
) -> None:
    """Virtuoso 7.2 gets property paths wrong over many default graphs: once the release
    record says these very files were published, the union graph is the default."""
    seen: list[httpx.Request] = []
    remote_version: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        sent = form(request)
        if "urn:accord:release" in sent.get("named-graph-uri", []):
            rows = [{"v": {"type": "literal", "value": v}} for v in remote_version]
            return httpx.Response(
                200, content=results(rows, ["v"]), headers={"Content-Type": JSON, **VIRTUOSO}
            )
        return httpx.Response(200, content=results([], ["s"]), headers={"Content-Type": JSON, **VIRTUOSO})  # fmt: skip

    remote = store(files, handle)
    remote_version.append("an older version")
    remote.query("SELECT * { ?s ?p ?o }")
    assert form(seen[-1])["default-graph-uri"] == [G1, G2]
    assert remote.published_version == "an older version"
    remote.refresh()
    remote_version[0] = remote.version
    remote.query("SELECT * { ?s ?p ?o }")
    assert form(seen[-1])["default-graph-uri"] == [UNION_GRAPH]
    assert form(seen[-1])["named-graph-uri"] == [G1, G2]


def test_graph_names_of_quad_files(tmp_path: Path) -> None:
    trig = tmp_path / "both.trig"
    trig.write_text("<urn:a> <urn:p> <urn:b> .\nGRAPH <urn:g:x> { <urn:a> <urn:p> <urn:c> }\n")
    assert graph_names([GraphFile("urn:g:file", trig)]) == ["urn:g:file", "urn:g:x"]


# -- what is read ------------------------------------------------------------------------

VIRTUOSO_BNODES = results(
    [
        {"b": {"type": "bnode", "value": "nodeID://b10004"}, "x": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "1"}},
        {"b": {"type": "bnode", "value": "nodeID://b10004"}},
        {"b": {"type": "bnode", "value": "nodeID://b10005"}},
    ],
    ["b", "x"],
)  # fmt: skip


def test_blank_node_labels_are_made_valid_and_kept_apart(files: list[GraphFile]) -> None:
    remote = store(files, answering(VIRTUOSO_BNODES))
    for media_type in (
        JSON,
        "application/sparql-results+xml",
        "text/csv",
        "text/tab-separated-values",
    ):
        assert remote.query("SELECT * {}").serialize(media_type)
    labels = [row["b"].value for row in remote.query("SELECT * {}")._oxigraph()._value]  # type: ignore[attr-defined]
    assert labels[0] == labels[1] != labels[2]
    again = [row["b"].value for row in remote.query("SELECT * {}")._oxigraph()._value]  # type: ignore[attr-defined]
    assert again == labels
    assert remote.select("SELECT * {}")[0]["x"].toPython() == 1


def test_a_boolean_answer(files: list[GraphFile]) -> None:
    remote = store(files, answering(b'{"head": {"link": []}, "boolean": false}'))
    result = remote.query("ASK {}")
    assert result.kind == "boolean"
    assert not result
    assert result.serialize("text/csv") == b"false\n"


def test_a_graph_answer_is_reserialised_with_the_prefixes(files: list[GraphFile]) -> None:
    nt = b'<http://www.w3.org/ns/shacl#a>\t<http://www.w3.org/ns/shacl#p>\t_:b10004 .\n_:b10004 <urn:q> "x"@en .\n'
    result = store(files, answering(nt, NT)).query("CONSTRUCT WHERE { ?s ?p ?o }")
    assert result.kind == "graph"
    turtle = result.serialize("text/turtle")
    assert b"@prefix sh: <http://www.w3.org/ns/shacl#>" in turtle
    assert len(list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))) == 2


def test_an_answer_of_the_wrong_type_is_a_store_error(files: list[GraphFile]) -> None:
    with pytest.raises(StoreError, match="text/html"):
        store(files, answering(b"<html/>", "text/html")).query("SELECT * {}")
    with pytest.raises(StoreError, match="unreadable"):
        store(files, answering(b"{not json", JSON)).query("SELECT * {}")


# -- truncation --------------------------------------------------------------------------


def test_virtuoso_max_rows_header_is_refused(files: list[GraphFile]) -> None:
    cut = answering(results([], ["s"]), headers={"X-SPARQL-MaxRows": "10000", **VIRTUOSO})
    with pytest.raises(ResultTruncated, match="10000 rows") as caught:
        store(files, cut).query("SELECT * { ?s ?p ?o }")
    assert caught.value.status == 502


def test_a_partial_anytime_answer_is_refused(files: list[GraphFile]) -> None:
    partial = answering(results([], ["s"]), headers={"X-SQL-State": "S1TAT"})
    with pytest.raises(ResultTruncated, match="time limit"):
        store(files, partial).query("SELECT * { ?s ?p ?o }")


def triples(n: int) -> bytes:
    return "".join(f"<urn:s{i}> <urn:p> <urn:o> .\n" for i in range(n)).encode()


def test_a_virtuoso_graph_at_the_row_cap_is_refused(files: list[GraphFile]) -> None:
    """Virtuoso cuts CONSTRUCT at ResultSetMaxRows triples without any header."""
    with pytest.raises(ResultTruncated, match="10000 triples"):
        store(files, answering(triples(10000), NT, VIRTUOSO)).query("CONSTRUCT WHERE {?s ?p ?o}")
    whole = store(files, answering(triples(9999), NT, VIRTUOSO)).query("CONSTRUCT WHERE {?s ?p ?o}")
    assert whole.serialize(NT).count(b"\n") == 9999
    # Another store has no such cap.
    other = store(files, answering(triples(10000), NT)).query("CONSTRUCT WHERE {?s ?p ?o}")
    assert other.serialize(NT).count(b"\n") == 10000


def test_a_configured_cap_applies_to_solutions(files: list[GraphFile]) -> None:
    rows = [{"s": {"type": "uri", "value": f"urn:s{i}"}} for i in range(5)]
    with pytest.raises(ResultTruncated, match="5 rows"):
        store(files, answering(results(rows, ["s"])), max_rows=5).query("SELECT * {?s ?p ?o}")
    assert store(files, answering(results(rows, ["s"])), max_rows=6).select("SELECT * {?s ?p ?o}")


# -- errors ------------------------------------------------------------------------------

VIRTUOSO_SYNTAX = (
    "Virtuoso 37000 Error SP030: SPARQL compiler, line 2: syntax error\n\n"
    "SPARQL query:\ndefine sql:big-data-const 0 SELECT * WHERE {?s ?p ?o"
)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (400, VIRTUOSO_SYNTAX, QuerySyntaxError, "SP030: SPARQL compiler, line 2: syntax error"),
        (500, VIRTUOSO_SYNTAX, QuerySyntaxError, "syntax error"),
        (400, "error at 1:25: expected one of", QuerySyntaxError, "error at 1:25"),
        (500, "Virtuoso 42000 Error The estimated execution time 900 (sec) exceeds the limit of 400 (sec). S1TAT", QueryTimeout, "too long"),
        (401, "", StoreError, "ACCORD_STORE_USER"),
        (404, "", StoreError, "no SPARQL endpoint at http://store.test/query"),
        (500, "Virtuoso 22023 Error SR350: TOP parameter < 0", StoreError, "SR350"),
    ],
)  # fmt: skip
def test_store_errors_become_typed_errors(
    files: list[GraphFile], status: int, body: str, error: type, message: str
) -> None:
    failing = lambda request: httpx.Response(status, text=body)  # noqa: E731
    with pytest.raises(error, match=message) as caught:
        store(files, failing).query("SELECT * {}")
    assert "SPARQL query:" not in str(caught.value)
    assert caught.value.status == {QuerySyntaxError: 400, QueryTimeout: 503, StoreError: 502}[error]


def test_a_store_too_slow_to_answer_is_a_timeout(files: list[GraphFile]) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    with pytest.raises(QueryTimeout, match="did not answer within 60 s"):
        store(files, slow).query("SELECT * {}")


def test_a_store_that_refuses_connections_is_a_store_error(files: list[GraphFile]) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(StoreError, match="unreachable: connection refused"):
        store(files, down).graph_sizes()


# -- credentials -------------------------------------------------------------------------


def challenging(scheme: str, seen: list[dict[str, str]]) -> Handler:
    """A store that wants ``scheme`` credentials; ``seen`` gets each request's headers
    as they were sent (the auth flow re-sends the same request object)."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.headers) | {"body": request.content.decode()})
        if request.headers.get("authorization", "").lower().startswith(scheme):
            return httpx.Response(201)
        challenge = (
            'Digest realm="SPARQL", nonce="abc", qop="auth"'
            if scheme == "digest"
            else 'Basic realm="x"'
        )
        return httpx.Response(401, headers={"WWW-Authenticate": challenge})

    return handle


@pytest.mark.parametrize("scheme", ["digest", "basic"])
def test_credentials_answer_the_challenge_the_store_makes(
    files: list[GraphFile], scheme: str
) -> None:
    seen: list[dict[str, str]] = []
    remote = store(files, challenging(scheme, seen), user="dba", password="secret")
    remote.put_graph(G1, b"<urn:a> <urn:p> <urn:b> .\n")
    assert "authorization" not in seen[0]
    assert seen[-1]["authorization"].lower().startswith(scheme)
    assert seen[-1]["body"] == "<urn:a> <urn:p> <urn:b> .\n"
    # Once the scheme is known, later requests carry credentials from the start.
    before = len(seen)
    remote.put_graph(G2, b"")
    assert len(seen) - before == 1
    assert seen[-1]["authorization"].lower().startswith(scheme)


def test_no_credentials_means_a_refusal_names_the_settings(files: list[GraphFile]) -> None:
    with pytest.raises(StoreError, match="ACCORD_STORE_PASSWORD"):
        store(files, challenging("digest", [])).put_graph(G1, b"")


# -- conflicts ---------------------------------------------------------------------------

DEADLOCK = "Virtuoso 40001 Error SR172: Transaction deadlocked"


def conflicting(times: int, seen: list[str]) -> Handler:
    """A store that rolls the first ``times`` writes back as deadlocked."""

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        if len(seen) <= times:
            return httpx.Response(500, text=DEADLOCK)
        return httpx.Response(200)

    return handle


def test_a_write_rolled_back_for_a_conflict_is_sent_again(
    files: list[GraphFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("accord.stores.remote.RETRY_PAUSE", 0)
    seen: list[str] = []
    store(files, conflicting(2, seen)).update("CLEAR GRAPH <urn:g>")
    assert seen == ["POST", "POST", "POST"]


def test_a_write_that_keeps_conflicting_fails_with_503(
    files: list[GraphFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("accord.stores.remote.RETRY_PAUSE", 0)
    seen: list[str] = []
    with pytest.raises(TransactionConflict, match="SR172") as caught:
        store(files, conflicting(99, seen)).put_graph(G1, b"")
    assert caught.value.status == 503
    assert len(seen) == WRITE_ATTEMPTS


def test_a_query_is_not_sent_again(files: list[GraphFile]) -> None:
    seen: list[str] = []
    with pytest.raises(TransactionConflict):
        store(files, conflicting(99, seen)).query(
            "SELECT * {}", dataset=QueryDataset.explicit([G1], [])
        )
    assert len(seen) == 1
