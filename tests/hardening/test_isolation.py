"""Isolation, small: while two runaway queries hold workers, concurrent clients still get
their simple answers and /health answers (statuses only; the timings are measured by
``benchmarks/isolation.py`` and written to benchmarks/ISOLATION.md)."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.isolation import measure
from tests.conftest import Serve, wait_until
from tests.hardening.conftest import MakeApp


@pytest.mark.slow
def test_simple_queries_are_answered_while_runaways_run(make_app: MakeApp, serve: Serve) -> None:
    app = make_app(query_workers=4, query_timeout=4.0)
    with serve(app) as base:
        result = asyncio.run(
            measure(base, clients=10, requests=10, seconds=60, runaways=2, warmup=1.5)
        )
        # The runaway queries did run (and were stopped): two timeouts are counted.
        stopped = wait_until(lambda: app.state.services.metrics.rejections["timeout"] >= 2, 30.0)
    assert result.simple.statuses == {200: 100}
    assert set(result.health.statuses) == {200}
    assert set(result.runaway.statuses) <= {503}, "a runaway query never gets a 200"
    assert stopped
