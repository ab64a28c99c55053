"""The /sparql endpoint over the fixture dataset: formats, dataset, errors, updates,
service description, labels, headers and the OpenAPI description."""

from __future__ import annotations

import csv
import io

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from accord.dataset import graph_iri_for
from accord.main import create_app
from accord.publish.service_description import FORMAT_IRIS
from accord.query.negotiation import FORMAT_NAMES, OFFERS
from accord.settings import Settings
from accord.stores.base import GRAPH_FORMATS
from tests.conftest import FIXTURE_DATA, FIXTURE_QUERIES

EX = "http://example.org/"
PEOPLE = graph_iri_for(FIXTURE_DATA / "people.ttl", Settings().base_iri)
PLACES = graph_iri_for(FIXTURE_DATA / "places.ttl", Settings().base_iri)
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")

QUERIES = {
    "select": "SELECT ?s ?age WHERE { ?s <http://example.org/age> ?age }",
    "ask": "ASK { <http://example.org/alice> <http://example.org/age> 30 }",
    "construct": "CONSTRUCT { ?s <http://example.org/age> ?age } WHERE { ?s <http://example.org/age> ?age }",
    "describe": "DESCRIBE <http://example.org/paris>",
}
KINDS = {"select": "solutions", "ask": "boolean", "construct": "graph", "describe": "graph"}


def fixture_triples(name: str) -> Graph:
    return Graph().parse(FIXTURE_DATA / name)


def expected_size(form: str) -> int:
    """What each query should answer, counted from the fixture files with rdflib."""
    people, places = fixture_triples("people.ttl"), fixture_triples("places.ttl")
    ages = len(list(people.triples((None, URIRef(EX + "age"), None))))
    if form in ("select", "construct"):
        return ages
    return len(list((people + places).triples((URIRef(EX + "paris"), None, None))))


def check_body(form: str, media_type: str, body: bytes) -> None:
    """The body is well-formed in ``media_type`` and holds the expected answer."""
    if form == "ask":
        if media_type in ("text/csv", "text/tab-separated-values"):
            assert body.strip() == b"true"
        else:
            fmt = ox.QueryResultsFormat.JSON if "json" in media_type else ox.QueryResultsFormat.XML
            assert bool(ox.parse_query_results(body, format=fmt)) is True
        return
    n = expected_size(form)
    if form == "select":
        if media_type == "text/csv":
            table = list(csv.reader(io.StringIO(body.decode())))
            assert table[0] == ["s", "age"] and len(table) == n + 1
            return
        fmt = {
            "application/sparql-results+json": ox.QueryResultsFormat.JSON,
            "application/sparql-results+xml": ox.QueryResultsFormat.XML,
            "text/tab-separated-values": ox.QueryResultsFormat.TSV,
        }[media_type]
        solutions = list(ox.parse_query_results(body, format=fmt))
        assert len(solutions) == n
        assert {str(s["s"].value) for s in solutions} == {EX + "alice", EX + "bob"}
        return
    quads = list(ox.parse(body, format=GRAPH_FORMATS[media_type]))
    assert len(quads) == n


CELLS = [(form, mt) for form, kind in KINDS.items() for mt in OFFERS[kind]]


