"""Representations built once per dataset version (accord.http.cache.Representations):
VoID, the service description and the pages count over the whole dataset, which takes
seconds at a million triples; their answer changes only with the version."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from accord.http.cache import Representations
from accord.publish import service_description
from accord.routers import void


@dataclass
class FakeStore:
    version: str


def test_a_body_is_built_once_per_version_and_key() -> None:
    cache, built = Representations(1000), []
    store = FakeStore("v1")

    def build() -> bytes:
        built.append(1)
        return b"x" * 10

    assert cache.get(store, '"v1-a"', build) == b"x" * 10
    assert cache.get(store, '"v1-a"', build) == b"x" * 10
    assert len(built) == 1 and (cache.hits, cache.misses) == (1, 1)
    cache.get(store, '"v2-a"', build)  # a new version: built again
    cache.get(FakeStore("v1"), '"v1-a"', build)  # another store: built again
    assert len(built) == 3


def test_the_budget_evicts_the_least_recently_used() -> None:
    cache = Representations(100)
    store = FakeStore("v")
    for key in ("a", "b", "c"):
        cache.get(store, key, lambda: b"x" * 20)
    cache.get(store, "a", lambda: b"never")  # a hit: a is now the most recent
    cache.get(store, "d", lambda: b"y" * 25)
    cache.get(store, "e", lambda: b"z" * 25)  # 115 bytes: b, the oldest, goes
    assert cache.size <= 100
    assert cache.get(store, "b", lambda: b"rebuilt") == b"rebuilt"
    assert cache.get(store, "a", lambda: b"never") == b"x" * 20
    big = cache.get(store, "f", lambda: b"w" * 26)  # over a quarter: served, not kept
    assert big == b"w" * 26 and cache.get(store, "f", lambda: b"again") == b"again"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    calls = {"void": 0, "description": 0}
    void_triples, describe = void.void_triples, service_description.describe

    def counting_void(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["void"] += 1
        return void_triples(*args, **kwargs)

    def counting_describe(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["description"] += 1
        return describe(*args, **kwargs)

    monkeypatch.setattr(void, "void_triples", counting_void)
    monkeypatch.setattr(service_description, "describe", counting_describe)
    return calls


def test_void_and_the_service_description_are_computed_once(
    fixture_client: TestClient, counted: dict[str, int]
) -> None:
    turtle = {"Accept": "text/turtle"}
    first = fixture_client.get("/.well-known/void", headers=turtle)
    second = fixture_client.get("/.well-known/void", headers=turtle)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and counted["void"] == 1
    fixture_client.get("/.well-known/void", headers={"Accept": "application/n-triples"})
    assert counted["void"] == 2  # another representation
    one = fixture_client.get("/sparql", headers=turtle)
    two = fixture_client.get("/sparql", headers=turtle)
    assert one.status_code == 200 and one.content == two.content
    assert counted["description"] == 1


def test_pages_and_descriptions_run_their_sparql_on_the_query_workers() -> None:
    """The server's own SPARQL goes through the executor, with the limits of a user's
    query: with a row cap of 1, a page whose query gives more rows is refused (422),
    never built in the server process outside the limits."""
    from accord.main import create_app
    from accord.settings import Settings
    from tests.conftest import FIXTURE_DATA, FIXTURE_QUERIES

    app = create_app(Settings(paths=[FIXTURE_DATA], queries_dir=FIXTURE_QUERIES))
    executor = app.state.services.executor
    jobs: list[str] = []
    run = executor.run

    def counting(job):  # type: ignore[no-untyped-def]
        jobs.append(job.text)
        return run(job)

    executor.run = counting
    client = TestClient(app)
    for path in ("/.well-known/void", "/browse", "/sparql"):
        jobs.clear()
        r = client.get(
            path, headers={"Accept": "text/turtle" if path != "/browse" else "text/html"}
        )
        assert r.status_code == 200, (path, r.text)
        assert jobs, f"{path} ran no query on the executor"
    capped = create_app(
        Settings(paths=[FIXTURE_DATA], queries_dir=FIXTURE_QUERIES, max_result_rows=1)
    )
    r = TestClient(capped).get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert r.status_code == 422 and "the most this server sends" in r.text
