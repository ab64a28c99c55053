"""The guard's in-memory data graph stays exactly what a rebuild from the store gives,
through committed, refused and failed writes."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.writes.validation import Guard
from accord.writes.writer import Writer
from tests.writes.conftest import AUTH, EX, update


def rebuilt(guard: Guard) -> set[object]:
    fresh = Guard(guard.store, guard.shapes, guard.ontology, guard.protected)
    return set(fresh.data())


def writer(app: FastAPI) -> Writer:
    return app.state.services.writer  # type: ignore[no-any-return]


def test_the_data_graph_follows_every_kind_of_write(app: FastAPI) -> None:
    client = TestClient(app, headers=AUTH)
    guard = writer(app).guard
    steps = [
        f"INSERT DATA {{ <{EX}e> a <{EX}Employee> ; <{EX}name> 'E' }}",
        f"INSERT DATA {{ <{EX}f> a <{EX}Employee> }}",  # refused
        f"INSERT DATA {{ GRAPH <{EX}g> {{ _:b <{EX}p> 1 }} }}",
        f"DELETE WHERE {{ GRAPH <{EX}g> {{ ?s <{EX}p> 1 }} }}",
        "CLEAR DEFAULT",
    ]
    for text in steps:
        update(client, text)
        assert set(guard.data()) == rebuilt(guard), text


def test_a_triple_held_by_two_graphs_stays_while_one_holds_it(app: FastAPI) -> None:
    client = TestClient(app, headers=AUTH)
    both = f"<{EX}e> a <{EX}Employee> ; <{EX}name> 'E'"
    r = update(client, f"INSERT DATA {{ GRAPH <{EX}g1> {{ {both} }} GRAPH <{EX}g2> {{ {both} }} }}")
    assert r.status_code == 200
    # The name is still in g2: the employee still conforms.
    r = client.delete("/graph-store", params={"graph": f"{EX}g1"})
    assert r.status_code == 204, r.text
    assert set(writer(app).guard.data()) == rebuilt(writer(app).guard)
    r = update(client, f"DELETE DATA {{ GRAPH <{EX}g2> {{ <{EX}e> <{EX}name> 'E' }} }}")
    assert r.status_code == 422


def test_a_failed_commit_takes_the_change_back(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(app, headers=AUTH, raise_server_exceptions=False)
    guard = writer(app).guard
    guard.data()

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(writer(app).store, "apply", broken)
    r = update(client, f"INSERT DATA {{ <{EX}e> a <{EX}Employee> ; <{EX}name> 'E' }}")
    assert r.status_code == 500
    assert set(guard.data()) == rebuilt(guard)


def test_the_ontology_and_shapes_graphs_are_not_data(make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.writes.conftest import SHAPES

    app = make_app(paths=[SHAPES])
    guard = writer(app).guard
    assert guard.protected and not any(
        str(s).startswith(EX) and "Shape" in str(s) for s, _, _ in guard.data()
    )