@pytest.mark.parametrize(("form", "media_type"), CELLS)
def test_every_format_cell_via_accept(
    fixture_client: TestClient, form: str, media_type: str
) -> None:
    r = fixture_client.get(
        "/sparql", params={"query": QUERIES[form]}, headers={"Accept": media_type}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type
    assert r.headers["vary"] == "Accept"
    if media_type.startswith("text/"):
        assert "charset=utf-8" in r.headers["content-type"]
    check_body(form, media_type, r.content)


@pytest.mark.parametrize(("form", "media_type"), CELLS)
def test_every_format_cell_via_format_parameter(
    fixture_client: TestClient, form: str, media_type: str
) -> None:
    name = next(n for n, t in FORMAT_NAMES[KINDS[form]].items() if t == media_type)
    r = fixture_client.post(
        "/sparql",
        data={"query": QUERIES[form], "format": name},
        headers={"Accept": "image/png"},  # format= wins over Accept
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type
    check_body(form, media_type, r.content)


@pytest.mark.parametrize(
    ("form", "accept"),
    [
        ("select", "text/turtle"),
        ("ask", "application/rdf+xml"),
        ("construct", "text/csv"),
        ("describe", "application/sparql-results+json"),
    ],
)
def test_wrong_kind_of_format_is_406_listing_offers(
    fixture_client: TestClient, form: str, accept: str
) -> None:
    r = fixture_client.get("/sparql", params={"query": QUERIES[form]}, headers={"Accept": accept})
    assert r.status_code == 406
    for media_type in OFFERS[KINDS[form]]:
        assert media_type in r.text


def test_format_of_wrong_kind_is_406_and_unknown_format_400(fixture_client: TestClient) -> None:
    r = fixture_client.get("/sparql", params={"query": QUERIES["construct"], "format": "csv"})
    assert r.status_code == 406
    r = fixture_client.get("/sparql", params={"query": QUERIES["select"], "format": "yaml"})
    assert r.status_code == 400 and "unknown format 'yaml'" in r.text


def test_get_form_post_and_direct_post_agree(fixture_client: TestClient) -> None:
    q = QUERIES["select"] + " ORDER BY ?s"
    a = fixture_client.get("/sparql", params={"query": q})
    b = fixture_client.post("/sparql", data={"query": q})
    c = fixture_client.post(
        "/sparql", content=q, headers={"Content-Type": "application/sparql-query"}
    )
    assert a.status_code == b.status_code == c.status_code == 200
    assert a.json() == b.json() == c.json()
    assert len(a.json()["results"]["bindings"]) == expected_size("select")


def test_head_has_the_headers_of_get_and_no_body(fixture_client: TestClient) -> None:
    params = {"query": QUERIES["select"], "format": "csv"}
    get = fixture_client.get("/sparql", params=params)
    head = fixture_client.head("/sparql", params=params)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert int(head.headers["content-length"]) == len(get.content) > 0
    assert fixture_client.head("/sparql").headers["content-type"].startswith("text/turtle")


NAMES_IN_DEFAULT = "SELECT DISTINCT ?s WHERE { ?s a ?type }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"


def subjects(r) -> set[str]:  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.text
    return {b[r.json()["head"]["vars"][0]]["value"] for b in r.json()["results"]["bindings"]}


def test_default_graph_is_the_union(fixture_client: TestClient) -> None:
    assert EX + "paris" in subjects(
        fixture_client.get("/sparql", params={"query": NAMES_IN_DEFAULT})
    )
    assert EX + "alice" in subjects(
        fixture_client.get("/sparql", params={"query": NAMES_IN_DEFAULT})
    )


def test_default_graph_uri_restricts_the_default_graph(fixture_client: TestClient) -> None:
    r = fixture_client.get(
        "/sparql", params={"query": NAMES_IN_DEFAULT, "default-graph-uri": PLACES}
    )
    assert subjects(r) == {EX + "paris"}


def test_named_graph_uri_restricts_graph_patterns(fixture_client: TestClient) -> None:
    assert subjects(fixture_client.get("/sparql", params={"query": GRAPHS})) == {PEOPLE, PLACES}
    r = fixture_client.get("/sparql", params={"query": GRAPHS, "named-graph-uri": PEOPLE})
    assert subjects(r) == {PEOPLE}


def test_query_from_is_honoured_without_protocol_dataset(fixture_client: TestClient) -> None:
    q = f"SELECT DISTINCT ?s FROM <{PLACES}> WHERE {{ ?s a ?type }}"
    assert subjects(fixture_client.get("/sparql", params={"query": q})) == {EX + "paris"}
    q = f"SELECT DISTINCT ?g FROM NAMED <{PEOPLE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
    assert subjects(fixture_client.get("/sparql", params={"query": q})) == {PEOPLE}


def test_protocol_dataset_wins_over_query_from(fixture_client: TestClient) -> None:
    q = f"SELECT DISTINCT ?s FROM <{PLACES}> WHERE {{ ?s a ?type }}"
    r = fixture_client.get("/sparql", params={"query": q, "default-graph-uri": PEOPLE})
    assert EX + "paris" not in subjects(r) and EX + "alice" in subjects(r)


def test_relative_iris_resolve_against_the_endpoint(fixture_client: TestClient) -> None:
    r = fixture_client.get(
        "/sparql", params={"query": "CONSTRUCT { <s> <p> 1 } WHERE {}", "format": "nt"}
    )
    assert r.status_code == 200
    assert r.text.startswith("<http://testserver/s> <http://testserver/p> ")


# --- errors ---------------------------------------------------------------------------


def test_malformed_query_is_400_with_position(fixture_client: TestClient) -> None:
    r = fixture_client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"})
    assert r.status_code == 400
    assert "malformed SPARQL query" in r.text and "1:" in r.text


def test_error_body_is_json_for_a_json_client(fixture_client: TestClient) -> None:
    r = fixture_client.get(
        "/sparql", params={"query": "ASK {"}, headers={"Accept": "application/json"}
    )
    assert r.status_code == 400
    assert r.json()["status"] == 400 and "malformed SPARQL query" in r.json()["detail"]


@pytest.mark.parametrize(
    ("kwargs", "status", "message"),
    [
        ({"content": "ASK {}", "headers": {"Content-Type": "text/plain"}}, 415, "Content-Type"),
        ({"content": "query=ASK%20%7B%7D"}, 415, "no Content-Type"),
        (
            {
                "content": "ASK {}".encode("utf-16"),
                "headers": {"Content-Type": "application/sparql-query; charset=UTF-16"},
            },
            415,
            "UTF-8",
        ),
        ({"data": {"default-graph-uri": EX}}, 400, "missing 'query'"),
        ({"data": {"query": "ASK {}", "update": "CLEAR ALL"}}, 400, "not both"),
        (
            {
                "content": "query=ASK+%7B%7D&query=ASK+%7B%7D",
                "headers": {"Content-Type": "application/x-www-form-urlencoded"},
            },
            400,
            "2 queries",
        ),
    ],
)
def test_bad_posts(fixture_client: TestClient, kwargs: dict, status: int, message: str) -> None:  # type: ignore[type-arg]
    r = fixture_client.post("/sparql", **kwargs)
    assert r.status_code == status
    assert message in r.text


def test_get_with_update_is_400(fixture_client: TestClient) -> None:
    r = fixture_client.get("/sparql", params={"update": "CLEAR ALL"})
    assert r.status_code == 400 and "POST" in r.text


def test_put_is_405(fixture_client: TestClient) -> None:
    assert fixture_client.put("/sparql", params={"query": "ASK {}"}).status_code == 405


# --- updates --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        {"data": {"update": "CLEAR ALL"}},
        {"content": "CLEAR ALL", "headers": {"Content-Type": "application/sparql-update"}},
    ],
)
def test_updates_are_403_when_disabled(fixture_client: TestClient, kwargs: dict) -> None:  # type: ignore[type-arg]
    r = fixture_client.post("/sparql", **kwargs)
    assert r.status_code == 403
    assert "updates are disabled on this server" in r.text
    # ...and nothing was cleared.
    assert subjects(fixture_client.get("/sparql", params={"query": NAMES_IN_DEFAULT}))


