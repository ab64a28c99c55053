"""The VoID description at /.well-known/void, computed from the store."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from accord.publish.export import FORMATS
from tests.linked_data.conftest import parse_rdf

VOID = Namespace("http://rdfs.org/ns/void#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
DATASET = URIRef("https://w3id.org/accord/dataset")


@pytest.fixture
def void(client: TestClient) -> Graph:
    r = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/turtle")
    return parse_rdf(r.content, "text/turtle")


def test_void_names_the_version_and_the_license(void: Graph, client: TestClient) -> None:
    store = client.app.state.services.store  # type: ignore[attr-defined]
    assert (DATASET, OWL.versionInfo, Literal(store.version)) in void
    assert (
        DATASET,
        DCTERMS.license,
        URIRef("https://creativecommons.org/licenses/by/4.0/"),
    ) in void


def test_void_counts_every_named_graph(void: Graph, client: TestClient) -> None:
    sizes = client.app.state.services.store.graph_sizes()  # type: ignore[attr-defined]
    subsets = set(void.objects(DATASET, VOID.subset))
    assert {str(s) for s in subsets} == set(sizes)
    for graph, size in sizes.items():
        assert int(void.value(URIRef(graph), VOID.triples)) == size  # type: ignore[arg-type]
    total = int(void.value(DATASET, VOID.triples))  # type: ignore[arg-type]
    assert 0 < total <= sum(sizes.values())


def test_void_lists_endpoint_dumps_vocabularies_and_examples(
    void: Graph, client: TestClient
) -> None:
    assert (DATASET, VOID.sparqlEndpoint, URIRef("https://w3id.org/accord/sparql")) in void
    dumps = {str(d) for d in void.objects(DATASET, VOID.dataDump)}
    for ext in FORMATS:
        assert f"https://w3id.org/accord/dumps/accord.{ext}" in dumps
        assert f"https://w3id.org/accord/dumps/accord.{ext}.gz" in dumps
    # Every dump IRI resolves on the server by the {base}{rest} -> /{rest} rule.
    for dump in sorted(dumps)[:2]:
        assert client.head(dump.removeprefix("https://w3id.org/accord")).status_code == 200
    vocabularies = {str(v) for v in void.objects(DATASET, VOID.vocabulary)}
    assert {
        "https://w3id.org/accord/ontology#",
        "http://www.w3.org/ns/prov#",
        "http://www.w3.org/ns/org#",
    } <= vocabularies
    examples = list(void.objects(DATASET, VOID.exampleResource))
    assert examples
    for example in examples:
        path = str(example).removeprefix("https://w3id.org/accord")
        assert client.get(path, follow_redirects=False).status_code == 303
    assert str(void.value(DATASET, VOID.uriSpace)) == "https://w3id.org/accord/id/"


def test_void_class_partition_counts_states(void: Graph, client: TestClient) -> None:
    state = URIRef("https://w3id.org/accord/ontology#State")
    store = client.app.state.services.store  # type: ignore[attr-defined]
    expected = int(
        store.select(
            "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <https://w3id.org/accord/ontology#State> }"
        )[0]["n"]
    )
    parts = [
        p for p in void.objects(DATASET, VOID.classPartition) if (p, VOID["class"], state) in void
    ]
    assert len(parts) == 1
    assert int(void.value(parts[0], VOID.entities)) == expected  # type: ignore[arg-type]


def test_void_public_url_is_the_endpoint(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from accord.main import create_app
    from accord.settings import Settings
    from tests.conftest import FIXTURE_DATA

    client = TestClient(
        create_app(Settings(paths=[FIXTURE_DATA], public_url="https://sparql.example.org/sparql"))
    )
    g = parse_rdf(
        client.get("/.well-known/void", headers={"Accept": "text/turtle"}).content, "text/turtle"
    )
    assert (DATASET, VOID.sparqlEndpoint, URIRef("https://sparql.example.org/sparql")) in g


@pytest.mark.parametrize(
    "accept", ["application/ld+json", "application/n-triples", "application/rdf+xml"]
)
def test_void_in_other_syntaxes_is_the_same_graph(
    void: Graph, client: TestClient, accept: str
) -> None:
    r = client.get("/.well-known/void", headers={"Accept": accept})
    assert r.headers["content-type"].split(";")[0] == accept
    assert "accept" in r.headers["vary"].lower()
    assert isomorphic(void, parse_rdf(r.content, accept))


def test_void_for_browsers_and_by_format(client: TestClient) -> None:
    html = client.get("/.well-known/void", headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert "https://w3id.org/accord/dataset" in html.text
    assert (
        client.get("/.well-known/void?format=jsonld")
        .headers["content-type"]
        .startswith("application/ld+json")
    )
    assert client.get("/.well-known/void?format=csv").status_code == 400
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


def test_dataset_iri_redirects_to_void(client: TestClient) -> None:
    r = client.get("/dataset", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/.well-known/void"


def test_void_turtle_is_readable(client: TestClient) -> None:
    """VoID terms as void: names, graph IRIs written whole rather than as
    ``graph:data\\/paris-summit-2026-01-06``, only the prefixes it uses."""
    text = client.get("/.well-known/void", headers={"Accept": "text/turtle"}).text
    assert "\\" not in text
    assert "@prefix void: <http://rdfs.org/ns/void#> ." in text
    assert "@prefix formats: <http://www.w3.org/ns/formats/> ." in text
    assert "http://rdfs.org/ns/void#" not in text.split("@prefix void:", 1)[1].split("\n", 1)[1]
    assert "\tvoid:triples " in text and "a void:Dataset" in text
    assert "void:subset <https://w3id.org/accord/graph/data/paris-summit-2026-01-06>" in text
    assert "@prefix graph:" not in text and "@prefix wd:" not in text  # escaped / unused


def test_void_page_names_properties_by_label_and_prefixed_name(client: TestClient) -> None:
    page = client.get("/.well-known/void", headers={"Accept": "text/html"}).text
    # No property shown as its raw IRI: a label, its prefixed name beside it.
    assert ">http://rdfs.org/ns/void#" not in page
    assert (
        '<a href="http://rdfs.org/ns/void#triples" title="http://rdfs.org/ns/void#triples">'
        'triples</a> <code class="curie">void:triples</code>'
    ) in page
    assert '>SPARQL endpoint</a> <code class="curie">void:sparqlEndpoint</code>' in page
    # The class partition: a table of classes and instance counts, linked to their lists.
    store = client.app.state.services.store  # type: ignore[attr-defined]
    states = store.select(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a <https://w3id.org/accord/ontology#State> }"
    )[0]["n"]
    assert (
        '<td><a href="/ontology#State" title="https://w3id.org/accord/ontology#State">State</a>'
        '</td><td><code class="curie">accord:State</code></td>\n'
        f'<td class="number"><a href="/browse/accord:State" '
        f'title="list the instances of accord:State">{states}</a></td>'
    ) in page
    # Named graphs by their path, linked on this server; dumps and endpoint local too.
    assert (
        '<a href="/graph/data/paris-summit-2026-01-06" '
        'title="https://w3id.org/accord/graph/data/paris-summit-2026-01-06">'
        "data/paris-summit-2026-01-06</a>"
    ) in page
    assert '<a href="/dumps/accord.ttl">accord.ttl</a>' in page
    assert '<a href="/sparql">https://w3id.org/accord/sparql</a>' in page
    assert '<code class="curie">accord:</code>' in page  # vocabularies by prefix
