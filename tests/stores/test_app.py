"""The FastAPI app in front of an external store (``ACCORD_STORE=sparql+http://...``):
the same answers as over the embedded store, typed errors as HTTP statuses, and several
stateless Accord instances over one store answering identically."""

from __future__ import annotations

import csv
import io
from collections import Counter

import pytest
from fastapi.testclient import TestClient

from accord.http.middleware import VERSION_HEADER
from accord.main import create_app
from accord.namespaces import sparql_prologue
from accord.settings import Settings
from tests.queries_support import query_names
from tests.stores.conftest import Backend

DECLARATIONS = sparql_prologue() + "SELECT ?d ?l WHERE { ?d a accord:Declaration ; rdfs:label ?l }"
SHAPE_BNODES = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o FILTER(isBlank(?s)) }"


def client_for(backend: Backend) -> TestClient:
    assert backend.settings is not None
    return TestClient(create_app(backend.settings))


@pytest.fixture(scope="module")
def embedded_client() -> TestClient:
    return TestClient(create_app(Settings()))


def csv_rows(body: bytes) -> Counter[tuple[str, ...]]:
    return Counter(map(tuple, csv.reader(io.StringIO(body.decode()))))


def test_sparql_endpoint_answers_as_over_the_embedded_store(
    remote: Backend, embedded_client: TestClient
) -> None:
    client = client_for(remote)
    got = client.get("/sparql", params={"query": DECLARATIONS}, headers={"Accept": "text/csv"})
    want = embedded_client.get(
        "/sparql", params={"query": DECLARATIONS}, headers={"Accept": "text/csv"}
    )
    assert got.status_code == want.status_code == 200
    assert csv_rows(got.content) == csv_rows(want.content)
    assert sum(csv_rows(want.content).values()) > 1
    assert got.headers[VERSION_HEADER] == want.headers[VERSION_HEADER]


def test_protocol_dataset_parameters_reach_the_store(remote: Backend) -> None:
    client = client_for(remote)
    graph = "https://w3id.org/accord/graph/data/paris-summit-2026-01-06"
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = client.get("/sparql", params={"query": query, "format": "csv"})
    one = client.get(
        "/sparql", params={"query": query, "format": "csv", "default-graph-uri": graph}
    )
    sizes = remote.store.graph_sizes()
    assert one.text.split()[1] == str(sizes[graph])
    assert int(whole.text.split()[1]) > sizes[graph]


def test_a_syntax_error_is_400(remote: Backend) -> None:
    response = client_for(remote).get("/sparql", params={"query": "SELECT * WHERE { ?s ?p "})
    assert response.status_code == 400
    assert "malformed SPARQL query" in response.text


def test_a_result_the_store_cut_is_502(remote: Backend) -> None:
    query = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } LIMIT 20000"
    response = client_for(remote).get("/sparql", params={"query": query, "format": "tsv"})
    if remote.name == "virtuoso":
        assert response.status_code == 502
        assert "ResultSetMaxRows" in response.text
    else:
        assert response.status_code == 200
        assert response.text.count("\n") == 20001


def test_a_store_that_is_down_is_502() -> None:
    client = TestClient(create_app(Settings(store="sparql+http://127.0.0.1:9/query")))
    response = client.get("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 502
    assert "127.0.0.1:9" in response.text


def test_named_queries_run_over_the_store(remote: Backend, embedded_client: TestClient) -> None:
    client = client_for(remote)
    got = client.get("/queries/signatories", params={"format": "csv"})
    want = embedded_client.get("/queries/signatories", params={"format": "csv"})
    assert got.status_code == want.status_code == 200
    # Virtuoso answers the ?signed booleans as 1/0 (see docs/deployment.md).
    normalise = {"true": "1", "false": "0"}
    rows = lambda body: Counter(tuple(normalise.get(c, c) for c in r) for r in csv_rows(body))  # noqa: E731
    assert rows(got.content) == rows(want.content)


def test_two_accord_instances_over_one_store_answer_identically(remote: Backend) -> None:
    """The deployment of docs/deployment.md: stateless Accord processes in front of one
    store.  Every catalogue query and a CONSTRUCT with blank nodes give the same bytes."""
    first, second = client_for(remote), client_for(remote)
    queries = [(f"/queries/{name}", {"format": "json"}) for name in query_names()]
    queries.append(("/sparql", {"query": SHAPE_BNODES, "format": "ttl"}))
    queries.append(("/sparql", {"query": DECLARATIONS, "format": "xml"}))
    for path, params in queries:
        a, b = first.get(path, params=params), second.get(path, params=params)
        assert a.status_code == b.status_code == 200, (path, a.text)
        assert a.content == b.content, (path, params)
        assert a.headers[VERSION_HEADER] == b.headers[VERSION_HEADER]
