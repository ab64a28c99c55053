"""Bounded work: a query that runs too long is stopped (its worker killed), a query that
crashes pyoxigraph crashes only its worker, an answer too big is refused, and every
answer is complete (the status is known before the first byte).  Each protection is
also shown off, so each test would fail without it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from accord.errors import QueryTimeout
from accord.query.executor import Executor, WorkersBusy
from accord.query.worker import QueryJob
from tests.conftest import Serve, gone, wait_until
from tests.hardening.conftest import LONG, RUNAWAY, MakeApp

JSON = "application/sparql-results+json"
#: Deep enough to overflow even a worker's 256 MiB stack (the guard is off to send it).
CRASHER = "ASK { FILTER(" + "(" * 300_000 + "1" + ")" * 300_000 + ") }"
UNGUARDED = {"max_query_chars": 10**7, "max_query_depth": 10**7, "max_request_bytes": 10**7}


def test_runaway_query_is_stopped_with_a_503_and_its_worker_killed(make_app: MakeApp) -> None:
    app = make_app(query_timeout=1.0, query_workers=2)
    executor: Executor = app.state.services.executor
    client = TestClient(app)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    before = executor.pids
    response = client.get("/sparql", params={"query": RUNAWAY}, headers={"Accept": JSON})
    assert response.status_code == 503
    assert "ran for more than 1 s and was stopped" in response.text
    killed = before - executor.pids
    assert len(killed) == 1, "the worker that ran the query is replaced"
    # Its CPU is released within the timeout + 1 s: the process has ended by then.
    assert wait_until(lambda: gone(next(iter(killed))), 1.0)
    assert len(executor.pids) == 2
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_without_workers_the_same_query_is_not_stopped(make_app: MakeApp) -> None:
    # The protection off (queries in the server process): the timeout cannot stop the
    # query, which runs to its end (10^8 rows) and answers 200 instead of 503.
    client = TestClient(make_app(query_timeout=0.5, query_workers=0))
    response = client.get("/sparql", params={"query": LONG}, headers={"Accept": JSON})
    assert response.status_code == 200
    assert '"100000000"' in response.text


def test_a_crashing_query_answers_500_and_the_server_goes_on(make_app: MakeApp) -> None:
    app = make_app(query_workers=1, **UNGUARDED)
    executor: Executor = app.state.services.executor
    client = TestClient(app)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    before = executor.pids
    response = client.post(
        "/sparql", content=CRASHER, headers={"Content-Type": "application/sparql-query"}
    )
    assert response.status_code == 500
    assert "crashed its worker process (signal SIGSEGV)" in response.text
    assert executor.pids != before, "the crashed worker is replaced"
    ok = client.get("/sparql", params={"query": "ASK { ?s ?p ?o }"}, headers={"Accept": JSON})
    assert ok.status_code == 200 and "true" in ok.text


def test_without_workers_the_crashing_query_kills_the_server_process(tmp_path: Path) -> None:
    # The protection off: the same query in the server process ends the process.
    script = tmp_path / "crash.py"
    script.write_text(
        "from fastapi.testclient import TestClient\n"
        "from tests.hardening.conftest import fixture_settings\n"
        "from tests.hardening.test_executor import CRASHER, UNGUARDED\n"
        "from accord.main import create_app\n"
        "app = create_app(fixture_settings(query_workers=0, **UNGUARDED))\n"
        "TestClient(app).post('/sparql', content=CRASHER,\n"
        "    headers={'Content-Type': 'application/sparql-query'})\n"
        "print('survived')\n"
    )
    run = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=os.getcwd(),
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert run.returncode < 0, run.stdout + run.stderr[-2000:]
    assert "survived" not in run.stdout


def test_an_answer_over_the_row_limit_is_refused_not_truncated(
    client_for: Callable[..., TestClient],
) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
    limited = client_for(max_result_rows=5).get("/sparql", params={"query": query})
    assert limited.status_code == 422
    assert "more than 5 solutions" in limited.text
    construct = "CONSTRUCT WHERE { ?s ?p ?o }"
    graph = client_for(max_result_rows=5).get("/sparql", params={"query": construct})
    assert graph.status_code == 422 and "more than 5 triples" in graph.text
    # The limit off: the same query answers every row.
    unlimited = client_for(max_result_rows=0).get(
        "/sparql", params={"query": query}, headers={"Accept": "text/csv"}
    )
    assert unlimited.status_code == 200
    assert len(unlimited.text.strip().splitlines()) - 1 > 5


def test_answers_below_the_row_limit_are_whole_in_every_format(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for(max_result_rows=1000)
    query = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
    for fmt, media_type in [
        ("json", ox.QueryResultsFormat.JSON),
        ("xml", ox.QueryResultsFormat.XML),
        ("tsv", ox.QueryResultsFormat.TSV),
    ]:
        response = client.get("/sparql", params={"query": query, "format": fmt})
        assert response.status_code == 200
        rows = list(ox.parse_query_results(response.content, format=media_type))
        assert len(rows) == 5
        langs = sorted(r["label"].language or "" for r in rows)  # type: ignore[union-attr]
        assert langs == ["", "en", "en", "fr", "fr"]


def test_all_workers_busy_answers_503_with_retry_after(make_app: MakeApp) -> None:
    # (No answer cache: the second ASK must need a worker.)
    app = make_app(query_workers=1, query_timeout=5.0, query_queue_timeout=0.2, answer_cache_mb=0)
    executor: Executor = app.state.services.executor
    client = TestClient(app)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    runaway = threading.Thread(
        target=lambda: client.get("/sparql", params={"query": RUNAWAY}), daemon=True
    )
    runaway.start()
    assert wait_until(lambda: executor.counts()["busy"] == 1, 30.0)
    response = client.get("/sparql", params={"query": "ASK {}"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "all 1 query workers stayed busy" in response.text
    runaway.join(30)


def test_refresh_lets_workers_see_committed_data(make_app: MakeApp) -> None:
    # The store is changed behind the writer's back (no new version), so the answer
    # cache is off: the workers are the subject.
    app = make_app(query_workers=1, answer_cache_mb=0)
    executor: Executor = app.state.services.executor
    client = TestClient(app)
    ask = {"query": "ASK { <http://example.org/new> ?p ?o }"}
    assert "false" in client.get("/sparql", params=ask, headers={"Accept": JSON}).text
    app.state.services.store._store.add(
        ox.Quad(
            ox.NamedNode("http://example.org/new"),
            ox.NamedNode("http://example.org/p"),
            ox.Literal("x"),
            ox.NamedNode("http://example.org/g"),
        )
    )
    # Without refresh the workers hold the store as it was when they were forked.
    assert "false" in client.get("/sparql", params=ask, headers={"Accept": JSON}).text
    before = executor.pids
    executor.refresh()
    assert executor.pids.isdisjoint(before)
    assert "true" in client.get("/sparql", params=ask, headers={"Accept": JSON}).text
    assert "http://example.org/g" in executor.graphs()


def test_close_ends_every_worker(make_app: MakeApp) -> None:
    app = make_app(query_workers=2)
    executor: Executor = app.state.services.executor
    assert TestClient(app).get("/sparql", params={"query": "ASK {}"}).status_code == 200
    pids = executor.pids
    assert len(pids) == 2
    executor.close()
    assert wait_until(lambda: all(gone(p) for p in pids), 5.0)


def test_on_disk_store_workers_reopen_it_and_see_committed_writes(
    tmp_path: Path, make_app: MakeApp
) -> None:
    from tests.writes.conftest import AUTH, writable_settings

    settings = writable_settings(tmp_path, store=str(tmp_path / "store"))
    app = make_app(**settings.model_dump(exclude={"paths", "queries_dir"}))
    client = TestClient(app, headers=AUTH)
    ask = {"query": "ASK { <http://example.org/zed> ?p ?o }"}
    assert "false" in client.get("/sparql", params=ask, headers={"Accept": JSON}).text
    update = (
        "PREFIX ex: <http://example.org/> "
        'INSERT DATA { GRAPH ex:g { ex:zed a ex:Person ; ex:name "Zed" } }'
    )
    written = client.post(
        "/sparql", content=update, headers={"Content-Type": "application/sparql-update"}
    )
    assert written.status_code == 200, written.text
    assert "true" in client.get("/sparql", params=ask, headers={"Accept": JSON}).text
    assert len(app.state.services.executor.pids) == 4


def _cmdline(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return cmdline.read().decode().split("\0")[:-1]


def test_an_on_disk_stores_zygote_is_a_new_interpreter_not_a_fork(
    tmp_path: Path, make_app: MakeApp
) -> None:
    # RocksDB's threads run in the server; a lock held at a fork stays held in the copy,
    # and a worker that opened the store from such a copy hung (benchmarks/fork_hazard.py).
    # A zygote started by exec inherits none of that memory; its command line shows it.
    on_disk = make_app(store=str(tmp_path / "store"))
    in_memory = make_app()
    for app in (on_disk, in_memory):
        client = TestClient(app)
        assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    zygote = on_disk.state.services.executor._zygote
    assert _cmdline(zygote.pid)[-3:-1] == ["-m", "accord.query.zygote"]
    workers = on_disk.state.services.executor.pids
    assert len(workers) == 4
    # An in-memory store is shared copy-on-write, so its zygote is a fork of the server.
    assert _cmdline(in_memory.state.services.executor._zygote.pid) == _cmdline(os.getpid())
    on_disk.state.services.executor.close()
    assert wait_until(lambda: all(gone(p) for p in [zygote.pid, *workers]), 5.0)


def test_a_query_over_its_memory_budget_is_stopped(make_app: MakeApp) -> None:
    # 10^6 distinct strings: a few hundred MB of work in the DISTINCT.
    from tests.hardening.conftest import cross_join

    pattern = cross_join(3).split("WHERE { ", 1)[1].rsplit("}", 1)[0]
    query = (
        f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} "
        "BIND(CONCAT(STR(?v0), '-', STR(?v1), '-', STR(?v2), STRUUID()) AS ?x) }"
    )
    limited = TestClient(make_app(query_workers=1, query_memory_mb=100))
    response = limited.get("/sparql", params={"query": query})
    assert response.status_code == 500
    assert "crashed its worker process (signal SIGABRT)" in response.text
    assert limited.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    # The budget off: the same query is answered.
    unlimited = TestClient(make_app(query_workers=1, query_memory_mb=0))
    answered = unlimited.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    assert answered.status_code == 200 and '"1000000"' in answered.text


# -- the event loop's path (``Executor.run_async``, what the routes use) ---------------


def _anon_mb(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(x for x in status if x.startswith("RssAnon:"))
    return int(line.split()[1]) // 1024


@pytest.mark.parametrize("trim", [True, False])
def test_a_worker_hands_back_the_heap_of_a_large_answer(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, trim: bool
) -> None:
    # 180,000 rows (a 48 MB answer). Workers are forked from this process, so they
    # inherit the patched threshold; off, the worker keeps the heap it built.
    if not trim:
        monkeypatch.setattr("accord.query.worker.TRIM_BYTES", 10**12)
    small, large = (" ".join(map(str, range(n))) for n in (30, 200))
    query = (
        f"SELECT * {{ VALUES ?a {{ {small} }} VALUES ?b {{ {small} }} VALUES ?c {{ {large} }} }}"
    )
    # Never replaced for the memory it keeps (query_worker_keep_mb): the same worker is
    # measured before and after.
    app = make_app(query_workers=1, max_result_rows=10**6, query_worker_keep_mb=0)
    client = TestClient(app)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    (pid,) = app.state.services.executor.pids
    before = _anon_mb(pid)
    answer = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    assert answer.status_code == 200 and len(answer.json()["results"]["bindings"]) == 180_000
    grown = _anon_mb(pid) - before
    assert (grown < 20) if trim else (grown > 50), f"the worker's heap grew by {grown} MB"


@pytest.mark.parametrize("keep_mb", [1, 0])
def test_a_worker_that_keeps_too_much_memory_is_replaced(make_app: MakeApp, keep_mb: int) -> None:
    # Any worker keeps more than 1 MiB (an interpreter): after a heavy answer it is
    # replaced; 0 turns the check off. Light queries are not measured at all.
    app = make_app(query_workers=1, query_worker_keep_mb=keep_mb, max_result_rows=10**6)
    client = TestClient(app)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    (first,) = app.state.services.executor.pids
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    assert app.state.services.executor.pids == {first}
    values = " ".join(map(str, range(200)))
    heavy = f"SELECT * {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} }}"  # 1.6 MB
    assert client.get("/sparql", params={"query": heavy}).status_code == 200
    (now,) = app.state.services.executor.pids
    assert (now != first) if keep_mb else (now == first)
    assert app.state.services.executor.replaced_for_memory == (1 if keep_mb else 0)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


@pytest.mark.parametrize("keep_mb", [1, 0])
def test_a_worker_whose_answer_is_refused_is_measured_and_replaced_too(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, keep_mb: int
) -> None:
    # At 10M triples, answers refused for their size (422 after 13-30 s) left workers
    # holding 266-288 MiB each: the refusal reported no memory, so they were never
    # replaced. Every job counts as heavy here (the workers are forked after the patch).
    monkeypatch.setattr("accord.query.worker.HEAVY_SECONDS", 0.0)
    app = make_app(query_workers=1, query_worker_keep_mb=keep_mb, max_result_rows=10)
    client = TestClient(app)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
    executor = app.state.services.executor
    (first,) = executor.pids
    replaced = executor.replaced_for_memory
    values = " ".join(map(str, range(100)))
    refused = f"SELECT * {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} }}"
    answer = client.get("/sparql", params={"query": refused})
    assert answer.status_code == 422 and "more than 10" in answer.text
    (now,) = executor.pids
    assert (now != first) if keep_mb else (now == first)
    assert executor.replaced_for_memory - replaced == (1 if keep_mb else 0)
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200


def test_requests_beyond_the_pool_wait_their_turn_on_the_event_loop(make_app: MakeApp) -> None:
    app = make_app(query_workers=1, query_queue_timeout=30.0)
    executor: Executor = app.state.services.executor

    async def main() -> list[bytes]:
        jobs = [QueryJob(f"SELECT ({n} AS ?n) {{}}", fmt="csv") for n in range(6)]
        answers = await asyncio.gather(*(executor.run_async(job) for job in jobs))
        return [a.body for a in answers]

    bodies = asyncio.run(main())
    assert bodies == [f"n\r\n{n}\r\n".encode() for n in range(6)]
    assert executor.counts() == {"busy": 0, "idle": 1}


def test_a_waiting_request_gets_503_when_no_worker_frees_in_time(make_app: MakeApp) -> None:
    app = make_app(query_workers=1, query_timeout=5.0, query_queue_timeout=0.3)
    executor: Executor = app.state.services.executor

    async def main() -> BaseException | None:
        runaway = asyncio.ensure_future(executor.run_async(QueryJob(RUNAWAY, fmt="json")))
        await asyncio.sleep(0.5)  # the only worker is busy with it
        try:
            await executor.run_async(QueryJob("ASK {}", fmt="json"))
        except WorkersBusy as exc:
            return exc
        finally:
            runaway.cancel()
        return None

    refused = asyncio.run(main())
    assert isinstance(refused, WorkersBusy)
    assert "all 1 query workers stayed busy for 0.3 s" in str(refused)


def test_a_request_given_up_stops_its_query(make_app: MakeApp) -> None:
    """The client went away (the request's task is cancelled): its worker is killed, so
    a runaway query does not run on to its timeout, and a fresh worker takes its place."""
    app = make_app(query_workers=1, query_timeout=60.0)
    executor: Executor = app.state.services.executor

    async def main() -> tuple[set[int], bytes]:
        await executor.run_async(QueryJob("ASK {}", fmt="json"))
        before = executor.pids
        task = asyncio.ensure_future(executor.run_async(QueryJob(RUNAWAY, fmt="json")))
        await asyncio.sleep(0.5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        after = await executor.run_async(QueryJob("ASK {}", fmt="json"))
        return before, after.body

    before, body = asyncio.run(main())
    assert b"true" in body
    assert len(before) == 1 and executor.pids.isdisjoint(before)
    assert wait_until(lambda: gone(next(iter(before))), 1.0)


def test_the_event_loop_path_stops_a_runaway_at_its_timeout(make_app: MakeApp) -> None:
    app = make_app(query_workers=1, query_timeout=0.5)
    executor: Executor = app.state.services.executor

    async def main() -> tuple[set[int], BaseException | None]:
        await executor.run_async(QueryJob("ASK {}", fmt="json"))
        before = executor.pids
        try:
            await executor.run_async(QueryJob(RUNAWAY, fmt="json"))
        except QueryTimeout as exc:
            return before, exc
        return before, None

    before, error = asyncio.run(main())
    assert error is not None and "ran for more than 0.5 s" in str(error)
    assert executor.pids.isdisjoint(before)
    assert wait_until(lambda: gone(next(iter(before))), 1.0)


def test_a_large_answer_arrives_whole_under_uvloop(make_app: MakeApp) -> None:
    """uvicorn runs on uvloop, which leaves a watched pipe non-blocking: an answer larger
    than the pipe's buffer (here 10,000 rows, about 1 MB) must still be read whole."""
    import uvloop

    app = make_app(query_workers=1)
    executor: Executor = app.state.services.executor
    values = " ".join(str(n) for n in range(100))
    job = QueryJob(f"SELECT ?a ?b WHERE {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} }}")

    async def main() -> list[bytes]:
        return [(await executor.run_async(job)).body for _ in range(3)]

    bodies = uvloop.run(main())
    assert all(len(body) > 500_000 for body in bodies)
    assert all(body.count(b'"a":') == 10_000 for body in bodies)


def test_a_client_that_goes_away_has_its_query_stopped(make_app: MakeApp, serve: Serve) -> None:
    """Over real HTTP: the client sends a runaway query and closes its connection; the
    worker running it is killed long before the query's timeout (60 s here), and the
    refusal is counted as ``client_gone``."""
    app = make_app(query_workers=1, query_timeout=60.0)
    executor: Executor = app.state.services.executor
    with serve(app) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port)) as warm:  # starts the pool
            warm.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n")
            assert warm.recv(100).startswith(b"HTTP/1.1 200")
        before = executor.pids
        body = urllib.parse.urlencode({"query": RUNAWAY}).encode()
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            assert wait_until(lambda: executor.counts()["busy"] == 1, 30.0)
        # The connection is closed: the worker is replaced and its process ends.
        assert wait_until(lambda: executor.pids.isdisjoint(before), 10.0)
        assert wait_until(lambda: gone(next(iter(before))), 10.0)
        assert wait_until(lambda: app.state.services.metrics.rejections["client_gone"] == 1, 10.0)
        assert executor.counts() == {"busy": 0, "idle": 1}


