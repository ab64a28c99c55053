"""Answers kept per dataset version (accord.query.answers) and HTTP validators on
query answers: a repeated query needs no worker, a write makes every kept answer
unreachable, answers that may change each run are never kept, and a GET can be
revalidated (304)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from accord.query.answers import AnswerCache, AnswerKey, deterministic
from accord.query.worker import Answer
from tests.hardening.conftest import MakeApp
from tests.writes.conftest import AUTH, UPDATE, writable_settings

JSON = {"Accept": "application/sparql-results+json"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def counting(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts of the queries that reached a worker."""
    ran: list[str] = []
    executor = app.state.services.executor
    run = executor.run_async

    async def recorded(job: Any, client: Any = None) -> Any:
        ran.append(job.text)
        return await run(job, client)

    monkeypatch.setattr(executor, "run_async", recorded)
    return ran


def test_a_repeated_query_is_answered_without_a_worker(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(query_workers=1)
    ran = counting(app, monkeypatch)
    client = TestClient(app)
    first = client.get("/sparql", params={"query": COUNT}, headers=JSON)
    second = client.get("/sparql", params={"query": COUNT}, headers=JSON)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert ran == [COUNT]
    as_csv = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
    assert as_csv.text.startswith("n\r\n") and len(ran) == 2  # another format, another answer
    metrics = client.get("/metrics").text
    assert 'accord_answer_cache_total{result="hit"} 1' in metrics
    assert 'accord_answer_cache_total{result="miss"} 2' in metrics


def test_answers_that_may_change_and_errors_are_not_kept(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(query_workers=1)
    ran = counting(app, monkeypatch)
    client = TestClient(app)
    volatile = "SELECT (RAND() AS ?r) (STRUUID() AS ?u) WHERE {}"
    answers = {client.get("/sparql", params={"query": volatile}, headers=JSON).text for _ in "ab"}
    assert len(answers) == 2 and ran == [volatile, volatile]
    assert "etag" not in client.get("/sparql", params={"query": volatile}).headers
    for _ in "ab":
        assert client.get("/sparql", params={"query": "SELECT ?x WHERE {"}).status_code == 400
    assert len(app.state.services.executor.answers) == 0
    assert not deterministic("select (now() as ?t) {}") and not deterministic("BNODE ( )")
    assert deterministic('SELECT ?random WHERE { ?s ?p "now" }')


def test_a_write_makes_the_next_answer_new(tmp_path: Path) -> None:
    from accord.main import create_app

    app = create_app(writable_settings(tmp_path))
    client = TestClient(app, headers=AUTH)

    def count() -> int:
        r = client.get("/sparql", params={"query": COUNT}, headers=JSON)
        return int(r.json()["results"]["bindings"][0]["n"]["value"])

    before = count()
    assert count() == before  # kept
    insert = "INSERT DATA { <http://example.org/z> <http://example.org/p> 'z' }"
    assert client.post("/sparql", content=insert, headers=UPDATE).status_code == 200
    assert count() == before + 1  # a new version: the kept answer is not served


def test_a_get_carries_an_etag_and_is_revalidated_with_304(make_app: MakeApp) -> None:
    app = make_app(query_workers=1, query_cache_control="public, max-age=300")
    client = TestClient(app)
    first = client.get("/sparql", params={"query": COUNT}, headers=JSON)
    etag = first.headers["etag"]
    version = first.headers["x-accord-dataset-version"]
    assert (
        etag.startswith(f'"{version}-') and first.headers["cache-control"] == "public, max-age=300"
    )
    again = client.get("/sparql", params={"query": COUNT}, headers=JSON | {"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and not again.content
    other = client.get("/sparql", params={"query": COUNT}, headers={"Accept": "text/csv"})
    assert other.headers["etag"] != etag
    named = client.get("/queries/people")
    assert named.status_code == 200, named.text
    assert (
        client.get("/queries/people", headers={"If-None-Match": named.headers["etag"]}).status_code
        == 304
    )
    posted = client.post("/sparql", data={"query": COUNT}, headers=JSON)
    assert posted.status_code == 200 and "etag" not in posted.headers


def test_the_cache_keeps_within_its_budget_least_recently_used_out() -> None:
    cache = AnswerCache(max_bytes=64 * 1024)

    def key(n: int) -> AnswerKey:
        return AnswerKey("v1", f"SELECT {n} {{}}", None, None, False, "", None)

    answer = Answer("application/sparql-results+json", b"x" * 4000)
    for n in range(40):
        assert cache.put(key(n), answer)
    assert cache.bytes <= 64 * 1024 and cache.get(key(0)) is None and cache.get(key(39))
    assert not cache.put(key(99), Answer("text/csv", b"x" * 10_000))  # over an eighth
    assert AnswerCache(0).get(key(39)) is None
    assert key(1).etag() != AnswerKey("v2", key(1).text, None, None, False, "", None).etag()
