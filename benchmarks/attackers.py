"""The attackers of ``benchmarks/attack.py``: each one a coroutine that attacks one
server from one source address until it is cancelled, counting what it sent and what
came back in a :class:`Tally`.

Every attack is paced (a few requests a second from each of its slots, or a pause
before a connection is opened again): the load generator runs on the same cores as
the server, and an unpaced Python client would measure its own CPU use more than the
server's defences.  Each attack still goes past the server's per-client limits
(rate limit 20 requests/s, 2 queries running and 4 waiting, 64 connections), so
those limits are what is tried.  Nothing here ever leaves 127.0.0.0/8.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from benchmarks.isolation import RUNAWAY

MIB = 1024 * 1024
JSON = "application/sparql-results+json"
#: No attack sends more than this many requests (or opens more connections) in a phase.
MAX_SENT = 20_000
#: Where the write bombs write (never a graph of the bundled data).
ATTACK_GRAPH = "http://attack.example/graph"
ACCORD = "https://w3id.org/accord/ontology#"


@dataclass(frozen=True)
class Target:
    """The server under attack, and the source address the attack connects from."""

    host: str
    port: int
    address: str
    token: str = ""
    write_max_bytes: int = 64 * MIB

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def at(self, address: str) -> Target:
        return Target(self.host, self.port, address, self.token, self.write_max_bytes)


@dataclass
class Tally:
    """What one attack sent (requests, or connections opened) and what came back:
    ``outcomes`` counts (what was sent, answer) pairs; an answer is the HTTP status,
    ``timeout``, the name of the transport error, or ``in flight at the end``."""

    sent: int = 0
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    unit: str = "sent"
    #: Set when the phase ends, before the attack's tasks are cancelled: every loop checks
    #: it too (Python 3.11's ``wait_for`` can swallow a cancellation that races with the
    #: end of what it waits for; a loop that missed one would run on for ever).
    stopping: bool = False
    held: int = 0  # connections open now
    peak_held: int = 0
    #: Seconds each connection was held until the server answered or closed it, by answer.
    held_for: dict[str, list[float]] = field(default_factory=dict)
    notes: dict[str, float] = field(default_factory=dict)

    def going(self) -> bool:
        return not self.stopping and self.sent < MAX_SENT

    def record(self, what: str, answer: str) -> None:
        self.outcomes[(what, answer)] += 1

    def opened(self) -> None:
        self.held += 1
        self.peak_held = max(self.peak_held, self.held)

    def answers(self) -> Counter[str]:
        out: Counter[str] = Counter()
        for (_, answer), n in self.outcomes.items():
            out[answer] += n
        return out

    def summary(self) -> str:
        """``1,234 sent: 429 ×1000, 503 ×200``, the commonest answers first."""
        answers = ", ".join(f"{a} ×{n:,}" for a, n in self.answers().most_common())
        held = f" (at most {self.peak_held:,} open at once)" if self.peak_held else ""
        return f"{self.sent:,} {self.unit}{held}" + (f": {answers}" if answers else "")

    def held_medians(self) -> str:
        """``408 after 10.0 s, 503 after 0.0 s`` (medians)."""
        return ", ".join(
            f"{answer} after {sorted(times)[len(times) // 2]:.1f} s"
            for answer, times in sorted(self.held_for.items())
        )


def answer_of(head: bytes) -> str:
    """The status of a raw HTTP answer (``431``), or ``closed`` for none."""
    if head.startswith(b"HTTP/"):
        parts = head.split(b" ", 2)
        if len(parts) > 1 and parts[1].isdigit():
            return parts[1].decode()
    return "closed" if not head else "garbage"


async def pause(seconds: float) -> None:
    await asyncio.sleep(max(0.0, seconds))


async def slots(coroutines: Iterable[Awaitable[None]]) -> None:
    """Run the attack's slots until cancelled (then cancel them all)."""
    tasks = [asyncio.ensure_future(c) for c in coroutines]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def http_client(t: Target, connections: int) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(
        local_address=t.address,
        retries=0,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )
    return httpx.AsyncClient(base_url=t.base, transport=transport, timeout=None)


async def fetch(
    http: httpx.AsyncClient,
    tally: Tally,
    what: str,
    method: str,
    url: str,
    timeout: float,
    **kw: Any,
) -> None:
    """One request, bounded in total by ``timeout``; its answer goes in ``tally``."""
    tally.sent += 1
    try:
        r = await asyncio.wait_for(http.request(method, url, **kw), timeout)
        answer = str(r.status_code)
    except TimeoutError:
        answer = "timeout"
    except httpx.HTTPError as exc:
        answer = type(exc).__name__
    except asyncio.CancelledError:
        tally.record(what, "in flight at the end")
        raise
    tally.record(what, answer)


