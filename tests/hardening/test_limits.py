"""Request limits: the body cap (413 before reading) and per-client rate limits (429 with
Retry-After); each shown off too."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi.testclient import TestClient

from accord.http.ratelimit import TokenBuckets, is_local

DIRECT = {"Content-Type": "application/sparql-query"}


def big_query(size: int) -> str:
    return "ASK {}" + " " * (size - 6)


def test_a_body_over_the_cap_is_413(client_for: Callable[..., TestClient]) -> None:
    client = client_for(max_request_bytes=1000)
    response = client.post("/sparql", content=big_query(2000), headers=DIRECT)
    assert response.status_code == 413
    assert "has 2000 bytes; this server accepts at most 1000 bytes" in response.text
    assert client.post("/sparql", content=big_query(900), headers=DIRECT).status_code == 200


def test_a_chunked_body_over_the_cap_is_413(client_for: Callable[..., TestClient]) -> None:
    client = client_for(max_request_bytes=1000)

    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b" " * 100

    response = client.post("/sparql", content=chunks(), headers=DIRECT)
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert "accepts at most 1000 bytes" in response.text


def test_without_the_cap_the_body_is_read(client_for: Callable[..., TestClient]) -> None:
    client = client_for(max_request_bytes=0)
    response = client.post("/sparql", content=big_query(2000), headers=DIRECT)
    assert response.status_code == 200


def test_a_client_over_its_rate_gets_429_with_retry_after(
    client_for: Callable[..., TestClient],
) -> None:
    client = client_for(rate_limit_per_second=0.01, rate_limit_burst=2, rate_limit_loopback=True)
    statuses = [client.get("/sparql", params={"query": "ASK {}"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get("/sparql", params={"query": "ASK {}"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert "more than 0.01 requests per second" in refused.text
    assert client.get("/health").status_code == 200, "operations are never limited"


def test_without_a_rate_limit_every_request_is_served(
    client_for: Callable[..., TestClient],
) -> None:
    off = client_for(rate_limit_per_second=0, rate_limit_burst=2, rate_limit_loopback=True)
    statuses = {off.get("/sparql", params={"query": "ASK {}"}).status_code for _ in range(5)}
    assert statuses == {200}
    # Local clients (here the in-process test client) are not limited by default.
    local = client_for(rate_limit_per_second=0.01, rate_limit_burst=2)
    statuses = {local.get("/sparql", params={"query": "ASK {}"}).status_code for _ in range(5)}
    assert statuses == {200}


def test_token_bucket_refills_at_the_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=2, clock=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a")] == [0.0, 0.0]
    assert buckets.take("a") == 0.5  # one token comes in half a second
    assert buckets.take("b") == 0.0, "each client has its own bucket"
    now[0] = 0.5
    assert buckets.take("a") == 0.0


def test_local_clients_are_recognised() -> None:
    assert is_local("127.0.0.1") and is_local("::1") and is_local("127.5.5.5")
    assert is_local(None) and is_local("testclient")
    assert not is_local("192.0.2.1") and not is_local("2001:db8::1")
