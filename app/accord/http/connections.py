"""Connection-level limits: header size, header/idle/body timeouts, connections per
client and in total (``accord serve``; docs/running-in-public.md, "Connections").

Everything else in ``accord.http`` sees requests; what this module guards comes before
a request exists, or between two of them, where only the HTTP server can act:

- **Header size.** uvicorn's default HTTP parser (httptools) has no limit on a request
  head: 200 MB of headers on one connection cost the server 200 MB of memory. h11,
  uvicorn's other parser, limits what it buffers of an incomplete head
  (``h11_max_incomplete_event_size``), but uvicorn answers that with a 400, and a head
  that arrives whole in one read (asyncio reads up to 256 KiB) is not checked at all.
  Here a head over ``max_header_bytes`` is answered 431 (RFC 6585), or 414 when the
  request line alone is too long (a GET query), and the connection is closed.
- **Timeouts.** uvicorn's keep-alive timer (``timeout_keep_alive``) starts only after a
  response: a connection that sends nothing, or half a request head, stays open for
  ever; 1,100 of them used up a 1,024 file-descriptor budget and locked everyone out
  (slowloris). Here a connection must send a complete head within ``header_timeout``
  of its opening (on a kept-alive connection, of the first byte of its next request;
  the wait for that byte is ``keep_alive_timeout``, uvicorn's own timer), and a request
  body must not stall longer than ``body_timeout`` between two reads. A timed-out head
  that was partly sent, or a stalled body, is answered 408 if no response has started;
  a connection that sent nothing is just closed.
- **Connections per client and in total.** uvicorn's ``limit_concurrency`` answers 503
  only once a request arrives and keeps idle connections open, so it does not bound
  descriptors. Here a connection over ``max_connections_per_client`` (per client) or
  ``max_connections`` (the server process's total, kept below its file-descriptor
  limit) is answered 503 with ``Retry-After`` at once, before reading anything, and
  closed: it holds a descriptor for no longer than that. A client that had already
  sent its request may see the connection reset instead of the 503.

A client here is the peer address of the TCP connection, the only one there is before
a request has been read: its IPv4 address, or its IPv6 /64 (the block one host or one
customer line usually gets), as the fair shares of the query workers count clients
(``accord.query.fairness.client_key``). ``X-Forwarded-For`` (which uvicorn honours
only from ``forwarded_allow_ips``) is a request header, so behind a reverse proxy
every connection is the proxy's: the proxy must limit its clients' connections itself. Local peers (loopback, a Unix socket) are
not limited per client unless ``rate_limit_loopback``, as for the rate limit; the total
applies to every connection. The limits hold per server process (``accord serve
--workers N``: N times as many connections).

The protocol is uvicorn's ``H11Protocol``, subclassed. What the limits add is a timer
for a connection's first head, one more for a later head that arrives in pieces (most
arrive in one read), and a clock read per chunk of a body; h11 itself, in place of
httptools, costs about 0.1 ms of CPU a request (docs/running-in-public.md). Its
refusals are written as raw bytes, bypassing the application (so neither the access
log nor ``/metrics`` counts them); each is a line of uvicorn's log (INFO).
"""

from __future__ import annotations

import asyncio
import functools
import http
import logging
import math
import re
import resource
from dataclasses import dataclass
from typing import Any

import h11
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from accord.query.fairness import client_key
from accord.settings import Settings

logger = logging.getLogger("accord.connections")

#: File descriptors ``max_connections`` leaves to everything else a server process
#: opens: the listening socket, the store's files, the query workers' pipes, logs.
FD_RESERVE = 256
#: Seconds, and bytes, for which a refused connection is kept half-open (our side done,
#: what the client still sends read and dropped) so that the client reads the answer
#: instead of a reset; a client that sends more is not reading it.
LINGER = 2.0
LINGER_BYTES = 1024 * 1024
#: The end of a request head: h11 accepts bare LF line ends too.
HEAD_END = re.compile(rb"\n\r?\n")


@dataclass(frozen=True)
class Limits:
    """The connection settings (0 turns a limit off, except the header size and the
    keep-alive timeout: see ``Settings``)."""

    max_header_bytes: int
    header_timeout: float
    keep_alive_timeout: float
    body_timeout: float
    max_connections_per_client: int
    max_connections: int
    limit_local: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_header_bytes=settings.max_header_bytes,
            header_timeout=settings.header_timeout,
            keep_alive_timeout=settings.keep_alive_timeout,
            body_timeout=settings.body_timeout,
            max_connections_per_client=settings.max_connections_per_client,
            max_connections=within_fd_limit(settings.max_connections),
            limit_local=settings.rate_limit_loopback,
        )


