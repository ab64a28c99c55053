"""Dereferencing minted IRIs: 303 from the thing to a document chosen by Accept (with
q-values) or by extension, each document in its syntax and about its IRI; 303 from an
ontology's version IRIs to the ontology; 301 from a replaced IRI to its replacement."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import DCTERMS, OWL, RDF, Graph, URIRef

from accord.main import create_app
from accord.settings import Settings
from tests import REPO
from tests.linked_data.conftest import ACCORD, CONCEPT, GRAPH, ID, ONTOLOGY, parse_rdf

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"

#: (server path, canonical IRI, a statement the document must hold as (s, p) or None)
RESOURCES = [
    ("/id/FR", ID + "FR", (ID + "FR", "http://www.w3.org/2000/01/rdf-schema#label")),
    (
        "/id/paris-declaration-2026",
        ID + "paris-declaration-2026",
        (ID + "paris-declaration-2026", ACCORD + "hasVersion"),
    ),
    (
        "/concept/Ceasefire",
        CONCEPT + "Ceasefire",
        (CONCEPT + "Ceasefire", "http://www.w3.org/2004/02/skos/core#prefLabel"),
    ),
    (
        "/graph/data/paris-summit-2026-01-06",
        GRAPH + "data/paris-summit-2026-01-06",
        (ID + "paris-declaration-2026", ACCORD + "issuedBy"),
    ),
    ("/ontology", ONTOLOGY, (ACCORD + "State", "http://www.w3.org/2000/01/rdf-schema#label")),
]

#: (Accept header, the document extension it must get)
ACCEPTS = [
    ("text/turtle", "ttl"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "rdf"),
    # What Comunica sends when it follows a link: quads first.
    ("application/n-quads,application/trig;q=0.95,text/turtle;q=0.6", "nq"),
    ("application/trig", "trig"),
    ("text/html", "html"),
    (BROWSER, "html"),
    ("*/*", "ttl"),
    (None, "ttl"),
    ("text/turtle;q=0.5, application/ld+json", "jsonld"),
    ("application/ld+json;q=0.2, application/n-triples;q=0.9, text/html;q=0.1", "nt"),
    ("application/json", "jsonld"),
    ("application/xml", "rdf"),
    ("text/*", "ttl"),
    ("text/html;q=0, */*;q=0.1", "ttl"),
]

MEDIA = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
    "nq": "application/n-quads",
    "trig": "application/trig",
    "html": "text/html",
}


@pytest.mark.parametrize(("path", "iri", "statement"), RESOURCES, ids=[r[0] for r in RESOURCES])
@pytest.mark.parametrize(("accept", "ext"), ACCEPTS, ids=[str(a[0]) for a in ACCEPTS])
def test_thing_redirects_to_the_negotiated_document(
    client: TestClient,
    path: str,
    iri: str,
    statement: tuple[str, str],
    accept: str | None,
    ext: str,
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    r = client.get(path, headers=headers, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"{path}.{ext}"
    assert "accept" in r.headers["vary"].lower()

    doc = client.get(r.headers["location"])
    assert doc.status_code == 200
    assert doc.headers["content-type"].split(";")[0] == MEDIA[ext]
    if ext == "html":
        assert f"<code>{iri}</code>" in doc.text
    else:
        g = parse_rdf(doc.content, MEDIA[ext])
        s, p = statement
        assert (URIRef(s), URIRef(p), None) in g, f"{path}.{ext} lacks <{s}> <{p}>"


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "nt", "rdf", "nq", "trig"])
@pytest.mark.parametrize("path", [r[0] for r in RESOURCES])
def test_every_rdf_document_of_a_resource_holds_the_same_graph(
    client: TestClient, path: str, ext: str
) -> None:
    from rdflib.compare import isomorphic

    reference = parse_rdf(client.get(f"{path}.ttl").content, "text/turtle")
    other = client.get(f"{path}.{ext}")
    assert other.status_code == 200
    assert isomorphic(reference, parse_rdf(other.content, MEDIA[ext]))
    assert len(reference) > 0


def test_unacceptable_media_type_is_406_naming_the_offers(client: TestClient) -> None:
    r = client.get("/id/FR", headers={"Accept": "image/png"}, follow_redirects=False)
    assert r.status_code == 406
    assert "text/turtle" in r.text and "text/html" in r.text


def test_query_string_survives_the_redirect(client: TestClient) -> None:
    r = client.get("/id/SE?on=2026-01-07", headers={"Accept": "text/html"}, follow_redirects=False)
    assert r.headers["location"] == "/id/SE.html?on=2026-01-07"


def test_an_iri_ending_like_an_extension_is_not_split_when_it_exists(client: TestClient) -> None:
    # /id/FR.ttl is FR as Turtle because <id/FR.ttl> is not in the dataset ...
    assert client.get("/id/FR.ttl").headers["content-type"].startswith("text/turtle")
    # ... and an unknown extension is part of an (unknown) IRI, not a format.
    assert client.get("/id/FR.xyz").status_code == 404


def test_canonical_iris_stay_canonical_whatever_host_serves_them(client: TestClient) -> None:
    r = client.get("/id/FR.nt", headers={"Host": "accord.example.org"})
    assert b"<https://w3id.org/accord/id/FR>" in r.content
    assert b"accord.example.org" not in r.content


def test_ontology_version_iri_redirects_to_the_ontology(client: TestClient) -> None:
    r = client.get("/ontology/0.1.0", headers={"Accept": "text/turtle"}, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/ontology.ttl"
    assert (
        client.get("/ontology/0.1.0.rdf", follow_redirects=False).headers["location"]
        == "/ontology.rdf"
    )


def test_every_version_iri_the_ontology_declares_redirects(client: TestClient) -> None:
    ontology = Graph().parse(REPO / "ontology" / "accord.ttl")
    versions = {
        str(v)
        for p in (OWL.versionIRI, OWL.priorVersion)
        for v in ontology.objects(URIRef(ONTOLOGY), p)
    }
    assert len(versions) >= 2, "a current and a prior version"
    for version in versions:
        path = version.removeprefix("https://w3id.org/accord")
        r = client.get(path, headers={"Accept": "text/html"}, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/ontology.html"), path


#: An IRI of version 0.1 of the data, now a stub forwarding to the one that replaced it.
OLD, NEW = "commitment-gr-no-direct-participation", "position-gr-no-direct-participation"


def test_replaced_iri_moves_permanently_to_its_replacement(client: TestClient) -> None:
    r = client.get(f"/id/{OLD}", headers={"Accept": BROWSER}, follow_redirects=False)
    assert r.status_code == 301
    # The thing moves to the thing: content negotiation happens there.
    assert r.headers["location"] == f"/id/{NEW}"
    assert f"/id/{NEW}" in r.text


def test_replaced_iri_page_moves_to_the_replacement_page(client: TestClient) -> None:
    r = client.get(f"/id/{OLD}.html", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (301, f"/id/{NEW}.html")
    page = client.get(f"/id/{OLD}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert page.url.path == f"/id/{NEW}.html"
    assert f"<code>{ID}{NEW}</code>" in page.text


@pytest.mark.parametrize("ext", ["ttl", "jsonld", "nt", "rdf", "nq", "trig"])
def test_replaced_iri_documents_move_to_the_replacement_documents(
    client: TestClient, ext: str
) -> None:
    r = client.get(f"/id/{OLD}.{ext}?on=2026-01-07", follow_redirects=False)
    assert r.status_code == 301
    assert r.headers["location"] == f"/id/{NEW}.{ext}?on=2026-01-07"


def test_replaced_iri_as_turtle_by_accept_describes_the_replacement(client: TestClient) -> None:
    r = client.get(f"/id/{OLD}", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    assert [h.status_code for h in r.history] == [301, 303]
    assert r.url.path == f"/id/{NEW}.ttl"
    g = parse_rdf(r.content, "text/turtle")
    new = URIRef(ID + NEW)
    assert (new, RDF.type, URIRef(ACCORD + "Position")) in g
    # The replacement's document names the old IRI that forwards to it.
    assert (URIRef(ID + OLD), DCTERMS.isReplacedBy, new) in g


def test_a_typed_resource_or_several_replacements_is_described_not_moved(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix id: <https://w3id.org/accord/id/> .\n"
        "id:typed a rdfs:Resource ; dcterms:isReplacedBy id:new .\n"
        "id:split dcterms:isReplacedBy id:new , id:newer .\n"
        "id:stub dcterms:isReplacedBy id:new .\n"
        "id:away dcterms:isReplacedBy <https://evil.example/x> .\n"
        "id:sly dcterms:isReplacedBy <https://w3id.org/accord//evil.example/x> .\n"
        "id:new rdfs:label 'new' .\n"
        "id:newer rdfs:label 'newer' .\n"
    )
    client = TestClient(create_app(Settings(paths=[REPO / "ontology", data])))
    # described, not moved: typed, replaced twice, or replaced by an IRI that would send
    # the client to another site (data never redirects off the server)
    for old in ("typed", "split", "away", "sly"):
        r = client.get(f"/id/{old}.ttl", follow_redirects=False)
        assert r.status_code == 200, old
        assert "location" not in r.headers, old
    r = client.get("/id/stub.ttl", follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (301, "/id/new.ttl")


def test_shapes_namespace_resolves_too(client: TestClient) -> None:
    r = client.get("/shapes.ttl")
    assert r.status_code == 200
    g = parse_rdf(r.content, "text/turtle")
    shapes = {str(s) for s in g.subjects() if str(s).startswith("https://w3id.org/accord/shapes#")}
    assert shapes, "no shape in the shapes document"


def test_graph_document_holds_exactly_the_graph(client: TestClient, bundled_app) -> None:  # type: ignore[no-untyped-def]
    iri = GRAPH + "data/reference/states-and-organisations"
    g = parse_rdf(
        client.get("/graph/data/reference/states-and-organisations.nt").content,
        "application/n-triples",
    )
    assert len(g) == bundled_app.state.services.store.graph_sizes()[iri]


@pytest.mark.parametrize(
    "path",
    ["/id/a%20b", "/id/%3C", "/id/%00", "/id/%22", "/id/{", "/id/a%3Eb.ttl", "/concept/a%20b"],
)
def test_a_path_that_is_no_valid_iri_is_a_400_not_a_traceback(
    client: TestClient, path: str
) -> None:
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 400, r.text
    assert "is not a valid IRI" in r.text and "names no resource" in r.text


def test_links_and_redirects_planted_by_data_stay_on_this_server(tmp_path: Path) -> None:
    """Issue 15: a version IRI claimed by an IRI that would be protocol-relative made
    /id/x answer 303 to //evil.example/...; off-site and script IRIs were links."""
    data = tmp_path / "data.ttl"
    data.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix id: <https://w3id.org/accord/id/> .\n"
        "<https://w3id.org/accord//evil.example/redirect> owl:versionIRI id:x .\n"
        "id:y rdfs:label 'y' ; rdfs:seeAlso <javascript:alert(1)> , "
        "<https://w3id.org/accord//evil.example/page> , <https://example.org/fine> .\n"
    )
    client = TestClient(create_app(Settings(paths=[REPO / "ontology", data])))
    r = client.get("/id/x", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/id/x.")  # its own document
    html = client.get("/id/y.html").text
    assert 'href="javascript:' not in html and 'href="//' not in html
    assert 'href="/evil.example/page"' in html  # kept on this server
    assert 'href="https://example.org/fine"' in html
