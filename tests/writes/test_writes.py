"""Each write is one validated transaction: committed whole (new dataset version, a log
line, the executor refreshed) or refused with nothing changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH

from accord.main import create_app
from accord.query.guard import OutboundRefused
from accord.settings import Settings
from accord.writes.writer import read_log, with_using
from tests.conftest import FIXTURE_DATA
from tests.writes.conftest import (
    AUTH,
    EX,
    PEOPLE,
    PLACES,
    SHAPES,
    TOKEN,
    MakeApp,
    ask,
    count,
    update,
)

EMPLOYEE_OK = f"INSERT DATA {{ <{EX}erin> a <{EX}Employee> ; <{EX}name> 'Erin' }}"
EMPLOYEE_BAD = f"INSERT DATA {{ <{EX}frank> a <{EX}Employee> }}"


def version(client: TestClient) -> str:
    return client.get("/sparql", params={"query": "ASK {}"}).headers["x-accord-dataset-version"]


def log(tmp_path: Path) -> list[dict[str, Any]]:
    return read_log(tmp_path / "writes.jsonl")


# --- committed writes -------------------------------------------------------------------


def test_a_committed_write_changes_the_version_and_is_logged(
    client: TestClient, tmp_path: Path
) -> None:
    before = version(client)
    r = update(client, EMPLOYEE_OK)
    assert r.status_code == 200, r.text
    after = r.headers["x-accord-dataset-version"]
    assert after != before and version(client) == after
    assert ask(client, f"ASK {{ <{EX}erin> <{EX}name> 'Erin' }}")
    entry = log(tmp_path)[-1]
    assert entry["op"] == "sparql-update" and entry["update"] == EMPLOYEE_OK
    assert entry["outcome"] == "committed" and entry["added"] == 2
    assert (entry["version_before"], entry["version_after"]) == (before, after)
    assert entry["time"].endswith("+00:00") and entry["who"].startswith("sha256:")


def test_a_write_that_changes_nothing_keeps_the_version(client: TestClient, tmp_path: Path) -> None:
    before = version(client)
    r = update(client, f"DELETE DATA {{ <{EX}nobody> <{EX}p> 'x' }}")
    assert r.status_code == 200 and "Nothing changed" in r.text
    assert version(client) == before
    assert log(tmp_path)[-1]["outcome"] == "unchanged"


def test_insert_data_into_the_default_graph_joins_the_union(client: TestClient) -> None:
    assert update(client, f"INSERT DATA {{ <{EX}d> <{EX}p> 'in default' }}").status_code == 200
    assert ask(client, f"ASK {{ <{EX}d> <{EX}p> 'in default' }}")  # union default graph
    r = client.get("/graph-store?default", headers={"Accept": "application/n-triples"})
    assert r.status_code == 200 and f'<{EX}d> <{EX}p> "in default"' in r.text


@pytest.mark.parametrize("operation", ["CLEAR DEFAULT", "DROP DEFAULT"])
def test_clearing_the_default_graph_keeps_the_named_graphs(
    client: TestClient, operation: str
) -> None:
    update(client, f"INSERT DATA {{ <{EX}d> <{EX}p> 'in default' }}")
    named = count(client, "GRAPH ?g { ?s ?p ?o }")
    assert update(client, operation).status_code == 200
    assert not ask(client, f"ASK {{ <{EX}d> ?p ?o }}")
    assert count(client, "GRAPH ?g { ?s ?p ?o }") == named > 0


def test_using_graph_uri_sets_the_dataset_of_where(client: TestClient) -> None:
    text = f"INSERT {{ GRAPH <{EX}out> {{ ?s a <{EX}Seen> }} }} WHERE {{ ?s a <{EX}Person> }}"
    assert update(client, text).status_code == 200  # the store's own default graph: empty
    assert count(client, f"GRAPH <{EX}out> {{ ?s ?p ?o }}") == 0
    r = update(client, text, params={"using-graph-uri": PEOPLE})
    assert r.status_code == 200, r.text
    assert count(client, f"GRAPH <{EX}out> {{ ?s ?p ?o }}") == 4


def test_executor_is_refreshed_after_each_committed_write(app: FastAPI) -> None:
    real = app.state.services.executor

    class Executor:
        refreshed = 0

        def refresh(self) -> None:
            self.refreshed += 1

        def graphs(self) -> frozenset[str]:
            return real.graphs()

    app.state.services.executor = executor = Executor()
    client = TestClient(app, headers=AUTH)
    update(client, EMPLOYEE_OK)
    assert executor.refreshed == 1
    update(client, EMPLOYEE_BAD)  # refused: nothing to refresh
    update(client, f"DELETE DATA {{ <{EX}nobody> <{EX}p> 'x' }}")  # no change
    assert executor.refreshed == 1


# --- one transaction --------------------------------------------------------------------


def test_a_multi_operation_update_with_a_failing_step_changes_nothing(
    client: TestClient, tmp_path: Path
) -> None:
    before, n = version(client), count(client)
    r = update(client, f"{EMPLOYEE_OK} ; CLEAR DEFAULT ; DROP GRAPH <{EX}missing>")
    assert r.status_code == 400 and "does not exist" in r.text and "nothing was changed" in r.text
    assert (version(client), count(client)) == (before, n)
    assert not ask(client, f"ASK {{ <{EX}erin> ?p ?o }}")
    assert log(tmp_path)[-1]["outcome"] == "refused"


def test_load_and_service_are_refused(client: TestClient) -> None:
    n = count(client)
    r = update(client, "LOAD <http://127.0.0.1:9/data.ttl>")
    assert r.status_code in (400, 403) and "LOAD is refused" in r.text
    r = update(
        client,
        f"INSERT {{ <{EX}a> <{EX}b> ?o }} WHERE {{ SERVICE <http://127.0.0.1:9/s> {{ ?s ?p ?o }} }}",
    )
    assert r.status_code in (400, 403) and "SERVICE" in r.text
    assert count(client) == n


def test_the_writer_itself_refuses_load_and_service(app: FastAPI) -> None:
    """Behind the request checks, the writer refuses them too, by the same policy
    (accord.query.guard.refuse_fetching_update: 400, the same message)."""
    before = set(app.state.services.store.quads())
    for text in (
        "LOAD <http://127.0.0.1:9/x>",
        "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/s> { ?s ?p ?o } }",
    ):
        with pytest.raises(OutboundRefused) as refused:
            app.state.services.writer.update(text, who="test")
        assert refused.value.status == 400
    assert set(app.state.services.store.quads()) == before


# --- validation -------------------------------------------------------------------------


def test_a_write_that_breaks_the_shapes_is_422_and_changes_nothing(
    client: TestClient, tmp_path: Path
) -> None:
    before, n = version(client), count(client)
    r = update(client, EMPLOYEE_BAD)
    assert r.status_code == 422
    assert "An employee needs exactly one ex:name" in r.text and "nothing was changed" in r.text
    assert (version(client), count(client)) == (before, n)
    entry = log(tmp_path)[-1]
    assert (entry["outcome"], entry["status"]) == ("refused", 422)


def test_the_422_report_is_turtle_or_json_on_request(client: TestClient) -> None:
    r = update(client, EMPLOYEE_BAD, headers={"Accept": "text/turtle"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/turtle")
    report = Graph().parse(data=r.text, format="turtle")
    assert (None, SH.conforms, Literal(False)) in report
    assert (None, SH.focusNode, URIRef(f"{EX}frank")) in report
    r = update(client, EMPLOYEE_BAD, headers={"Accept": "application/json"})
    assert r.status_code == 422 and r.json()[0]["focus"].endswith("frank>")


def test_validation_sees_the_data_across_graphs(client: TestClient) -> None:
    """Removing a fact from one graph is refused when data in another needs it."""
    text = f"INSERT DATA {{ GRAPH <{EX}g1> {{ <{EX}gus> a <{EX}Employee> }} }} ;"
    text += f"INSERT DATA {{ GRAPH <{EX}g2> {{ <{EX}gus> <{EX}name> 'Gus' }} }}"
    assert update(client, text).status_code == 200
    r = client.delete("/graph-store", params={"graph": f"{EX}g2"})
    assert r.status_code == 422 and "gus" in r.text
    assert ask(client, f"ASK {{ GRAPH <{EX}g2> {{ <{EX}gus> <{EX}name> 'Gus' }} }}")


def test_a_write_that_repairs_the_data_is_accepted(make_app: MakeApp, tmp_path: Path) -> None:
    """The rule is "the result conforms": data that does not conform yet can be fixed."""
    broken = tmp_path / "broken.ttl"
    broken.write_text(f"<{EX}hal> a <{EX}Employee> .\n", encoding="utf-8")
    client = TestClient(make_app(paths=[FIXTURE_DATA, broken]), headers=AUTH)
    assert update(client, f"INSERT DATA {{ <{EX}x> <{EX}p> 1 }}").status_code == 422
    r = update(client, f"INSERT DATA {{ GRAPH <{EX}fix> {{ <{EX}hal> <{EX}name> 'Hal' }} }}")
    assert r.status_code == 200, r.text


def test_the_bundled_shapes_guard_writes_by_default(tmp_path: Path) -> None:
    settings = Settings(
        paths=[FIXTURE_DATA],
        allow_update=True,
        write_token=TOKEN,
        write_log=tmp_path / "log.jsonl",
    )
    client = TestClient(create_app(settings), headers=AUTH)
    text = "INSERT DATA { <https://w3id.org/accord/id/c> a <https://w3id.org/accord/ontology#Commitment> }"
    r = update(client, text)
    assert r.status_code == 422 and "Commitment" in r.text


def test_the_shapes_and_ontology_graphs_cannot_be_written(make_app: MakeApp) -> None:
    client = TestClient(make_app(paths=[FIXTURE_DATA, SHAPES]), headers=AUTH)
    n = count(client)
    r = update(client, "DROP ALL")
    assert r.status_code == 403 and "shapes" in r.text
    shapes_graph = next(
        gf.graph for gf in client.app.state.services.store.files if gf.path == SHAPES
    )
    r = client.put(
        "/graph-store",
        params={"graph": shapes_graph},
        content="",
        headers={"Content-Type": "text/turtle"},
    )
    assert r.status_code == 403 and shapes_graph in r.text
    assert count(client) == n
    assert update(client, f"DROP GRAPH <{PLACES}>").status_code == 200  # data graphs: fine


# --- the USING rewrite ------------------------------------------------------------------


def test_with_using_adds_using_before_each_top_level_where() -> None:
    text = (
        "PREFIX ex: <http://example.org/> # WHERE in a comment\n"
        "INSERT { ?s ex:p 'WHERE' } WHERE { { SELECT ?s WHERE { ?s ?p ?o } } } ;\n"
        "DELETE { ?s ex:p ?o } WHERE { ?s ex:p ?o }"
    )
    out = with_using(text, ["http://g/1"], ["http://g/2"])
    assert out.count("USING <http://g/1> USING NAMED <http://g/2> WHERE") == 2
    assert "SELECT ?s WHERE { ?s ?p ?o }" in out and "'WHERE'" in out
    assert with_using(text, [], []) == text


def test_with_using_refuses_delete_where() -> None:
    with pytest.raises(Exception, match="DELETE WHERE"):
        with_using("DELETE WHERE { ?s ?p ?o }", ["http://g/1"], [])


def test_an_update_nested_too_deep_is_refused_before_parsing(client: TestClient) -> None:
    n = count(client)
    nested = "{ " * 200 + f"<{EX}a> <{EX}p> ?o" + " }" * 200
    r = update(client, f"INSERT {{ <{EX}a> <{EX}q> ?o }} WHERE {nested}")
    assert r.status_code == 400 and "levels deep" in r.text
    assert count(client) == n


def test_using_a_graph_outside_the_dataset_is_refused_not_ignored(client: TestClient) -> None:
    before = version(client)
    r = update(
        client,
        f"INSERT {{ <{EX}a> <{EX}p> ?o }} USING <http://127.0.0.1:9/remote> WHERE {{ ?s ?p ?o }}",
    )
    assert r.status_code == 400, r.text
    assert "USING" in r.text and "http://127.0.0.1:9/remote" in r.text
    assert version(client) == before
