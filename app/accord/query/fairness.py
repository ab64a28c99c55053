"""Fair shares of the query workers: no client holds more than its share of them.

The rate limit counts requests, not work in flight: one client sending four runaway
queries at once held all four workers, and every other client's ASK got a 503 after
the queue timeout, for as long as the client kept it up (about 8 requests a minute,
far under any rate limit). So each client may have at most ``query_per_client``
queries running at once; its further queries wait in a queue of its own (at most
``query_per_client_waiting`` of them, FIFO) for one of its own to end, and a query
that cannot start within ``query_queue_timeout`` is answered 429 with ``Retry-After``.
The other workers stay free for everybody else.

A client is its IP address as the server sees it (uvicorn takes it from
``X-Forwarded-For`` only when the connection comes from a trusted proxy, its
``--forwarded-allow-ips``); an IPv6 client is its /64 network, the block one host
or one customer line usually gets, so that a client cannot take a share per address
of its block. Local clients (loopback, a Unix socket, the in-process test client) have
no share unless ``rate_limit_loopback`` is on, as for the rate limit.

All of this runs on the event loop that awaits the queries (``Executor.run_async``):
no lock is needed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ipaddress
import math
from collections.abc import AsyncIterator

from accord.errors import AccordError


class ClientBusy(AccordError):
    """This client already has its share of the query workers (429)."""

    status = 429
    reason = "client_share"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


def client_key(host: str | None, *, limit_local: bool) -> str | None:
    """The key a client's share is counted under: its IPv4 address, its IPv6 /64, or
    None (no share: a local client, unless ``limit_local``)."""
    if not host:
        return "local" if limit_local else None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # not an IP address: a Unix socket, the test client
        return "local" if limit_local else None
    if address.is_loopback and not limit_local:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class FairShare:
    """At most ``per_client`` running queries per client key, and at most ``waiting``
    more queued behind them (0 for either: no per-client limit)."""

    def __init__(self, per_client: int, waiting: int) -> None:
        self.per_client = per_client
        self.waiting = waiting
        self._running: dict[str, int] = {}
        self._queues: dict[str, collections.deque[asyncio.Future[None]]] = {}

    def running(self, key: str) -> int:
        return self._running.get(key, 0)

    @contextlib.asynccontextmanager
    async def slot(self, key: str | None, timeout: float) -> AsyncIterator[None]:
        """Hold one of ``key``'s slots while the block runs; wait at most ``timeout``
        seconds for one (then ``ClientBusy``)."""
        if key is None or self.per_client <= 0:
            yield
            return
        if self._running.get(key, 0) < self.per_client:
            self._running[key] = self._running.get(key, 0) + 1
        else:
            await self._wait(key, timeout)  # the slot is handed over by _release
        try:
            yield
        finally:
            self._release(key)

    async def _wait(self, key: str, timeout: float) -> None:
        queue = self._queues.setdefault(key, collections.deque())
        if len(queue) >= self.waiting:
            raise self._busy(key, timeout, queued=True)
        handed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue.append(handed)
        try:
            await asyncio.wait_for(asyncio.shield(handed), timeout)
        except BaseException as exc:
            if handed.done() and not handed.cancelled():
                self._release(key)  # handed over just as the wait ended: pass it on
            else:
                handed.cancel()
                with contextlib.suppress(ValueError):
                    queue.remove(handed)
                if not queue:
                    self._queues.pop(key, None)
            if isinstance(exc, TimeoutError):
                raise self._busy(key, timeout, queued=False) from None
            raise

    def _release(self, key: str) -> None:
        """End one of ``key``'s slots: hand it to its first waiter, or free it."""
        queue = self._queues.get(key)
        while queue:
            handed = queue.popleft()
            if not handed.done():
                handed.set_result(None)
                if not queue:
                    self._queues.pop(key, None)
                return
        self._queues.pop(key, None)
        left = self._running.get(key, 0) - 1
        if left > 0:
            self._running[key] = left
        else:
            self._running.pop(key, None)

    def _busy(self, key: str, timeout: float, *, queued: bool) -> ClientBusy:
        why = (
            f"and {self.waiting} more waiting"
            if queued
            else f"and none of them ended within {timeout:g} s"
        )
        return ClientBusy(
            f"this client ({key}) already has {self.per_client} queries running at once {why}; "
            f"each client may run {self.per_client} at a time, so that one client cannot hold "
            "every query worker. Wait for an answer before sending the next query",
            retry_after=max(1, math.ceil(timeout)),
        )
