"""Per-client rate limits: a token bucket for each client IP, 429 with Retry-After.

Each client IP has a bucket of ``rate_limit_burst`` tokens, refilled at
``rate_limit_per_second``; a request takes one token, and a request that finds the
bucket empty is answered 429 with the seconds until the next token in ``Retry-After``.
Local clients (loopback, Unix socket, in-process test client) are not limited unless
``rate_limit_loopback``.
The operations endpoints (``/health``, ``/ready``, ``/metrics``) are never limited.
The table of buckets is bounded: full (idle) buckets are dropped when it grows.
"""

from __future__ import annotations

import ipaddress
import math
import threading
import time
from collections.abc import Callable

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from accord.http.metrics import Metrics
from accord.settings import Settings

EXEMPT_PATHS = frozenset({"/health", "/ready", "/metrics"})
MAX_CLIENTS = 10_000


class TokenBuckets:
    """One bucket per key; ``take`` answers 0 (allowed) or the seconds to wait."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                if len(self._buckets) > MAX_CLIENTS:
                    self._prune(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _prune(self, now: float) -> None:
        full = [
            k
            for k, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * self.rate >= self.burst
        ]
        for k in full:
            del self._buckets[k]
        while len(self._buckets) > MAX_CLIENTS:  # still too many: drop the oldest
            del self._buckets[next(iter(self._buckets))]


def is_local(host: str | None) -> bool:
    """A loopback address, or no IP address at all (a Unix socket, an in-process test
    client): a client on this machine."""
    if not host:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app = app
        self.settings = settings
        self.metrics = metrics
        self.buckets = TokenBuckets(settings.rate_limit_per_second, settings.rate_limit_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or self.settings.rate_limit_per_second <= 0
            or scope["path"] in EXEMPT_PATHS
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        host = client[0] if client else ""
        if is_local(host) and not self.settings.rate_limit_loopback:
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(host)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        from accord.http.errors import error_response

        self.metrics.reject("rate_limit")
        retry = max(1, math.ceil(wait))
        response = error_response(
            Request(scope),
            429,
            f"more than {self.settings.rate_limit_per_second:g} requests per second (bursts "
            f"of {self.settings.rate_limit_burst}) from {host or 'this client'}; retry in {retry} s",
        )
        response.headers["Retry-After"] = str(retry)
        await response(scope, receive, send)
