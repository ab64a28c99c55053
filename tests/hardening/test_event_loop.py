"""CPU work that grows with the request stays off the event loop, where it would hold
every other client's answer behind it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

import accord.routers.sparql
from tests.hardening.conftest import MakeApp


def test_a_long_query_is_checked_in_a_thread_and_a_short_one_on_the_loop(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A 100 kB token-dense query cost 0.6 s of loop time to lex; one client sending one
    # every 2 s pushed other clients' ASK median to 1.7 s.
    checked_in: dict[str, str] = {}
    check = accord.routers.sparql.check_query

    def recording(text: str, *args: Any) -> Any:
        # By name: a thread's ident is reused once it has ended.
        checked_in["long" if len(text) > 1000 else "short"] = threading.current_thread().name
        return check(text, *args)

    monkeypatch.setattr(accord.routers.sparql, "check_query", recording)
    short = "ASK {}"
    long = "ASK { " + " ".join(f"BIND({n} AS ?v{n})" for n in range(200)) + " }"
    assert len(long) > 1000  # INLINE_CHECK_CHARS
    with TestClient(make_app(query_workers=1)) as client:  # one event loop, one thread
        for query in (short, long):
            assert client.get("/sparql", params={"query": query}).status_code == 200
    assert checked_in["long"] == "AnyIO worker thread"
    assert checked_in["short"] != "AnyIO worker thread"
