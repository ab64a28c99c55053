"""Connection limits (accord.http.connections): a real ``accord serve`` on 127.0.0.1,
spoken to over raw sockets. Headers over the limit are 431 (414 for the request line);
a connection that sends nothing or half a head, an idle kept-alive connection and a
stalled body are closed; one connection over the cap per client, or in total, is
answered 503 and closed; and a well-behaved request on a fresh connection is answered
200 throughout. The timeouts are 1 s here; ``GUARD`` only tells "closed" from "still
open", it is not a timing."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.http import connections
from accord.http.connections import ConnectionCounts, Limits, within_fd_limit
from tests.conftest import FIXTURE_DATA, accord_process, wait_until

#: Seconds a test waits for what a 1 s timeout should do by then.
GUARD = 10.0
ASK = (
    b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Accept: application/sparql-results+json\r\n\r\n"
)
HEALTH = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
LIMIT = 64 * 1024  # max_header_bytes, the default


@pytest.fixture(scope="module")
def timeouts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a server whose header, keep-alive and body timeouts are 1 s."""
    env = {
        "ACCORD_QUERY_WORKERS": "1",
        "ACCORD_HEADER_TIMEOUT": "1",
        "ACCORD_KEEP_ALIVE_TIMEOUT": "1",
        "ACCORD_BODY_TIMEOUT": "1",
    }
    with accord_process([str(FIXTURE_DATA)], env, tmp_path_factory.mktemp("logs")) as (_, port):
        yield port


@pytest.fixture(scope="module")
def caps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a server that allows 3 connections per client (loopback included)
    and 5 in total, and keeps idle connections for a minute."""
    env = {
        "ACCORD_QUERY_WORKERS": "1",
        "ACCORD_MAX_CONNECTIONS_PER_CLIENT": "3",
        "ACCORD_MAX_CONNECTIONS": "5",
        "ACCORD_RATE_LIMIT_LOOPBACK": "true",
        "ACCORD_KEEP_ALIVE_TIMEOUT": "60",
        "ACCORD_HEADER_TIMEOUT": "60",
    }
    with accord_process([str(FIXTURE_DATA)], env, tmp_path_factory.mktemp("logs")) as (_, port):
        yield port


def connect(port: int, source: str = "127.0.0.1") -> socket.socket:
    """A connection from ``source`` (any 127.x.y.z is a client of its own)."""
    return socket.create_connection(("127.0.0.1", port), timeout=GUARD, source_address=(source, 0))


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The next response on ``sock``: status, headers (lower-case names), body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed before a response: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    length = int(headers["content-length"])
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the connection closed within a response"
        body += chunk
    return int(lines[0].split()[1]), headers, body[:length]


def until_closed(sock: socket.socket) -> bytes:
    """What the server still sends before it closes the connection; fails if it is
    still open after GUARD seconds."""
    sock.settimeout(GUARD)
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except TimeoutError:
        pytest.fail(f"the connection is still open after {GUARD:g} s (it sent {data!r})")
    except ConnectionResetError:
        pass
    return data


def served(port: int, source: str = "127.0.0.1") -> bool:
    """Whether a fresh connection's ASK is answered 200."""
    with connect(port, source) as sock:
        sock.sendall(ASK)
        status, _, _ = read_response(sock)
        return status == 200


def hold(port: int, source: str, count: int) -> list[socket.socket]:
    """``count`` kept-alive connections from ``source``, each of which has been answered
    once (so the server counts it); a connection that finds the count still holding a
    previous test's connection is tried again."""
    held: list[socket.socket] = []

    def one() -> bool:
        sock = connect(port, source)
        sock.sendall(HEALTH)
        try:
            status, _, _ = read_response(sock)
        except (AssertionError, ConnectionResetError):
            status = 0
        if status == 200:
            held.append(sock)
            return True
        sock.close()
        time.sleep(0.1)
        return False

    for _ in range(count):
        assert wait_until(one, GUARD), f"{source} could not open {count} connections"
    return held


# The size of a request head.


def test_a_request_on_a_fresh_connection_is_answered_and_the_connection_kept(
    timeouts: int,
) -> None:
    with connect(timeouts) as sock:
        for _ in range(3):
            sock.sendall(ASK)
            status, _, body = read_response(sock)
            assert status == 200 and b'"boolean"' in body


