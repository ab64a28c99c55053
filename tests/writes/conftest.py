"""Fixtures for the write tests: an app over the endpoint fixture data (two named graphs
of ex:Person data) with writes enabled, validated against ``fixtures/shapes.ttl`` (an
ex:Person needs exactly one string ex:name), and a write log in the test's tmp folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.dataset import graph_iri_for
from accord.main import create_app
from accord.namespaces import DEFAULT_BASE
from accord.settings import Settings
from tests.conftest import FIXTURE_DATA, FIXTURE_QUERIES

TOKEN = "writes-tests-0123456789-abcdefghijklmnopqrs"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SHAPES = Path(__file__).resolve().parent / "fixtures" / "shapes.ttl"
EX = "http://example.org/"
PEOPLE = graph_iri_for(FIXTURE_DATA / "people.ttl", DEFAULT_BASE)  # a named graph
PLACES = graph_iri_for(FIXTURE_DATA / "places.ttl", DEFAULT_BASE)
UPDATE = {"Content-Type": "application/sparql-update"}

MakeApp = Callable[..., FastAPI]


def writable_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "paths": [FIXTURE_DATA],
        "queries_dir": FIXTURE_QUERIES,
        "allow_update": True,
        "write_token": TOKEN,
        "write_shapes": SHAPES,
        "write_log": tmp_path / "writes.jsonl",
        "rate_limit_per_second": 0,  # the in-process client is not loopback: not the subject
    }
    return Settings(**(values | overrides))


@pytest.fixture
def make_app(tmp_path: Path) -> MakeApp:
    def make(**overrides: Any) -> FastAPI:
        return create_app(writable_settings(tmp_path, **overrides))

    return make


@pytest.fixture
def app(make_app: MakeApp) -> FastAPI:
    return make_app()


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    """A client that sends the write token with every request."""
    return TestClient(app, headers=AUTH)


@pytest.fixture
def anonymous(app: FastAPI) -> TestClient:
    """A client without the token, over the same app as ``client``."""
    return TestClient(app)


def ask(client: TestClient, query: str) -> bool:
    r = client.get("/sparql", params={"query": query}, headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    return bool(r.json()["boolean"])


def count(client: TestClient, where: str = "?s ?p ?o") -> int:
    r = client.get(
        "/sparql",
        params={"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}"},
        headers={"Accept": "application/json"},
    )
    assert r.status_code == 200, r.text
    return int(r.json()["results"]["bindings"][0]["n"]["value"])


def update(client: TestClient, text: str, **kwargs: Any) -> Any:
    headers = {**UPDATE, **kwargs.pop("headers", {})}
    return client.post("/sparql", content=text, headers=headers, **kwargs)