@pytest.mark.parametrize("budget_mb", [60, 0])
def test_workers_over_the_total_memory_budget_lose_the_largest_query(
    make_app: MakeApp, budget_mb: int
) -> None:
    # Each worker had its own cap (query_memory_mb) and nothing bounded them together.
    # Sorting 300,000 rows takes a worker past 60 MiB; the budget stops it (503), and
    # off, the same query runs to its refusal for size (422).
    values = " ".join(map(str, range(100)))
    fewer = " ".join(map(str, range(30)))
    hungry = (
        f"SELECT * {{ VALUES ?a {{ {values} }} VALUES ?b {{ {values} }} "
        f"VALUES ?c {{ {fewer} }} BIND(CONCAT(STR(?a), '-', STR(?b), '-', STR(?c)) AS ?s) }} "
        "ORDER BY DESC(?s)"
    )
    app = make_app(query_workers=2, query_memory_total_mb=budget_mb, max_result_rows=10)
    client = TestClient(app)
    answer = client.get("/sparql", params={"query": hungry})
    if budget_mb:
        assert answer.status_code == 503, answer.text
        assert "more than 60 MiB, the server's budget for queries" in answer.text
        assert answer.headers["retry-after"] == "10"
    else:
        assert answer.status_code == 422, answer.text
    assert client.get("/sparql", params={"query": "ASK {}"}).status_code == 200