@pytest.mark.parametrize("sent", ["whole", "in pieces"])
def test_headers_over_the_limit_are_431_and_the_connection_closed(timeouts: int, sent: str) -> None:
    # Whole: the head arrives complete in one read, which h11 never checks; in pieces:
    # h11's buffer of an incomplete head overflows (uvicorn alone answers that 400).
    padding = [f"X-Pad-{i}: {'a' * 8000}\r\n".encode() for i in range(12)]  # 96 kB
    with connect(timeouts) as sock:
        sock.sendall(ASK.removesuffix(b"\r\n"))
        if sent == "whole":
            sock.sendall(b"".join(padding) + b"\r\n")
        else:
            for line in padding:
                sock.sendall(line)
                time.sleep(0.02)
        status, headers, body = read_response(sock)
        assert status == 431
        assert headers["connection"] == "close"
        assert f"longer than {LIMIT} bytes, this server's limit" in body.decode()
        until_closed(sock)
    assert served(timeouts)


def test_a_request_line_over_the_limit_is_414(timeouts: int) -> None:
    with connect(timeouts) as sock:
        sock.sendall(ASK.replace(b"ASK%7B%7D", b"ASK%7B%7D" + b"%20" * 30_000))
        status, _, body = read_response(sock)
        assert status == 414
        assert "send a long query with POST" in body.decode()
        until_closed(sock)
    assert served(timeouts)


# Timeouts.


def test_a_connection_that_sends_nothing_is_closed(timeouts: int) -> None:
    # 1,100 of these used to hold 1,100 file descriptors for ever.
    with connect(timeouts) as sock:
        assert until_closed(sock) == b"", "nothing to answer: closed without a word"
    assert served(timeouts)


@pytest.mark.parametrize("pace", ["stalled", "trickled"])
def test_a_half_sent_head_is_408_and_the_connection_closed(timeouts: int, pace: str) -> None:
    # Slowloris: a head that never ends, sent at once or a byte at a time (each byte
    # restarts no clock: the head must be complete within 1 s of the opening).
    with connect(timeouts) as sock:
        sock.sendall(ASK[:40])
        if pace == "trickled":
            sock.settimeout(0.2)
            deadline = time.monotonic() + GUARD
            while time.monotonic() < deadline:
                try:
                    if sock.recv(65536, socket.MSG_PEEK):
                        break
                except TimeoutError:
                    sock.sendall(b"X")
        status, _, body = read_response(sock)
        assert status == 408
        assert "no complete request head within 1 s" in body.decode()
        until_closed(sock)
    assert served(timeouts)


def test_an_idle_kept_alive_connection_is_closed(timeouts: int) -> None:
    with connect(timeouts) as sock:
        sock.sendall(ASK)
        assert read_response(sock)[0] == 200
        assert until_closed(sock) == b""
    assert served(timeouts)


def test_a_stalled_body_is_408_and_the_connection_closed(timeouts: int) -> None:
    with connect(timeouts) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/sparql-query\r\nContent-Length: 20\r\n\r\nASK {"
        )
        status, _, body = read_response(sock)
        assert status == 408
        assert "the request body stalled for more than 1 s" in body.decode()
        until_closed(sock)
    assert served(timeouts)


def test_a_slow_body_that_keeps_coming_is_answered(timeouts: int) -> None:
    # The body timeout is a limit on each stall, not on the whole body: 6 bytes, one
    # every 0.4 s, take longer than the 1 s timeout and are still read.
    with connect(timeouts) as sock:
        sock.sendall(
            b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Accept: application/sparql-results+json\r\n"
            b"Content-Type: application/sparql-query\r\nContent-Length: 6\r\n\r\n"
        )
        for byte in b"ASK {}":
            time.sleep(0.4)
            sock.sendall(bytes([byte]))
        assert read_response(sock)[0] == 200


# Connections per client and in total.