WRITE_TOKEN = "router-tests-0123456789-abcdefghijklmnopq"
AUTH = {"Authorization": f"Bearer {WRITE_TOKEN}"}


@pytest.fixture(scope="module")
def update_client(fixture_settings: Settings) -> TestClient:
    enabled = {"allow_update": True, "write_token": WRITE_TOKEN, "write_allow_forms": True}
    return TestClient(create_app(fixture_settings.model_copy(update=enabled)), headers=AUTH)


def test_enabled_update_without_the_token_is_401(update_client: TestClient) -> None:
    r = update_client.post("/sparql", data={"update": "CLEAR ALL"}, headers={"Authorization": ""})
    assert r.status_code == 401 and "Bearer" in r.headers["www-authenticate"]
    # ...and nothing was cleared (tests/writes covers the writes themselves).
    assert subjects(update_client.get("/sparql", params={"query": NAMES_IN_DEFAULT}))


def test_enabled_update_syntax_error_is_400(update_client: TestClient) -> None:
    r = update_client.post("/sparql", data={"update": "CLEAR XYZ"})
    assert r.status_code == 400 and "1:1" in r.text


def test_enabled_update_with_dataset_twice_is_400(update_client: TestClient) -> None:
    r = update_client.post(
        "/sparql",
        params={"using-named-graph-uri": EX + "people"},
        content="WITH <http://example/a> DELETE { ?s ?p 'B' } WHERE { ?s ?p 'B' }",
        headers={"Content-Type": "application/sparql-update"},
    )
    assert r.status_code == 400 and "USING/WITH" in r.text


# --- service description --------------------------------------------------------------


def description(client: TestClient, **kwargs) -> Graph:  # type: ignore[no-untyped-def]
    r = client.get("/sparql", **kwargs)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    return Graph().parse(data=r.text, format="turtle")


