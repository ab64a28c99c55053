"""Durability, with a real ``accord serve --store DIR`` killed by SIGKILL: a write that
was answered 2xx is there after a restart, and a write killed in the middle of its
commit is found entirely or not at all."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path

from accord.stores.oxigraph import OxigraphStore
from accord.writes.writer import read_log
from tests.conftest import FIXTURE_DATA, accord_process
from tests.writes.conftest import EX, SHAPES, TOKEN

ROOT = Path(__file__).resolve().parents[2]
AUTH = {"Authorization": f"Bearer {TOKEN}"}
BIG = f"{EX}big"


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def server(store: Path) -> AbstractContextManager[tuple[subprocess.Popen[bytes], int]]:
    """``accord serve`` on the fixture data with an on-disk store and writes enabled."""
    env = {
        "ACCORD_ALLOW_UPDATE": "true",
        "ACCORD_WRITE_TOKEN": TOKEN,
        "ACCORD_WRITE_SHAPES": str(SHAPES),
        "ACCORD_MAX_REQUEST_BYTES": str(64 * 1024 * 1024),  # the large write below
    }
    return accord_process([str(FIXTURE_DATA), "--store", str(store)], env, store.parent)


def ask(port: int, query: str) -> bool:
    path = "/sparql?" + __import__("urllib.parse").parse.urlencode({"query": query})
    status, _, body = request(port, "GET", path, headers={"Accept": "application/json"})
    assert status == 200, body
    return bool(json.loads(body)["boolean"])


def big_graph_size(port: int) -> int:
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{BIG}> {{ ?s ?p ?o }} }}"
    path = "/sparql?" + __import__("urllib.parse").parse.urlencode({"query": query})
    status, _, body = request(port, "GET", path, headers={"Accept": "application/json"})
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_a_write_answered_2xx_survives_sigkill(tmp_path: Path) -> None:
    store = tmp_path / "db"
    text = f"INSERT DATA {{ GRAPH <{EX}kept> {{ <{EX}k> <{EX}p> 'kept' }} }}"
    with server(store) as (proc, port):
        status, headers, _ = request(
            port,
            "POST",
            "/sparql",
            text.encode(),
            {"Content-Type": "application/sparql-update", **AUTH},
        )
        assert status == 200
        # Queries run on worker processes over the on-disk store: they see it at once.
        assert ask(port, f"ASK {{ <{EX}k> <{EX}p> 'kept' }}")
        proc.send_signal(signal.SIGKILL)  # right after the answer
        proc.wait()
    after = headers["x-accord-dataset-version"]
    with server(store) as (_, port):
        assert ask(port, f"ASK {{ <{EX}k> <{EX}p> 'kept' }}")
        version = request(port, "GET", "/sparql?query=ASK%7B%7D")[1]["x-accord-dataset-version"]
        assert version == after
    entry = read_log(store / "writes.jsonl")[-1]
    assert (entry["outcome"], entry["version_after"], entry["update"]) == ("committed", after, text)


def test_sigkill_during_a_large_write_leaves_all_or_nothing(tmp_path: Path) -> None:
    store = tmp_path / "db"
    marker_path = store / OxigraphStore.MARKER
    n = 100_000
    body = "".join(f'<{EX}s{i}> <{EX}p> "value {i}" .\n' for i in range(n)).encode()
    with server(store) as (proc, port):
        before = request(port, "GET", "/sparql?query=ASK%7B%7D")[1]["x-accord-dataset-version"]
        answer: list[int] = []

        def put() -> None:
            try:
                headers = {"Content-Type": "application/n-triples", **AUTH}
                answer.append(request(port, "PUT", f"/graph-store?graph={BIG}", body, headers)[0])
            except OSError:
                answer.append(0)  # the server died under the request

        thread = threading.Thread(target=put)
        thread.start()
        # Kill the server as soon as the commit has begun: the marker names the pending
        # version just before Oxigraph's transaction starts.
        saw_pending = False
        while thread.is_alive() and not saw_pending:
            try:
                saw_pending = bool(json.loads(marker_path.read_text()).get("pending"))
            except (OSError, ValueError):
                pass
            if not saw_pending:
                time.sleep(0.002)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        thread.join()
    assert saw_pending, f"the write ended ({answer}) before its commit was seen"
    assert answer == [0]
    with server(store) as (_, port):
        size = big_graph_size(port)
        version = request(port, "GET", "/sparql?query=ASK%7B%7D")[1]["x-accord-dataset-version"]
        assert size in (0, n), f"a partial write: {size} of {n} triples"
        assert version != before  # the pending version: a changed store never keeps its name
        # The write log's pending line got its outcome at the start, read off the store.
        resolved = read_log(store / "writes.jsonl")[-1]
        assert resolved["outcome"] == "interrupted" and resolved["version_after"] == version
        assert "resolved" in resolved
        # The store still takes writes after the crash.
        status, _, _ = request(
            port,
            "PUT",
            f"/graph-store?graph={BIG}",
            f'<{EX}a> <{EX}p> "small" .'.encode(),
            {"Content-Type": "application/n-triples", **AUTH},
        )
        assert status in (201, 204)
        assert big_graph_size(port) == 1
