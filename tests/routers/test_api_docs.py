"""``/docs`` works offline (Swagger UI from Accord's own server) and the OpenAPI
description gives every operation an ID of its own."""

from __future__ import annotations

from collections import Counter

from fastapi.testclient import TestClient

from accord.routers.api_docs import unique_operation_ids
from tests.routers.test_ui import CDN_HOSTS, _Refs


def test_docs_page_loads_swagger_ui_from_the_server_itself(fixture_client: TestClient) -> None:
    r = fixture_client.get("/docs")
    assert r.status_code == 200
    refs = _Refs()
    refs.feed(r.text)
    assert refs.scripts == ["/docs/assets/swagger-ui-bundle.js"]
    assert refs.styles == ["/docs/assets/swagger-ui.css"]
    assert not CDN_HOSTS.search(r.text), "the page names a CDN"
    for url in [*refs.scripts, *refs.styles, "/static/favicon.svg", "/openapi.json"]:
        asset = fixture_client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
    assert "SwaggerUIBundle" in fixture_client.get(refs.scripts[0]).text


def test_redoc_loads_from_the_server_itself(fixture_client: TestClient) -> None:
    r = fixture_client.get("/redoc")
    assert r.status_code == 200
    refs = _Refs()
    refs.feed(r.text)
    assert refs.scripts == ["/docs/assets/redoc.standalone.js"]
    assert not CDN_HOSTS.search(r.text), "the page names a CDN"
    assert fixture_client.get(refs.scripts[0]).status_code == 200


def test_every_operation_has_an_id_of_its_own(fixture_client: TestClient) -> None:
    schema = fixture_client.get("/openapi.json").json()
    ids = [op["operationId"] for ops in schema["paths"].values() for op in ops.values()]
    assert [i for i, n in Counter(ids).items() if n > 1] == []
    # Routes answering GET and HEAD are documented with both (five of them today).
    heads = [path for path, ops in schema["paths"].items() if "head" in ops]
    assert len(heads) >= 5
    for path in heads:
        assert schema["paths"][path]["head"]["operationId"].endswith("_head")
        assert schema["paths"][path]["get"]["operationId"].endswith("_get")


def test_unique_operation_ids_renames_only_the_shared_ones() -> None:
    schema = {
        "paths": {
            "/a": {"get": {"operationId": "a_head"}, "head": {"operationId": "a_head"}},
            "/b": {"get": {"operationId": "b_get"}, "post": {"operationId": "make_b"}},
        }
    }
    assert unique_operation_ids(schema)["paths"] == {
        "/a": {"get": {"operationId": "a_get"}, "head": {"operationId": "a_head"}},
        "/b": {"get": {"operationId": "b_get"}, "post": {"operationId": "make_b"}},
    }
