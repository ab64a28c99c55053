"""Named queries: the catalogue loader (app/accord/query/catalogue.py) and /queries, /queries/{name}."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from accord.errors import BadRequest
from accord.namespaces import PREFIXES
from accord.query.catalogue import CatalogueError, load_catalogue, load_query
from tests import REPO
from tests.conftest import FIXTURE_QUERIES

EX = "http://example.org/"


# --- the loader -----------------------------------------------------------------------


def test_header_is_parsed() -> None:
    q = load_query(FIXTURE_QUERIES / "people.rq")
    assert q.name == "people"
    assert q.title == "People and their ages"
    assert q.description == "Every person, with their age when it is known."
    assert [(p.name, p.type, p.optional) for p in q.params] == [
        ("person", "IRI", True),
        ("minAge", "http://www.w3.org/2001/XMLSchema#integer", True),
    ]
    assert q.params[0].description == "Only this person (e.g. http://example.org/alice)."


def test_project_prefixes_are_prepended_unless_declared() -> None:
    q = load_query(FIXTURE_QUERIES / "cities.rq")
    assert "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>" in q.text
    assert q.text.count("PREFIX ex:") == 1  # declared by the query itself
    assert all(f"PREFIX {p}:" in q.text for p in PREFIXES if p != "ex")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.rq"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("# param: format literal. Clashes with ?format=.", "reserved"),
        ("# param: nope IRI. Not in the query.", "not a variable"),
        ("# param: x colour. No such type.", "has type 'colour'"),
        ("# param: x IRI.\n# param: x literal.", "declared twice"),
        ("# param: ???", "expected 'param: NAME TYPE"),
    ],
)
def test_malformed_headers_fail_at_load(tmp_path: Path, header: str, message: str) -> None:
    body = "SELECT ?x ?format WHERE { ?x ?p ?format }"
    with pytest.raises(CatalogueError, match=message):
        load_query(write(tmp_path, f"{header}\n{body}"))


def test_missing_folder_fails_at_load(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="does not exist"):
        load_catalogue(tmp_path / "nowhere")


def test_bind_checks_values() -> None:
    people = load_query(FIXTURE_QUERIES / "people.rq")
    labels = load_query(FIXTURE_QUERIES / "labels-in.rq")
    assert f"VALUES ?person {{ <{EX}bob> }}" in people.bind({"person": EX + "bob"})
    assert 'VALUES ?lang { "en" }' in labels.bind({"lang": "en"})
    cases = [
        (people, {"person": "not an iri"}, "absolute IRI"),
        (people, {"person": "<http://x>"}, "absolute IRI"),
        (people, {"minAge": "old"}, "must be an xsd:integer"),
        (people, {"colour": "red"}, "unknown parameter 'colour'"),
        (labels, {}, "needs parameter lang"),
    ]
    for query, values, message in cases:
        with pytest.raises(BadRequest, match=message):
            query.bind(values)


def test_literal_values_cannot_inject_sparql() -> None:
    labels = load_query(FIXTURE_QUERIES / "labels-in.rq")
    text = labels.bind({"lang": 'en" } } SELECT * { ?s ?p ?o } #'})
    # Still one query that parses, with the whole value as one string literal.
    assert len(list(ox.Store().query(text))) == 0


def test_literal_values_may_carry_a_datatype_or_language() -> None:
    labels = load_query(FIXTURE_QUERIES / "labels-in.rq")
    assert '"2026-01-06"^^<http://www.w3.org/2001/XMLSchema#date>' in labels.bind(
        {"lang": '"2026-01-06"^^xsd:date'}
    )
    assert '"chat"@fr' in labels.bind({"lang": '"chat"@fr'})
    with pytest.raises(BadRequest, match="xsd:date"):
        labels.bind({"lang": '"6 January"^^xsd:date'})


# --- the routes -----------------------------------------------------------------------


def test_list_is_json_by_default(fixture_client: TestClient) -> None:
    r = fixture_client.get("/queries")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    entries = {e["name"]: e for e in r.json()}
    assert set(entries) == {p.stem for p in FIXTURE_QUERIES.glob("*.rq")}
    people = entries["people"]
    assert people["title"] == "People and their ages"
    assert people["url"] == "http://testserver/queries/people"
    assert [p["name"] for p in people["params"]] == ["person", "minAge"]
    assert fixture_client.get(people["url"]).status_code == 200


def test_list_is_html_for_browsers(fixture_client: TestClient) -> None:
    r = fixture_client.get("/queries", headers={"Accept": "text/html,*/*;q=0.8"})
    assert r.headers["content-type"].startswith("text/html")
    assert 'href="http://testserver/queries/people"' in r.text
    assert "People and their ages" in r.text


def table(r) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.text
    return list(csv.DictReader(io.StringIO(r.text)))


def test_run_a_named_query(fixture_client: TestClient) -> None:
    rows = table(fixture_client.get("/queries/people", params={"format": "csv"}))
    assert [r["person"] for r in rows] == [EX + n for n in ("alice", "bob", "carol", "dave")]


def test_iri_parameter_binds(fixture_client: TestClient) -> None:
    rows = table(
        fixture_client.get("/queries/people", params={"format": "csv", "person": EX + "bob"})
    )
    assert [(r["person"], r["age"]) for r in rows] == [(EX + "bob", "40")]


def test_typed_parameter_is_seen_by_filters(fixture_client: TestClient) -> None:
    rows = table(fixture_client.get("/queries/people", params={"format": "csv", "minAge": "35"}))
    assert [r["person"] for r in rows] == [EX + "bob"]


def test_literal_parameter_binds(fixture_client: TestClient) -> None:
    rows = table(fixture_client.get("/queries/labels-in", params={"format": "csv", "lang": "fr"}))
    assert [r["label"] for r in rows] == ["Alice (fr)", "Carole"]


def test_named_query_negotiates_like_sparql(fixture_client: TestClient) -> None:
    r = fixture_client.get("/queries/cities", headers={"Accept": "application/n-triples"})
    assert r.headers["content-type"].startswith("application/n-triples")
    assert len(list(ox.parse(r.content, format=ox.RdfFormat.N_TRIPLES))) == 2
    assert fixture_client.get("/queries/cities", headers={"Accept": "text/csv"}).status_code == 406
    head = fixture_client.head("/queries/people")
    assert (
        head.status_code == 200 and head.content == b"" and int(head.headers["content-length"]) > 0
    )


def test_named_query_labels(fixture_client: TestClient) -> None:
    rows = table(fixture_client.get("/queries/people", params={"format": "csv", "labels": "true"}))
    assert rows[0]["person_label"] == "Alice"


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/queries/nope", {}, 404, "no named query 'nope'"),
        ("/queries/people", {"person": "alice"}, 400, "absolute IRI"),
        ("/queries/people", {"minAge": "x"}, 400, "xsd:integer"),
        ("/queries/people", {"colour": "red"}, 400, "unknown parameter"),
        ("/queries/labels-in", {}, 400, "needs parameter lang"),
        ("/queries/people", {"labels": "perhaps"}, 400, "true or false"),
    ],
)
def test_named_query_errors(
    fixture_client: TestClient, path: str, params: dict[str, str], status: int, message: str
) -> None:
    r = fixture_client.get(path, params=params)
    assert r.status_code == status
    assert message in r.text


def test_repeated_parameter_is_400(fixture_client: TestClient) -> None:
    r = fixture_client.get(f"/queries/people?person={EX}a&person={EX}b")
    assert r.status_code == 400 and "more than once" in r.text


# --- the real catalogue ----------------------------------------------------------------

REAL = sorted((REPO / "queries").glob("*.rq"))


def test_real_catalogue_loads() -> None:
    catalogue = load_catalogue(REPO / "queries")
    assert set(catalogue) == {p.stem for p in REAL}
    for q in catalogue.values():
        assert q.title != q.name, f"{q.name}.rq has no title"


@pytest.mark.parametrize("path", REAL, ids=[p.stem for p in REAL])
def test_real_query_runs_on_the_bundled_data(client: TestClient, path: Path) -> None:
    query = load_query(path)
    if any(not p.optional for p in query.params):
        pytest.skip("needs a parameter value")
    r = client.get(f"/queries/{path.stem}", params={"format": "json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert "boolean" in body or body["results"]["bindings"], f"{path.name} answers nothing"


EXAMPLES = [
    (path, param.name, m.group(1))
    for path in REAL
    for param in load_query(path).params
    if param.type == "IRI" and (m := re.search(r"e\.g\. (\S+?)\)?\.?$", param.description))
]


@pytest.mark.parametrize(
    ("path", "param", "value"), EXAMPLES, ids=[f"{p.stem}-{n}" for p, n, _ in EXAMPLES]
)
def test_real_query_parameter_example_binds(
    client: TestClient, path: Path, param: str, value: str
) -> None:
    """The example IRI of each parameter's description gives some rows, all about it."""
    everything = client.get(f"/queries/{path.stem}", params={"format": "json"}).json()
    r = client.get(f"/queries/{path.stem}", params={"format": "json", param: value})
    assert r.status_code == 200, r.text
    rows = r.json()["results"]["bindings"]
    assert rows, f"{path.name}: no rows for {param}={value}"
    if param in r.json()["head"]["vars"]:  # every row is about the value
        assert {row[param]["value"] for row in rows} == {value}
    else:  # nothing in a row says what it is about: fewer rows say the value was bound
        assert len(rows) < len(everything["results"]["bindings"])


BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_named_query_is_a_page_in_a_browser_and_an_answer_for_everyone_else(
    client: TestClient,
) -> None:
    # In a browser /queries/{name} answered raw SPARQL XML (issue 16).
    params = {"state": "id:SE", "asof": "2026-01-08"}
    page = client.get("/queries/status-as-of", params=params, headers={"Accept": BROWSER})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "<h1>What had each party promised" in text
    assert '<form method="get"' in text and 'name="asof" value="2026-01-08"' in text
    assert text.count("<tr>") == 4  # the head and Sweden's three offers
    assert "Sweden: Gripen fighter jets" in text and 'href="/id/SE"' in text
    assert "?state=id%3ASE&amp;asof=2026-01-08&amp;format=csv" in text
    assert "xsd:date" in text  # the parameter's type, readable
    for accept in (None, "*/*", "application/sparql-results+json"):
        headers = {"Accept": accept} if accept else {}
        answer = client.get("/queries/status-as-of", params=params, headers=headers)
        assert answer.headers["content-type"].startswith("application/sparql-results+json")
    csv = client.get(
        "/queries/status-as-of", params=params | {"format": "csv"}, headers={"Accept": BROWSER}
    )
    assert csv.headers["content-type"].startswith("text/csv")


def test_a_named_query_page_with_a_bad_parameter_says_why(client: TestClient) -> None:
    page = client.get(
        "/queries/status-as-of", params={"state": "not an iri"}, headers={"Accept": BROWSER}
    )
    assert page.status_code == 400
    assert 'class="error">parameter &#39;state&#39; must be an absolute IRI' in page.text


def test_signatories_takes_the_declaration_its_catalogue_entry_shows(client: TestClient) -> None:
    def rows(**params: str) -> list[dict[str, str]]:
        return table(client.get("/queries/signatories", params={"format": "csv", **params}))

    everything = rows()
    paris = rows(declaration="id:paris-declaration-2026")
    # (The bundled data has one declaration; a declaration it lacks gives no row.)
    assert paris == [r for r in everything if r["declaration"].endswith("paris-declaration-2026")]
    assert rows(declaration="id:no-such-declaration") == []
    entry = next(q for q in client.get("/queries").json() if q["name"] == "signatories")
    assert [p["name"] for p in entry["params"]] == ["declaration"]