def test_service_description_is_true_for_this_server(fixture_client: TestClient) -> None:
    g = description(fixture_client)
    service = URIRef("http://testserver/sparql")
    assert (service, RDF.type, SD.Service) in g
    assert (service, SD.endpoint, service) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.supportedLanguage, SD.SPARQL11Update) not in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    formats = set(g.objects(service, SD.resultFormat))
    assert formats == {URIRef(FORMAT_IRIS[t]) for t in [*OFFERS["solutions"], *OFFERS["graph"]]}
    # One sd:namedGraph per file, with its size counted by rdflib.
    sizes = {
        str(g.value(ng, SD.name)): int(g.value(g.value(ng, SD.graph), VOID.triples))
        for ng in g.subjects(RDF.type, SD.NamedGraph)
    }
    assert sizes == {
        PEOPLE: len(fixture_triples("people.ttl")),
        PLACES: len(fixture_triples("places.ttl")),
    }
    dataset = g.value(service, SD.defaultDataset)
    assert set(g.objects(dataset, SD.namedGraph)) == set(g.subjects(RDF.type, SD.NamedGraph))
    union = fixture_triples("people.ttl") + fixture_triples("places.ttl")
    assert int(g.value(g.value(dataset, SD.defaultGraph), VOID.triples)) == len(union)


def test_service_description_uses_public_url(fixture_settings: Settings) -> None:
    public = "https://example.org/accord/sparql"
    c = TestClient(create_app(fixture_settings.model_copy(update={"public_url": public})))
    g = description(c)
    assert (URIRef(public), SD.endpoint, URIRef(public)) in g


def test_service_description_is_negotiated(fixture_client: TestClient) -> None:
    r = fixture_client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert r.headers["content-type"] == "application/ld+json"
    g = Graph().parse(data=r.text, format="json-ld")
    assert (None, SD.endpoint, URIRef("http://testserver/sparql")) in g
    r = fixture_client.get("/sparql", params={"format": "nt"})
    assert r.headers["content-type"].startswith("application/n-triples")
    assert len(Graph().parse(data=r.text, format="nt")) == len(description(fixture_client))


def test_service_description_sends_browsers_to_the_ui(fixture_client: TestClient) -> None:
    r = fixture_client.get(
        "/sparql",
        headers={"Accept": "text/html,application/xml;q=0.9,*/*;q=0.8"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"


# --- labels ---------------------------------------------------------------------------


def test_labels_add_a_label_column_for_iri_variables(fixture_client: TestClient) -> None:
    q = (
        "SELECT ?person ?age ?home WHERE { ?person a <http://example.org/Person> "
        "OPTIONAL { ?person <http://example.org/age> ?age } "
        "OPTIONAL { ?person <http://example.org/livesIn> ?home } } ORDER BY ?person"
    )
    r = fixture_client.get("/sparql", params={"query": q, "labels": "true", "format": "csv"})
    assert r.status_code == 200, r.text
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert list(table[0]) == ["person", "person_label", "age", "home", "home_label"]
    labels = {row["person"]: row["person_label"] for row in table}
    assert labels == {
        EX + "alice": "Alice",  # English over French
        EX + "bob": "Bob",  # English skos:prefLabel over an untagged rdfs:label
        EX + "carol": "Carole",  # only French: still better than nothing
        EX + "dave": "",  # no label at all
    }
    # skos:prefLabel over rdfs:label in the same language:
    assert {row["home_label"] for row in table} == {"City of Paris", ""}


def test_labels_keep_language_tags_in_json(fixture_client: TestClient) -> None:
    q = "SELECT ?s WHERE { ?s a <http://example.org/City> }"
    r = fixture_client.get("/sparql", params={"query": q, "labels": "1"})
    assert r.json()["head"]["vars"] == ["s", "s_label"]
    assert r.json()["results"]["bindings"][0]["s_label"] == {
        "type": "literal",
        "value": "City of Paris",
        "xml:lang": "en",
    }


def test_without_labels_no_label_columns(fixture_client: TestClient) -> None:
    r = fixture_client.get("/sparql", params={"query": QUERIES["select"], "format": "csv"})
    assert r.text.splitlines()[0] == "s,age"


# --- headers and docs -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/sparql", {}),
        ("GET", "/sparql", {"params": {"query": "ASK {}"}}),
        ("GET", "/sparql", {"params": {"query": "ASK {"}}),
        ("POST", "/sparql", {"data": {"update": "CLEAR ALL"}}),
        ("GET", "/no/such/page", {}),
        ("GET", "/queries", {}),
    ],
)
def test_every_response_names_the_dataset_version(
    fixture_app,
    fixture_client: TestClient,
    method: str,
    path: str,
    kwargs: dict,  # type: ignore[no-untyped-def, type-arg]
) -> None:
    r = fixture_client.request(method, path, **kwargs)
    assert r.headers["x-accord-dataset-version"] == fixture_app.state.services.store.version
    assert len(fixture_app.state.services.store.version) == 16