# --- (1) runaway queries ------------------------------------------------------------------


async def runaway(t: Target, tally: Tally, *, in_flight: int = 6, timeout: float = 120.0) -> None:
    """Keep ``in_flight`` runaway queries (10^10-row cross joins) sent at once, each
    sent again as soon as it ends (at most 5 a second per slot: the refusals are quick)."""

    async def slot(http: httpx.AsyncClient) -> None:
        while tally.going():
            began = time.monotonic()
            data = {"query": RUNAWAY}
            headers = {"Accept": JSON}
            await fetch(
                http, tally, "runaway query", "POST", "/sparql", timeout, data=data, headers=headers
            )
            await pause(0.2 - (time.monotonic() - began))

    async with http_client(t, in_flight) as http:
        await slots(slot(http) for _ in range(in_flight))


# --- (2) slow connections -----------------------------------------------------------------


async def slow_connections(
    t: Target,
    tally: Tally,
    *,
    count: int,
    addresses: list[str],
    trickle: float = 4.0,
    reopen: float = 2.0,
) -> None:
    """``count`` connections spread over ``addresses``: half send half a request head
    and then one byte every ``trickle`` seconds (slowloris), half send nothing.  Each
    one closed by the server is opened again ``reopen`` seconds later (with jitter)."""

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, half: bool) -> str:
        if half:
            writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        while not tally.stopping:
            try:
                head = await asyncio.wait_for(reader.read(1024), trickle)
            except TimeoutError:
                if half:
                    writer.write(b"a")
                    await writer.drain()
                continue
            return answer_of(head)
        return "held at the end"

    tally.unit = "connections opened"

    async def one(i: int) -> None:
        address, half = addresses[i % len(addresses)], i % 2 == 0
        what = "half a head, trickled" if half else "idle"
        await pause(random.uniform(0, 0.5))  # not all in the same millisecond
        while tally.going():
            tally.sent += 1
            try:
                opening = asyncio.open_connection(t.host, t.port, local_addr=(address, 0))
                reader, writer = await asyncio.wait_for(opening, 10)
            except TimeoutError:
                tally.record(what, "connect timeout")
                await pause(reopen)
                continue
            except OSError as exc:
                tally.record(what, f"connect {type(exc).__name__}")
                await pause(reopen)
                continue
            tally.opened()
            began = time.monotonic()
            try:
                answer = await hold(reader, writer, half)
                tally.held_for.setdefault(answer, []).append(time.monotonic() - began)
            except (ConnectionError, OSError) as exc:
                answer = type(exc).__name__
            except asyncio.CancelledError:
                tally.record(what, "held at the end")
                raise
            finally:
                tally.held -= 1
                writer.close()
            tally.record(what, answer)
            await pause(reopen * random.uniform(0.75, 1.25))

    await slots(one(i) for i in range(count))


# --- (3) large headers --------------------------------------------------------------------


