"""Shared fixtures: the application over a small fixture dataset or over the bundled
data, in-process (``TestClient``) or served by uvicorn on a free 127.0.0.1 port.

- ``fixture_settings`` / ``fixture_app`` / ``fixture_client``: two small graphs
  (``tests/fixtures/endpoint/data``) and a tiny named-query catalogue
  (``tests/fixtures/endpoint/queries``).
- ``bundled_app`` / ``client``: the real ontology, shapes and data, and ``queries/``.
- ``serve``: a context manager factory, ``with serve(app) as base_url: ...``.
- ``live_server`` (bundled data) and ``fixture_server`` (fixture data): base URLs.
- ``accord_process(args, env, logs)``: a real ``accord serve`` process on a free port.
- ``gone(pid)``, ``wait_until(check, seconds)``: for processes that should end.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.main import create_app
from accord.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "endpoint"
FIXTURE_DATA = FIXTURES / "data"
FIXTURE_QUERIES = FIXTURES / "queries"

Serve = Callable[[FastAPI], AbstractContextManager[str]]


@contextmanager
def running_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free 127.0.0.1 port; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60  # a guard against hanging, not a timing assertion
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (no longer exists, or a zombie)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):  # it ended while being read
        return True


def wait_until(check: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def accord_process(
    args: Sequence[str], env: dict[str, str], logs: Path
) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``accord serve ARGS`` as a process of its own on a free 127.0.0.1 port, with no
    ``ACCORD_*`` setting but ``env``; yields ``(process, port)`` once it answers
    ``ASK {}``, and kills it at the end, with every process it started (its own session:
    nothing outlives the test).  Its stderr goes to a file in ``logs`` (a pipe nobody
    reads would fill up)."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")} | env
    command = [sys.executable, "-m", "accord.cli", "serve", *args]
    command += ["--port", str(port), "--log-level", "warning"]
    log = logs / f"accord-serve-{port}.log"
    with log.open("wb") as err:
        proc = subprocess.Popen(
            command, env=environment, cwd=ROOT, stderr=err, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 120  # a guard against hanging, not a timing assertion
        while not _answers(port):
            if proc.poll() is not None:
                raise RuntimeError(f"accord serve ended: {log.read_text()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"accord serve did not answer: {log.read_text()}")
            time.sleep(0.05)
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/sparql?query=ASK%7B%7D")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


@pytest.fixture(scope="session")
def serve() -> Serve:
    """``with serve(app) as base_url:`` runs ``app`` on a live port for the block."""
    return running_server


@pytest.fixture(scope="module")
def fixture_settings() -> Settings:
    return Settings(paths=[FIXTURE_DATA], queries_dir=FIXTURE_QUERIES)


@pytest.fixture(scope="module")
def fixture_app(fixture_settings: Settings) -> FastAPI:
    return create_app(fixture_settings)


@pytest.fixture
def fixture_client(fixture_app: FastAPI) -> TestClient:
    return TestClient(fixture_app)


@pytest.fixture(scope="module")
def bundled_app() -> FastAPI:
    return create_app(Settings())


@pytest.fixture
def client(bundled_app: FastAPI) -> TestClient:
    """A TestClient over the bundled dataset and the real ``queries/`` catalogue."""
    return TestClient(bundled_app)


@pytest.fixture(scope="module")
def live_server(bundled_app: FastAPI) -> Iterator[str]:
    """The base URL of the bundled app served by uvicorn."""
    with running_server(bundled_app) as url:
        yield url


@pytest.fixture(scope="module")
def fixture_server(fixture_app: FastAPI) -> Iterator[str]:
    """The base URL of the fixture app served by uvicorn."""
    with running_server(fixture_app) as url:
        yield url