def test_openapi_describes_the_endpoint(fixture_client: TestClient) -> None:
    spec = fixture_client.get("/openapi.json").json()
    get, post = spec["paths"]["/sparql"]["get"], spec["paths"]["/sparql"]["post"]
    assert get["summary"] and post["summary"]
    params = {p["name"]: p for p in get["parameters"]}
    assert {"query", "default-graph-uri", "named-graph-uri", "format", "labels"} <= set(params)
    assert "SPARQL query" in params["query"]["description"]
    assert {"200", "400", "406"} <= set(get["responses"])
    assert {"200", "400", "401", "403", "406", "415", "422"} <= set(post["responses"])
    assert set(post["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/sparql-query",
        "application/sparql-update",
    }
    assert set(get["responses"]["200"]["content"]) == {*OFFERS["solutions"], *OFFERS["graph"]}


def test_fixture_catalogue_is_in_use(fixture_client: TestClient) -> None:
    names = {q["name"] for q in fixture_client.get("/queries").json()}
    assert names == {p.stem for p in FIXTURE_QUERIES.glob("*.rq")}


def test_labels_literal_check() -> None:
    # The fixture really has the languages the label tests rely on.
    people = fixture_triples("people.ttl")
    assert Literal("Alice", lang="en") in set(people.objects())
    assert Literal("Carole", lang="fr") in set(people.objects())


def test_service_description_is_byte_stable(fixture_client: TestClient) -> None:
    assert fixture_client.get("/sparql").content == fixture_client.get("/sparql").content


def test_rdf_output_keeps_the_project_prefixes(fixture_client: TestClient) -> None:
    q = "CONSTRUCT { ?s rdfs:label ?l } WHERE { ?s rdfs:label ?l }"
    r = fixture_client.get(
        "/sparql", params={"query": "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + q}
    )
    assert r.headers["content-type"] == "text/turtle; charset=utf-8"
    assert "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> ." in r.text
    assert "rdfs:label" in r.text


# --- predeclared prefixes and readable syntax errors ---------------------------------


def test_the_project_prefixes_are_predeclared_and_a_querys_own_win(client: TestClient) -> None:
    rows = client.get(
        "/sparql",
        params={"query": "SELECT (rdfs:label AS ?p) (xsd:date AS ?d) WHERE {}"},
        headers={"Accept": "text/csv"},
    ).text.splitlines()
    assert rows[1] == (
        "http://www.w3.org/2000/01/rdf-schema#label,http://www.w3.org/2001/XMLSchema#date"
    )
    own = "PREFIX rdfs: <http://example.org/mine#> SELECT (rdfs:label AS ?p) WHERE {}"
    answer = client.get("/sparql", params={"query": own}, headers={"Accept": "text/csv"})
    assert answer.text.splitlines()[1] == "http://example.org/mine#label"


def test_an_unknown_prefix_is_one_readable_line_with_its_fix(client: TestClient) -> None:
    answer = client.get("/sparql", params={"query": "SELECT * WHERE { ?s a foo:Bar }"})
    assert answer.status_code == 400
    text = answer.text.strip()
    assert "\n" not in text and "\\u{" not in text
    assert "unknown prefix 'foo:' (at 1:" in text
    assert "PREFIX foo: <http://...>" in text and "rdfs:" in text


def test_error_positions_are_those_of_the_query_as_written(client: TestClient) -> None:
    # The predeclared PREFIX line is not the client's: positions stay on its lines.
    answer = client.get("/sparql", params={"query": "SELECT * WHERE {\n ?s rdf:type }"})
    assert answer.status_code == 400
    assert "at 2:" in answer.text, answer.text


def test_the_readme_examples_of_labels_and_prefixes_answer_as_shown(client: TestClient) -> None:
    """The README's curl examples of ``labels=true`` and the predeclared prefixes, run
    against the bundled data: the answer printed under the labels example is the one
    the endpoint gives."""
    import re

    from tests import REPO

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("The query declares no prefix") :]
    section = section[: section.index("\nFrom Python:")]
    queries = re.findall(r"'query=(.*?)'", section)
    own, unknown, labelled = queries
    assert client.get("/sparql", params={"query": own, "format": "csv"}).text.split() == ["s"]
    error = client.get("/sparql", params={"query": unknown})
    assert error.status_code == 400
    assert "unknown prefix 'acord:'" in error.text and "PREFIX acord:" in error.text
    shown = section[section.rindex("```\ncommitment,") + 4 :].split("```")[0]
    answer = client.get("/sparql", params={"query": labelled, "format": "csv", "labels": "true"})
    assert answer.text.replace("\r\n", "\n") == shown
