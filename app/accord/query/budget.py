"""The time budget of one page build: a deadline its queries are checked against.

A page runs many queries, each within ``query_timeout`` on a worker; together they had
no bound (a state page runs about twenty).  ``within(seconds)`` sets a deadline for the
code it wraps (a context variable: the thread that builds the page, and nothing else),
and the query service calls ``check()`` before each query, so a page build ends at most
one query after its budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from accord.errors import QueryTimeout

_deadline: ContextVar[tuple[float, float] | None] = ContextVar("page_deadline", default=None)


class PageTimedOut(QueryTimeout):
    """A page build used up its time budget (``page_timeout``)."""

    reason = "page_timeout"
    headers = {"Retry-After": "60"}


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Run the body with a deadline ``seconds`` from now (no deadline for 0 or less)."""
    if seconds <= 0:
        yield
        return
    token = _deadline.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _deadline.reset(token)


def check() -> None:
    """Raise ``PageTimedOut`` if the current page build is past its deadline."""
    current = _deadline.get()
    if current is not None and time.monotonic() > current[0]:
        raise PageTimedOut(
            f"this page took more than its {current[1]:g} s to build and was stopped; "
            "ask the SPARQL endpoint for the part you need"
        )