async def large_headers(
    t: Target, tally: Tally, *, parallel: int = 4, sizes_mb: tuple[int, ...] = (1, 5, 20, 50)
) -> None:
    """``parallel`` connections at a time, each sending a GET /health whose headers
    weigh 1-50 MB (8 KiB header lines), then reading the answer."""
    line = b"X-Pad: " + b"a" * (8192 - 9) + b"\r\n"
    chunk = line * 8  # 64 KiB

    async def send(size: int) -> tuple[str, float]:
        opening = asyncio.open_connection(t.host, t.port, local_addr=(t.address, 0))
        reader, writer = await asyncio.wait_for(opening, 10)
        answered = asyncio.ensure_future(reader.read(1024))
        sent = 0
        try:
            writer.write(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while sent < size and not answered.done():
                writer.write(chunk)
                sent += len(chunk)
                await asyncio.wait_for(writer.drain(), 30)
            if not answered.done():
                writer.write(b"\r\n")
                await writer.drain()
            head = await asyncio.wait_for(answered, 30)
            return answer_of(head), sent / MIB
        except (ConnectionError, OSError):
            if answered.done() and not answered.cancelled() and answered.exception() is None:
                return answer_of(answered.result()), sent / MIB
            return "reset", sent / MIB
        finally:
            answered.cancel()
            writer.close()

    async def one(i: int) -> None:
        k = i
        while tally.going():
            size = sizes_mb[k % len(sizes_mb)]
            k += parallel
            tally.sent += 1
            try:
                answer, mb = await send(size * MIB)
                key = f"most MB sent before a {answer}"
                tally.notes[key] = max(tally.notes.get(key, 0.0), mb)
            except TimeoutError:
                answer = "timeout"
            except OSError as exc:
                answer = type(exc).__name__
            tally.record(f"{size} MB of headers", answer)
            await pause(0.5)

    await slots(one(i) for i in range(parallel))


# --- (4) heavy pages ----------------------------------------------------------------------


def heavy_page(i: int) -> tuple[str, str, dict[str, str]]:
    """The ``i``-th page of the rotation: (label, path, headers).  The state page asks
    for a new date each time and the 404 for a new name: neither is served twice."""
    day = time.strftime("%Y-%m-%d", time.gmtime(1735689600 + (i // 5) * 86400))  # from 2025-01-01
    html = {"Accept": "text/html"}
    pages = [
        ("/commitments", "/commitments", html),
        ("/browse", "/browse", html),
        ("/id/SE.html?on=…", f"/id/SE.html?on={day}", html),
        ("/.well-known/void", "/.well-known/void", {"Accept": "text/turtle"}),
        ("404 under /id/", f"/id/no-such-thing-{i}", html),
    ]
    return pages[i % len(pages)]


async def heavy_pages(
    t: Target, tally: Tally, *, connections: int = 8, per_second: float = 5.0
) -> None:
    """``connections`` connections, each fetching the next heavy page at most
    ``per_second`` times a second (8 x 5 = 40 a second: twice the rate limit)."""
    counter = iter(range(MAX_SENT))

    async def slot(http: httpx.AsyncClient) -> None:
        for i in counter:
            if tally.stopping:
                return
            began = time.monotonic()
            what, path, headers = heavy_page(i)
            await fetch(http, tally, what, "GET", path, 30.0, headers=headers)
            await pause(1 / per_second - (time.monotonic() - began))

    async with http_client(t, connections) as http:
        await slots(slot(http) for _ in range(connections))


# --- (5) write bombs ----------------------------------------------------------------------


async def _oversized(size: int) -> AsyncIterator[bytes]:
    block = b" " * MIB
    for _ in range(size // MIB + 1):
        yield block


def write_bombs(t: Target) -> list[tuple[str, str, str, dict[str, str], Any]]:
    """(label, method, path, headers, body) of each write bomb, with the write token."""
    auth = {"Authorization": f"Bearer {t.token}"}
    gsp = f"/graph-store?graph={ATTACK_GRAPH}"
    deep = b'{"http://attack.example/p":' * 10_000 + b"\xff"  # 270 kB, then not UTF-8
    entity = b"<!DOCTYPE r [<!ENTITY a b" + b" " * 80_000  # no closing '>'
    # Every triple of every graph, three times over: 4,500^3 candidate rows, none kept
    # (the FILTER is never true), so it costs CPU and no memory.  (Over the store's own
    # default graph, empty here, the plain `?a ?p1 ?o1 . ?b ?p2 ?o2 . ?c ?p3 ?o3` form
    # would end at once: an update's WHERE does not read the union of the graphs.)
    cartesian = (
        "INSERT { ?a ?b ?c } WHERE { GRAPH ?g1 { ?a ?p1 ?o1 } GRAPH ?g2 { ?b ?p2 ?o2 } "
        'GRAPH ?g3 { ?c ?p3 ?o3 } FILTER(STR(?o1) = CONCAT(STR(?o2), STR(?o3), "#")) }'
    )
    invalid = f"<http://attack.example/x> a <{ACCORD}Commitment> .".encode()
    return [
        ("JSON-LD 10,000 deep + a byte not UTF-8", "PUT", gsp,
         {**auth, "Content-Type": "application/ld+json"}, deep),
        ("RDF/XML <!ENTITY without '>' + 80 kB", "PUT", gsp,
         {**auth, "Content-Type": "application/rdf+xml"}, entity),
        ("body over write_max_bytes (chunked)", "PUT", gsp,
         {**auth, "Content-Type": "text/turtle"}, lambda: _oversized(t.write_max_bytes)),
        ("data failing the shapes", "PUT", gsp, {**auth, "Content-Type": "text/turtle"}, invalid),
        ("cartesian SPARQL Update", "POST", "/sparql",
         {**auth, "Content-Type": "application/sparql-update"}, cartesian.encode()),
    ]  # fmt: skip


async def writes(t: Target, tally: Tally, *, in_flight: int = 2, timeout: float = 15.0) -> None:
    """``in_flight`` slots sending the write bombs in turn, each at most 2 a second."""
    bombs = write_bombs(t)
    counter = iter(range(MAX_SENT))

    async def slot(http: httpx.AsyncClient) -> None:
        for i in counter:
            if tally.stopping:
                return
            began = time.monotonic()
            what, method, path, headers, body = bombs[i % len(bombs)]
            content = body() if callable(body) else body
            await fetch(http, tally, what, method, path, timeout, headers=headers, content=content)
            await pause(0.5 - (time.monotonic() - began))

    async with http_client(t, in_flight) as http:
        await slots(slot(http) for _ in range(in_flight))
