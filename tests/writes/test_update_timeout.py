"""A SPARQL Update works out its change in a process of its own, stopped after
``update_timeout`` (accord.writes.planning): a runaway WHERE is a 503 that changes
nothing, holds the writer lock only that long, and does not keep SIGTERM from ending
the server. The protection is also shown off (``update_timeout=0``)."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from accord.writes import planning
from accord.writes.writer import read_log
from tests.conftest import FIXTURE_DATA, accord_process
from tests.writes.conftest import AUTH, EX, SHAPES, TOKEN, UPDATE, MakeApp, count

VALUES = " ".join(str(n) for n in range(100))


def cartesian(k: int, last: int = 100) -> str:
    """An update whose WHERE counts 100^(k-1) * last rows and matches none of them
    (10^6 x 30 take this machine about 6 s; 10^10, hours)."""
    where = " ".join(f"VALUES ?v{i} {{ {VALUES} }}" for i in range(k - 1))
    where += f" VALUES ?v{k - 1} {{ {' '.join(str(n) for n in range(last))} }}"
    total = " + ".join(f"?v{i}" for i in range(k))
    return f"INSERT {{ <{EX}x> <{EX}n> ?v0 }} WHERE {{ {where} FILTER({total} < 0) }}"


@pytest.mark.parametrize("timeout", [1.0, 0.0])
def test_an_update_that_runs_too_long_is_stopped_and_changes_nothing(
    make_app: MakeApp, tmp_path: Path, timeout: float
) -> None:
    client = TestClient(make_app(update_timeout=timeout), headers=AUTH)
    before = count(client)
    version = client.get("/sparql", params={"query": "ASK {}"}).headers["x-accord-dataset-version"]
    answer = client.post("/sparql", content=cartesian(4, last=30), headers=UPDATE)
    if timeout:
        assert answer.status_code == 503, answer.text
        assert "ran for more than 1 s and was stopped; nothing was changed" in answer.text
        assert read_log(tmp_path / "writes.jsonl")[-1]["outcome"] == "refused"
    else:  # in the server process: it runs to its end, however long that is
        assert answer.status_code == 200, answer.text
    assert count(client) == before
    assert answer.headers["x-accord-dataset-version"] == version
    # The writer lock is free again: the next write goes through.
    insert = f"INSERT DATA {{ <{EX}erin> a <{EX}Employee> ; <{EX}name> 'Erin' }}"
    assert client.post("/sparql", content=insert, headers=UPDATE).status_code == 200


def test_an_update_that_fails_in_its_process_says_so(make_app: MakeApp) -> None:
    client = TestClient(make_app(update_timeout=5.0), headers=AUTH)
    answer = client.post("/sparql", content="DROP GRAPH <http://example.org/none>", headers=UPDATE)
    assert answer.status_code == 400 and "nothing was changed" in answer.text
    answer = client.post("/sparql", content="INSERT DATA { <a> <b> ", headers=UPDATE)
    assert answer.status_code == 400 and "syntax error" in answer.text


def test_sigterm_ends_the_server_while_a_runaway_update_runs(tmp_path: Path) -> None:
    env = {
        "ACCORD_ALLOW_UPDATE": "true",
        "ACCORD_WRITE_TOKEN": TOKEN,
        "ACCORD_WRITE_SHAPES": str(SHAPES),
        # The update may run for 10 minutes, the requests in flight get 1 s: at the
        # end of it the update's process is killed, and the server ends.
        "ACCORD_UPDATE_TIMEOUT": "600",
        "ACCORD_SHUTDOWN_TIMEOUT": "1",
    }
    with accord_process([str(FIXTURE_DATA)], env, tmp_path) as (proc, port):
        import http.client

        def send() -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            try:
                conn.request("POST", "/sparql", cartesian(5).encode(), {**UPDATE, **AUTH})
                conn.getresponse().read()
            except OSError:
                pass
            finally:
                conn.close()

        thread = threading.Thread(target=send, daemon=True)
        thread.start()
        thread.join(0.5)  # the update is running
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)  # a guard, not a timing assertion: unbounded, it runs for hours
        except subprocess.TimeoutExpired:
            pytest.fail("the server was still running 30 s after SIGTERM")
        # uvicorn ends by raising the signal it caught again, once it has shut down.
        assert proc.returncode in (0, -signal.SIGTERM)


def test_a_write_behind_a_slow_one_waits_a_bounded_time(make_app: MakeApp) -> None:
    app = make_app(update_timeout=20.0, write_queue_timeout=0.5)
    client = TestClient(app, headers=AUTH)
    slow = threading.Thread(
        target=lambda: client.post("/sparql", content=cartesian(4), headers=UPDATE), daemon=True
    )
    slow.start()
    thread_wait = 0.0
    while not planning._running and thread_wait < 10:  # the slow update is planning
        time.sleep(0.01)
        thread_wait += 0.01
    insert = f"INSERT DATA {{ <{EX}erin> a <{EX}Employee> ; <{EX}name> 'Erin' }}"
    answer = client.post("/sparql", content=insert, headers=UPDATE)
    assert answer.status_code == 503, answer.text
    assert "another write held the writer for 0.5 s" in answer.text
    assert answer.headers["retry-after"] == "1"
    planning.stop_all()  # end the slow one
    slow.join(30)
