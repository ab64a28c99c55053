"""The store side of writes: a change is planned without touching the data, applied in
one transaction with the very blank nodes it names, and an on-disk store that has taken
writes is the record from then on."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from accord.dataset import GraphFile
from accord.stores.base import Change
from accord.stores.oxigraph import OxigraphStore
from accord.writes.writer import WriteLog, read_log

G = "http://example.org/g"
EX = "http://example.org/"


@pytest.fixture
def files(tmp_path: Path) -> list[GraphFile]:
    path = tmp_path / "one.ttl"
    path.write_text(f"<{EX}a> <{EX}p> <{EX}b> .\n", encoding="utf-8")
    return [GraphFile(G, path)]


def release(store: OxigraphStore) -> None:
    """Drop the store so that RocksDB lets go of its lock."""
    del store._store


def test_planning_an_update_changes_nothing(files: list[GraphFile]) -> None:
    store = OxigraphStore(files)
    before = set(store.quads())
    change = store.plan_update(f"DELETE WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }} ; CLEAR DEFAULT")
    assert len(change.removed) == 1 and not change.added
    assert set(store.quads()) == before


def test_apply_writes_the_planned_blank_nodes_themselves(files: list[GraphFile]) -> None:
    store = OxigraphStore(files)
    change = store.plan_update(
        f"INSERT DATA {{ _:x <{EX}p> 1 . GRAPH <{EX}h> {{ _:y <{EX}q> 2 }} }}"
    )
    assert all(isinstance(q.subject, ox.BlankNode) for q in change.added)
    store.apply(change, "v2")
    assert set(change.added) <= set(store.quads())  # the same blank nodes, not fresh ones
    undo = Change(removed=change.added)
    store.apply(undo, "v3")
    assert not any(isinstance(q.subject, ox.BlankNode) for q in store.quads())
    assert store.version == "v3"


def test_apply_creates_and_drops_empty_graphs(files: list[GraphFile]) -> None:
    store = OxigraphStore(files)
    store.apply(store.plan_update(f"CREATE GRAPH <{EX}empty>"), "v2")
    assert store.has_graph(f"{EX}empty") and store.graph_quads(f"{EX}empty") == []
    store.apply(store.plan_update(f"DROP GRAPH <{G}>"), "v3")
    assert not store.has_graph(G) and store.graph_quads(G) == []


def test_a_written_store_is_not_reloaded_from_changed_files(
    tmp_path: Path, files: list[GraphFile]
) -> None:
    store = OxigraphStore(files, path=tmp_path / "db")
    store.apply(store.plan_update(f"INSERT DATA {{ <{EX}w> <{EX}p> 'written' }}"), "after-write")
    release(store)
    files[0].path.write_text(f"<{EX}other> <{EX}p> <{EX}c> .\n", encoding="utf-8")
    reopened = OxigraphStore(files, path=tmp_path / "db")
    quads = {str(q) for q in reopened.quads()}
    assert f'<{EX}w> <{EX}p> "written"' in quads  # without the marker's "writes": reloaded
    assert reopened.version == "after-write" and reopened.reused
    release(reopened)
    read_only = OxigraphStore(files, path=tmp_path / "db", read_only=True)
    assert read_only.version == "after-write"


def test_a_write_cut_short_is_named_by_its_pending_version(
    tmp_path: Path, files: list[GraphFile]
) -> None:
    store = OxigraphStore(files, path=tmp_path / "db")
    store.apply(store.plan_update(f"INSERT DATA {{ <{EX}w> <{EX}p> 1 }}"), "v1")
    release(store)
    marker_path = tmp_path / "db" / OxigraphStore.MARKER
    marker = json.loads(marker_path.read_text())
    assert (marker["version"], marker["pending"], marker["writes"]) == ("v1", None, 1)
    # What a crash between "pending" and the end of the commit leaves:
    marker_path.write_text(json.dumps(marker | {"pending": "v2"}))
    reopened = OxigraphStore(files, path=tmp_path / "db")
    assert reopened.version == "v2"
    assert json.loads(marker_path.read_text())["pending"] is None


def test_the_write_log_survives_a_line_cut_short(tmp_path: Path) -> None:
    path = tmp_path / "writes.jsonl"
    WriteLog(path).append({"n": 1})
    with path.open("a", encoding="utf-8") as f:
        f.write('{"n": 2, "cut sh')  # a crash in the middle of a line
    WriteLog(path).append({"n": 3})
    assert [e["n"] for e in read_log(path)] == [1, 3]


def test_a_first_write_cut_short_makes_the_store_the_record(
    tmp_path: Path, files: list[GraphFile]
) -> None:
    release(OxigraphStore(files, path=tmp_path / "db"))
    marker_path = tmp_path / "db" / OxigraphStore.MARKER
    marker = json.loads(marker_path.read_text())
    assert "writes" not in marker and "pending" not in marker  # never written
    # The first write crashed after its marker said "pending" (its commit may have landed):
    marker_path.write_text(json.dumps(marker | {"pending": "v1", "writes": 1}))
    files[0].path.write_text(f"<{EX}other> <{EX}p> <{EX}c> .\n", encoding="utf-8")
    reopened = OxigraphStore(files, path=tmp_path / "db")
    assert reopened.version == "v1"
    assert f"<{EX}a> <{EX}p> <{EX}b> <{G}>" in {str(q) for q in reopened.quads()}  # not reloaded


def test_a_read_only_open_racing_a_compaction_is_retried(
    tmp_path: Path, files: list[GraphFile], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a query worker met while the writer compacted: a table file listed, then
    deleted before it was opened."""
    release(OxigraphStore(files, path=tmp_path / "db"))
    real = ox.Store.read_only
    failures = ["Corruption: IO error: No such file or directory: 000013.sst"]

    def flaky(path: str) -> ox.Store:
        if failures:
            raise RuntimeError(failures.pop())
        return real(path)

    monkeypatch.setattr(ox.Store, "read_only", staticmethod(flaky))
    store = OxigraphStore(files, path=tmp_path / "db", read_only=True)
    assert not failures and len(list(store.quads())) == 1
