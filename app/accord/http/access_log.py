"""A structured access log and the request metrics, from one ASGI middleware.

Each request gives one JSON line on the ``accord.access`` logger: time, method, path,
status, duration, client, result bytes, and for a query the first 16 hex digits of the
SHA-256 of its text (``query_hash``: the same query, the same hash, without logging a
query that may hold personal data).  The same numbers feed ``app.metrics``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from accord.http.metrics import Metrics

logger = logging.getLogger("accord.access")


def query_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def configure_logging() -> None:
    """Send ``accord.access`` lines to stderr, one JSON object a line (once)."""
    if any(getattr(h, "accord_access", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.accord_access = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, log: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        seen: dict[str, Any] = {"status": 500, "bytes": 0}

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                seen["status"] = message["status"]
            elif message["type"] == "http.response.body":
                seen["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, counting_send)
        finally:
            seconds = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(scope["method"], route, seen["status"], seconds)
            if self.log:
                state = scope.get("state") or {}
                client = scope.get("client")
                logger.info(
                    json.dumps(
                        {
                            "time": round(time.time(), 3),
                            "method": scope["method"],
                            "path": scope["path"],
                            "status": seen["status"],
                            "duration_ms": round(seconds * 1000, 2),
                            "client": client[0] if client else None,
                            "query_hash": state.get("query_hash"),
                            "result_bytes": seen["bytes"],
                        }
                    )
                )
