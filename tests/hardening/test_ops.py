"""Operations: /health, /ready, /metrics, and the JSON access log."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from accord.http.access_log import query_hash
from accord.query.executor import Executor
from tests.hardening.conftest import MakeApp


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, object]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(record.getMessage()))


@pytest.fixture
def access_lines() -> Iterator[list[dict[str, object]]]:
    handler = Lines()
    logger = logging.getLogger("accord.access")
    logger.addHandler(handler)
    yield handler.lines
    logger.removeHandler(handler)


def test_health_does_not_touch_the_store(make_app: MakeApp) -> None:
    app = make_app()
    executor: Executor = app.state.services.executor
    response = TestClient(app).get("/health")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert executor.pids == set(), "no worker was started to answer /health"


def test_ready_asks_a_worker(make_app: MakeApp) -> None:
    app = make_app(query_workers=1)
    response = TestClient(app).get("/ready")
    assert response.status_code == 200 and response.json() == {"status": "ready"}
    assert len(app.state.services.executor.pids) == 1


def test_ready_is_503_when_no_worker_answers(make_app: MakeApp) -> None:
    app = make_app(query_workers=1, query_queue_timeout=0.2)
    client = TestClient(app)
    app.state.services.executor.close()
    app.state.services.executor.size = 1
    app.state.services.executor._start = lambda: None  # the pool cannot start again
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "not ready"
    assert "query workers stayed busy" in response.json()["detail"]


def test_access_log_is_one_json_line_per_request(
    client_for: Callable[..., TestClient], access_lines: list[dict[str, object]]
) -> None:
    client = client_for()
    query = "SELECT * WHERE { ?s ?p ?o } LIMIT 2"
    response = client.get("/sparql", params={"query": query})
    client.get("/health")
    sparql, health = access_lines[-2:]
    assert sparql["method"] == "GET" and sparql["path"] == "/sparql"
    assert sparql["status"] == 200
    assert sparql["query_hash"] == query_hash(query)
    assert sparql["result_bytes"] == len(response.content)
    assert isinstance(sparql["duration_ms"], float)
    assert health["path"] == "/health" and health["query_hash"] is None


def test_metrics_count_requests_latency_and_refusals(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for(max_query_depth=3, max_result_rows=1)
    client.get("/sparql", params={"query": "ASK {}"})
    client.get("/sparql", params={"query": "ASK { FILTER(((((1)))))}"})
    client.get("/sparql", params={"query": "SELECT * { ?s ?p ?o }"})
    client.get("/sparql", params={"query": "SELECT * { SERVICE <http://127.0.0.1:9/> {} }"})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert re.search(
        r'accord_requests_total\{method="GET",route="/sparql",status="200"\} 1\n', text
    )
    assert re.search(
        r'accord_requests_total\{method="GET",route="/sparql",status="400"\} 2\n', text
    )
    assert 'accord_rejections_total{reason="query_too_deep"} 1' in text
    assert 'accord_rejections_total{reason="too_many_rows"} 1' in text
    assert 'accord_rejections_total{reason="outbound"} 1' in text
    assert 'accord_request_duration_seconds_count{route="/sparql"} 4' in text
    assert 'accord_request_duration_seconds_bucket{route="/sparql",le="+Inf"} 4' in text
    assert "accord_query_timeouts_total 0" in text
    assert re.search(r'accord_query_workers\{state="idle"\} \d+', text)
    for line in text.splitlines():
        assert line.startswith("#") or re.fullmatch(r"[a-z_]+(\{[^}]*\})? [0-9.e+-]+", line), line