def within_fd_limit(total: int) -> int:
    """``total``, lowered if the process's file-descriptor limit cannot hold it and
    ``FD_RESERVE`` more (0, no limit, stays 0)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if total <= 0 or soft == resource.RLIM_INFINITY or total <= soft - FD_RESERVE:
        return total
    lowered = max(1, soft - FD_RESERVE)
    logger.warning(
        "max_connections lowered from %d to %d: the file-descriptor limit (ulimit -n) is "
        "%d, and %d are kept for the store, the query workers and the logs",
        total,
        lowered,
        soft,
        FD_RESERVE,
    )
    return lowered


class ConnectionCounts:
    """The open connections of one server process, in total and per client key (all on
    its event loop: no lock)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.open = 0
        self._by_client: dict[str, int] = {}
        #: Connections waiting for a request head (new, kept alive, or with half a head),
        #: oldest first: at the total cap, one of them makes room for a newcomer.
        self.waiting: dict[LimitedH11Protocol, None] = {}

    def admit(self, key: str | None) -> str | None:
        """Count a new connection in, or answer why it is refused. At the total cap a
        connection that is only waiting for a head is closed to make room (``evict``)."""
        total, per_client = self.limits.max_connections, self.limits.max_connections_per_client
        held = self._by_client.get(key, 0) if key is not None else 0
        if key is not None and per_client > 0 and held >= per_client:
            return f"{key} has {per_client} connections open, the most one client may hold"
        if total > 0 and self.open >= total and not self.evict():
            return f"this server has {total} connections open, the most it accepts"
        self.open += 1
        if key is not None:
            self._by_client[key] = held + 1
        return None

    def release(self, key: str | None) -> None:
        self.open -= 1
        if key is not None:
            held = self._by_client.pop(key) - 1
            if held:
                self._by_client[key] = held

    def held(self, key: str) -> int:
        return self._by_client.get(key, 0)

    def evict(self) -> bool:
        """Close one connection that is only waiting for a request head, to make room:
        of the client holding the most connections, its oldest. Slow connections (idle,
        or trickling a head) from many addresses filled the total and locked everyone
        out until their header timeout; now they give way to connections that come with
        a request, while one in the middle of a request is never closed. False if every
        connection has a request in flight."""
        if not self.waiting:
            return False
        order = {p: n for n, p in enumerate(self.waiting)}
        victim = max(self.waiting, key=lambda p: (self.held(p.key) if p.key else 0, -order[p]))
        victim.evict()
        return True


class LimitedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with the limits above (one instance per connection)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        counts: ConnectionCounts,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.counts = counts
        self.limits = counts.limits
        self.key: str | None = None
        self.counted = False
        self.refused = False  # answered and closing: what arrives now is dropped
        self.dropped = 0
        self.head_timer: asyncio.TimerHandle | None = None
        self.body_timer: asyncio.TimerHandle | None = None
        self.linger_timer: asyncio.TimerHandle | None = None
        self.body_at = 0.0  # loop time of the body's last chunk

    # The connection: counted in, or refused at once.

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        host = self.client[0] if self.client else None
        self.key = client_key(host, limit_local=self.limits.limit_local)
        refusal = self.counts.admit(self.key)
        if refusal is not None:
            retry = max(1, math.ceil(self.limits.keep_alive_timeout))
            self._refuse(503, f"{refusal}; retry in {retry} s", linger=False, retry=retry)
            return
        self.counted = True
        self.counts.waiting[self] = None
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        self._uncount()
        super().connection_lost(exc)

    def _uncount(self) -> None:
        self.counts.waiting.pop(self, None)
        if self.counted:
            self.counted = False
            self.counts.release(self.key)

    def evict(self) -> None:
        """Closed to make room at the total cap (``ConnectionCounts.evict``): counted out
        at once, so the newcomer's place is free now."""
        client = self.client[0] if self.client else "a local client"
        self.logger.info("%s - closed to make room: it had sent no request", client)
        self._uncount()
        self.refused = True
        self._cancel_timers()
        self.transport.close()

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        # Accord serves no WebSocket (the application refuses the handshake), but the
        # connection goes to another protocol object: it is no longer counted here.
        self._cancel_timers()
        self._uncount()
        super().handle_websocket_upgrade(event)

    def shutdown(self) -> None:
        if self.refused:
            self.transport.close()
            return
        super().shutdown()

    # Reading: the head's size and time, the body's stalls.

    def data_received(self, data: bytes) -> None:
        if self.refused:
            self.dropped += len(data)
            if self.dropped > LINGER_BYTES:
                self.transport.close()
            return
        idle = self.conn.their_state is h11.IDLE  # waiting for a request head
        if idle and len(data) > self.limits.max_header_bytes and self._head_too_long(data):
            return
        super().data_received(data)
        state = self.conn.their_state
        if state is h11.IDLE:  # the head is still incomplete
            if self.head_timer is None:
                self._arm_head_timer()
            return
        self.counts.waiting.pop(self, None)  # a request is in: not to be evicted
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None
        if state is h11.SEND_BODY:
            self._body_read()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.counted and self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.counts.waiting[self] = None  # kept alive: waiting for the next head
        # A pipelined request read from the buffer, its body still to come.
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            self._body_read()

    def _body_read(self) -> None:
        """A chunk of a body has been read (or its head): the stall clock restarts."""
        if self.limits.body_timeout > 0:
            self.body_at = self.loop.time()
            if self.body_timer is None:
                self.body_timer = self.loop.call_later(self.limits.body_timeout, self._body_check)

    def _head_too_long(self, data: bytes) -> bool:
        """A head that arrives in one read is never checked by h11: check it here (only
        for reads longer than the limit, which a normal head never is)."""
        limit = self.limits.max_header_bytes
        head = self.conn.trailing_data[0] + data[: limit + 2]
        end = HEAD_END.search(head)
        if end is not None and end.end() <= limit:
            return False
        self._refuse_head(head)
        return True

    def send_400_response(self, msg: str) -> None:
        # uvicorn's answer to every h11 error; h11's "receive buffer too long" is a head
        # over the limit (which h11 itself would call 431), so answer it as such.
        buffered = self.conn.trailing_data[0]
        if len(buffered) > self.limits.max_header_bytes:
            self._refuse_head(buffered)
            return
        super().send_400_response(msg)

    def _refuse_head(self, head: bytes) -> None:
        limit = self.limits.max_header_bytes
        if b"\n" not in head[:limit]:
            self._refuse(
                414,
                f"the request line is longer than {limit} bytes, this server's limit; "
                "send a long query with POST",
            )
        else:
            self._refuse(
                431,
                f"the request line and headers are longer than {limit} bytes, this server's limit",
            )

    def _arm_head_timer(self) -> None:
        if self.limits.header_timeout > 0:
            self.head_timer = self.loop.call_later(self.limits.header_timeout, self._head_late)

    def _head_late(self) -> None:
        self.head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.trailing_data[0].strip():
            seconds = self.limits.header_timeout
            self._refuse(408, f"no complete request head within {seconds:g} s")
        else:  # nothing sent: nobody to answer
            self.refused = True
            self.transport.close()

    def _body_check(self) -> None:
        self.body_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.SEND_BODY:
            return
        now, timeout, cycle = self.loop.time(), self.limits.body_timeout, self.cycle
        if self.flow.read_paused or (cycle is not None and cycle.waiting_for_100_continue):
            self.body_at = now  # the application is not reading yet: not the client's stall
        if now - self.body_at < timeout:
            self.body_timer = self.loop.call_later(timeout - (now - self.body_at), self._body_check)
            return
        if cycle is not None and cycle.response_started:
            self.refused = True
            self.transport.close()
            return
        if cycle is not None:  # the application reads an end: the client is gone
            cycle.disconnected = True
            cycle.message_event.set()
        self._refuse(408, f"the request body stalled for more than {timeout:g} s")

    def _cancel_timers(self) -> None:
        for timer in (self.head_timer, self.body_timer, self.linger_timer):
            if timer is not None:
                timer.cancel()
        self.head_timer = self.body_timer = self.linger_timer = None

    # Answers that end the connection.

    def _refuse(self, status: int, message: str, *, linger: bool = True, retry: int = 0) -> None:
        """Answer ``status`` with ``message`` and close: written here, not by the
        application, and at once, whatever state the request is in."""
        body = (message + "\n").encode()
        head = [
            f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}",
            "Content-Type: text/plain; charset=utf-8",
            f"Content-Length: {len(body)}",
            "Connection: close",
        ]
        if retry:
            head.append(f"Retry-After: {retry}")
        client = self.client[0] if self.client else "a local client"
        self.logger.info("%s - %d, %s", client, status, message)  # uvicorn's log
        self.refused = True
        self._cancel_timers()
        self._unset_keepalive_if_required()
        self.transport.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)
        if not (linger and self.transport.can_write_eof()):
            self.transport.close()
            return
        # Closing a socket that still has unread bytes makes the kernel send a reset,
        # which can destroy the answer before the client reads it; so end our side,
        # drop what still arrives, and close when the client does, or after LINGER (or
        # LINGER_BYTES).
        self.transport.write_eof()
        self.flow.resume_reading()
        self.linger_timer = self.loop.call_later(LINGER, self.transport.close)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The arguments of ``uvicorn.run`` that apply the connection settings (the protocol
    is a ``functools.partial``: a separate copy, and count, in each server process)."""
    counts = ConnectionCounts(Limits.from_settings(settings))
    return {
        "http": functools.partial(LimitedH11Protocol, counts=counts),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.keep_alive_timeout,
        # Each request logged once: by Accord's access log (JSON) when it is on, else
        # by uvicorn's (text).
        "access_log": not settings.access_log,
        "timeout_graceful_shutdown": (
            math.ceil(settings.shutdown_timeout) if settings.shutdown_timeout > 0 else None
        ),
    }
