"""Conditional Graph Store writes (accord.writes.preconditions): a client that read a
graph can write it back only if nobody changed it in between (412 otherwise), and
``If-None-Match: *`` creates a graph only once."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from accord.writes.writer import read_log
from tests.writes.conftest import EX, PEOPLE, PLACES

TTL = {"Content-Type": "text/turtle"}
ALICE = f"<{EX}alice> a <{EX}Person> ; <{EX}name> 'Alice' .".encode()
BOB = f"<{EX}bob> a <{EX}Person> ; <{EX}name> 'Bob' .".encode()


def read(client: TestClient, graph: str, accept: str = "text/turtle") -> tuple[str, str]:
    r = client.get("/graph-store", params={"graph": graph}, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    return r.headers["etag"], r.text


def test_two_clients_that_read_the_same_graph_cannot_overwrite_each_other(
    client: TestClient, tmp_path: Path
) -> None:
    etag, _ = read(client, PEOPLE)
    first = client.put(
        "/graph-store", params={"graph": PEOPLE}, content=ALICE, headers=TTL | {"If-Match": etag}
    )
    assert first.status_code == 204, first.text
    assert first.headers["etag"] != etag
    # The second client read the same version, and would silently undo the first's write.
    second = client.put(
        "/graph-store", params={"graph": PEOPLE}, content=BOB, headers=TTL | {"If-Match": etag}
    )
    assert second.status_code == 412, second.text
    assert "has changed since that ETag was read" in second.text
    _, text = read(client, PEOPLE, "application/n-triples")
    assert "alice" in text and "bob" not in text
    entry = read_log(tmp_path / "writes.jsonl")[-1]
    assert (entry["outcome"], entry["status"]) == ("refused", 412)
    # With the ETag the first write answered, the second client's retry goes through.
    retry = client.put(
        "/graph-store",
        params={"graph": PEOPLE},
        content=BOB,
        headers=TTL | {"If-Match": first.headers["etag"]},
    )
    assert retry.status_code == 204, retry.text


def test_the_tag_names_the_graphs_content_whatever_the_format_or_the_other_graphs(
    client: TestClient,
) -> None:
    as_turtle, _ = read(client, PEOPLE)
    as_ntriples, _ = read(client, PEOPLE, "application/n-triples")
    assert as_turtle != as_ntriples  # two representations, two ETags
    other = client.post("/graph-store", params={"graph": PLACES}, content=BOB, headers=TTL)
    assert other.status_code == 204
    assert read(client, PEOPLE)[0] == as_turtle  # a write elsewhere changes nothing here
    # A tag read as N-Triples is good for a write in Turtle.
    ok = client.post(
        "/graph-store",
        params={"graph": PEOPLE},
        content=ALICE,
        headers=TTL | {"If-Match": as_ntriples},
    )
    assert ok.status_code == 204, ok.text


def test_a_weak_tag_or_a_missing_graph_fails_if_match(client: TestClient) -> None:
    etag, _ = read(client, PEOPLE)
    weak = client.delete(
        "/graph-store", params={"graph": PEOPLE}, headers={"If-Match": "W/" + etag}
    )
    assert weak.status_code == 412
    missing = client.put(
        "/graph-store",
        params={"graph": f"{EX}none"},
        content=ALICE,
        headers=TTL | {"If-Match": "*"},
    )
    assert missing.status_code == 412
    assert client.get("/graph-store", params={"graph": f"{EX}none"}).status_code == 404
    deleted = client.delete("/graph-store", params={"graph": PEOPLE}, headers={"If-Match": etag})
    assert deleted.status_code == 204


def test_if_none_match_star_creates_a_graph_only_once(client: TestClient) -> None:
    new = f"{EX}created"
    once = client.put(
        "/graph-store", params={"graph": new}, content=ALICE, headers=TTL | {"If-None-Match": "*"}
    )
    assert once.status_code == 201, once.text
    twice = client.put(
        "/graph-store", params={"graph": new}, content=BOB, headers=TTL | {"If-None-Match": "*"}
    )
    assert twice.status_code == 412 and "already exists" in twice.text
    assert "alice" in read(client, new, "application/n-triples")[1]


def test_a_get_with_the_current_tag_is_304(client: TestClient) -> None:
    etag, _ = read(client, PEOPLE)
    again = client.get(
        "/graph-store",
        params={"graph": PEOPLE},
        headers={"Accept": "text/turtle", "If-None-Match": etag},
    )
    assert again.status_code == 304 and again.headers["etag"] == etag and not again.content
    other_format = client.get(
        "/graph-store",
        params={"graph": PEOPLE},
        headers={"Accept": "application/n-triples", "If-None-Match": etag},
    )
    assert other_format.status_code == 200
