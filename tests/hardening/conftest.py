"""Fixtures for the hardening tests: apps over the small fixture dataset with chosen
limits (each app's query workers are stopped at the end of the test), and a listener
on 127.0.0.1 that records every connection made to it (it must receive nothing)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.main import create_app
from accord.query.executor import Executor
from accord.settings import Settings
from tests.conftest import FIXTURE_DATA, FIXTURE_QUERIES


def cross_join(k: int) -> str:
    """A query that counts 100^k rows (10^8 take this machine about 7 s)."""
    values = " ".join(str(n) for n in range(100))
    return (
        "SELECT (COUNT(*) AS ?n) WHERE { "
        + " ".join(f"VALUES ?v{i} {{ {values} }}" for i in range(k))
        + " }"
    )


#: 10^10 rows: it runs for many minutes unless stopped.
RUNAWAY = cross_join(5)
#: 10^8 rows: seconds of work, then it ends by itself.
LONG = cross_join(4)

MakeApp = Callable[..., FastAPI]


def fixture_settings(**overrides: Any) -> Settings:
    return Settings(paths=[FIXTURE_DATA], queries_dir=FIXTURE_QUERIES, **overrides)


@pytest.fixture
def make_app() -> Iterator[MakeApp]:
    """``make_app(**settings)``: an app over the fixture data; stopped after the test."""
    made: list[FastAPI] = []

    def make(**overrides: Any) -> FastAPI:
        app = create_app(fixture_settings(**overrides))
        made.append(app)
        return app

    yield make
    for app in made:
        executor: Executor = app.state.services.executor
        executor.close()


@pytest.fixture
def client_for(make_app: MakeApp) -> Callable[..., TestClient]:
    """``client_for(**settings)``: a TestClient over ``make_app(**settings)``."""
    return lambda **overrides: TestClient(make_app(**overrides))


class Listener:
    """A TCP server on 127.0.0.1 that records what each connection sends."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.received: list[bytes] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                try:
                    self.received.append(conn.recv(4096) or b"(connected, sent nothing)")
                    conn.sendall(b"HTTP/1.0 500 Listener\r\nContent-Length: 0\r\n\r\n")
                except OSError:
                    self.received.append(b"(connected)")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()