def test_a_connection_over_the_per_client_cap_is_503_and_closed(caps: int) -> None:
    held = hold(caps, "127.0.0.2", 3)
    try:
        with connect(caps, "127.0.0.2") as extra:
            status, headers, body = read_response(extra)
            assert status == 503
            assert int(headers["retry-after"]) >= 1
            assert "127.0.0.2 has 3 connections open" in body.decode()
            assert until_closed(extra) == b""
        assert served(caps, "127.0.0.3"), "another client is served meanwhile"
    finally:
        for sock in held:
            sock.close()
    # Once the client's connections have closed, it is served again.
    assert wait_until(lambda: served(caps, "127.0.0.2"), GUARD)


#: A request whose body is still to come: its connection has a request in flight.
UNFINISHED = (
    b"POST /sparql HTTP/1.1\r\nHost: accord.test\r\n"
    b"Content-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK"
)


def test_at_the_total_cap_a_connection_waiting_for_a_head_makes_room(caps: int) -> None:
    # Slow connections from 16 addresses (under the per-client cap each) filled the
    # total and locked everyone out until their header timeout (benchmarks/ATTACK.md).
    # Now a newcomer takes the place of one that is only waiting: of the client holding
    # the most connections, the oldest.
    held = hold(caps, "127.0.0.4", 3) + hold(caps, "127.0.0.5", 2)
    try:
        assert served(caps, "127.0.0.6")
        assert until_closed(held[0]) == b""  # 127.0.0.4's oldest
        for sock in held[1:]:  # the others are still open and answered
            sock.sendall(HEALTH)
            assert read_response(sock)[0] == 200
    finally:
        for sock in held:
            sock.close()


def test_a_connection_over_the_total_cap_is_503_and_closed(caps: int) -> None:
    # Every connection has a request in flight (its body still to come): none gives way.
    held = hold(caps, "127.0.0.4", 3) + hold(caps, "127.0.0.5", 2)
    for sock in held:
        sock.sendall(UNFINISHED)
    try:
        with connect(caps, "127.0.0.6") as extra:
            status, headers, body = read_response(extra)
            assert status == 503
            assert int(headers["retry-after"]) >= 1
            assert "this server has 5 connections open" in body.decode()
            assert until_closed(extra) == b""
    finally:
        for sock in held:
            sock.close()
    assert wait_until(lambda: served(caps, "127.0.0.6"), GUARD)


def test_several_server_processes_apply_the_limits(tmp_path: Path) -> None:
    # ``accord serve --workers 2`` hands the limits to uvicorn's processes (pickled).
    args = [str(FIXTURE_DATA), "--store", str(tmp_path / "store"), "--workers", "2"]
    env = {"ACCORD_QUERY_WORKERS": "1", "ACCORD_HEADER_TIMEOUT": "1"}
    with accord_process(args, env, tmp_path) as (_, port):
        for _ in range(2):
            with connect(port) as sock:
                assert until_closed(sock) == b""
            with connect(port) as sock:
                sock.sendall(ASK.removesuffix(b"\r\n") + b"X-Pad: " + b"a" * LIMIT + b"\r\n\r\n")
                assert read_response(sock)[0] == 431
        assert served(port)


# The parts.


def limits(per_client: int, total: int) -> Limits:
    return Limits(LIMIT, 10.0, 5.0, 30.0, per_client, total, limit_local=False)


def test_counts_refuse_over_either_cap_and_forget_a_client_with_no_connection() -> None:
    counts = ConnectionCounts(limits(per_client=2, total=3))
    assert counts.admit("a") is None and counts.admit("a") is None
    assert "a has 2 connections open" in str(counts.admit("a"))
    assert counts.admit(None) is None  # a local peer: only the total
    assert "this server has 3 connections open" in str(counts.admit("b"))
    counts.release("a")
    counts.release("a")
    assert counts.held("a") == 0 and counts.open == 1
    assert counts.admit("b") is None
    off = ConnectionCounts(limits(per_client=0, total=0))
    assert all(off.admit("a") is None for _ in range(100))


def test_the_total_is_kept_under_the_file_descriptor_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(connections.resource, "getrlimit", lambda _: (1024, 4096))
    assert within_fd_limit(1000) == 1024 - connections.FD_RESERVE
    assert within_fd_limit(500) == 500
    assert within_fd_limit(0) == 0, "no limit stays no limit"
