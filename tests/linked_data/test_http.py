"""The HTTP side of the documents: 404 pages, validators (ETag, Last-Modified), 304s,
HEAD, and clear 400s for bad parameters."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord.main import create_app
from accord.settings import Settings
from tests import REPO


def test_unknown_iri_is_404_with_a_helpful_page_for_browsers(client: TestClient) -> None:
    r = client.get("/id/FRR", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "https://w3id.org/accord/id/FRR" in r.text
    # A near IRI is suggested, with a link to its page.
    assert 'href="/id/FR"' in r.text
    assert 'href="/browse"' in r.text


def test_unknown_iri_is_plain_404_for_other_clients(client: TestClient) -> None:
    r = client.get("/id/no-such-thing", headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/plain")
    assert "<https://w3id.org/accord/id/no-such-thing>" in r.text


@pytest.mark.parametrize("path", ["/no-such-page", "/queries/no-such-query", "/sparql?query=SELEC"])
def test_errors_elsewhere_are_pages_for_browsers_and_text_or_json_for_others(
    client: TestClient, path: str
) -> None:
    # A path no route serves answered {"detail": "Not Found"} to a browser (issue 16).
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    page = client.get(path, headers={"Accept": browser})
    assert page.status_code in (400, 404)
    assert page.headers["content-type"].startswith("text/html")
    assert "<h1>" in page.text and 'href="/browse"' in page.text
    assert "content-security-policy" in page.headers
    text = client.get(path, headers={"Accept": "*/*"})
    assert text.status_code == page.status_code and text.headers["content-type"].startswith(
        "text/plain"
    )
    data = client.get(path, headers={"Accept": "application/json"}).json()
    assert data["status"] == page.status_code and data["detail"]


def test_unknown_document_is_404_too(client: TestClient) -> None:
    assert client.get("/id/no-such-thing.ttl").status_code == 404
    assert client.get("/concept/NoSuchConcept.html").status_code == 404
    assert client.get("/graph/data/no-such-file").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/id/FR.ttl",
        "/id/FR.html",
        "/ontology.jsonld",
        "/dumps/accord.nt",
        "/context.jsonld",
        "/browse",
        "/commitments",
        "/.well-known/void",
    ],
)
def test_validators_and_304(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    etag, modified = r.headers["etag"], r.headers["last-modified"]
    assert etag.startswith('"') and client.app.state.services.store.version in etag  # type: ignore[attr-defined]

    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag

    assert client.get(path, headers={"If-None-Match": f'W/{etag}, "other"'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert (
        client.get(path, headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}).status_code
        == 200
    )
    # If-None-Match takes precedence over If-Modified-Since.
    r2 = client.get(path, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified})
    assert r2.status_code == 200


def test_each_representation_has_its_own_etag(client: TestClient) -> None:
    tags = {
        client.get(f"/id/FR.{ext}").headers["etag"]
        for ext in ("ttl", "jsonld", "nt", "rdf", "html")
    }
    assert len(tags) == 5
    assert client.get("/id/FR.ttl").headers["etag"] == client.get("/id/FR.ttl").headers["etag"]


def test_etag_follows_the_dataset_version(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    first = TestClient(create_app(Settings(paths=[REPO / "ontology", data])))
    before = first.get("/id/FR.ttl").headers["etag"]
    extra = data / "extra.ttl"
    extra.write_text(
        '<https://w3id.org/accord/id/FR> <http://www.w3.org/2000/01/rdf-schema#label> "Frankreich"@de .\n'
    )
    second = TestClient(create_app(Settings(paths=[REPO / "ontology", data])))
    r = second.get("/id/FR.ttl", headers={"If-None-Match": before})
    assert r.status_code == 200
    assert r.headers["etag"] != before
    assert "Frankreich" in r.text


def test_head_answers_the_headers_without_a_body(client: TestClient) -> None:
    r = client.head("/id/FR.ttl")
    assert r.status_code == 200
    assert r.headers["etag"]
    assert r.content == b""
    assert client.head("/id/FR", follow_redirects=False).status_code == 303


def test_html_pages_forbid_scripts(client: TestClient) -> None:
    csp = client.get("/id/FR.html").headers["content-security-policy"]
    assert "script-src 'none'" in csp


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("/id/SE.html?on=yesterday", "parameter 'on' must be a date"),
        ("/id/SE.html?colour=blue", "unknown query parameter 'colour'"),
        ("/id/paris-declaration-2026.jsonld?frame=nope", "unknown frame 'nope'"),
        ("/id/paris-declaration-2026.ttl?frame=declaration", "frame=declaration gives JSON-LD"),
        ("/id/FR.jsonld?frame=declaration", "applies to instances of"),
    ],
)
def test_bad_parameters_are_400_naming_the_problem(
    client: TestClient, url: str, fragment: str
) -> None:
    r = client.get(url)
    assert r.status_code == 400, r.text
    assert fragment in r.text


def test_every_response_names_the_dataset_version(client: TestClient) -> None:
    version = client.app.state.services.store.version  # type: ignore[attr-defined]
    for path in ("/id/FR.ttl", "/dumps/accord.ttl", "/browse"):
        assert client.get(path).headers["x-accord-dataset-version"] == version
