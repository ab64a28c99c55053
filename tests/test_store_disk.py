"""The on-disk Oxigraph store: reopened without re-parsing when it holds the dataset."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pyoxigraph as ox
import pytest

from accord.dataset import GraphFile, dataset_version
from accord.errors import DataLoadError
from accord.stores.oxigraph import OxigraphStore

G1 = "https://w3id.org/accord/graph/test/one"
G2 = "https://w3id.org/accord/graph/test/two"
PREFIX = "@prefix ex: <https://example.org/> .\n"


def write(path: Path, body: str) -> Path:
    path.write_text(PREFIX + body, encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path: Path) -> list[GraphFile]:
    one = write(tmp_path / "one.ttl", "ex:a ex:p ex:b .\nex:b ex:p ex:c .\n")
    two = write(tmp_path / "two.ttl", 'ex:c ex:label "c" .\n')
    return [GraphFile(G1, one), GraphFile(G2, two)]


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records every file that OxigraphStore parses."""
    seen: list[Path] = []
    original = OxigraphStore._load

    def spy(self: OxigraphStore, gf: GraphFile) -> None:
        seen.append(gf.path)
        original(self, gf)

    monkeypatch.setattr(OxigraphStore, "_load", spy)
    return seen


def count(store: OxigraphStore) -> int:
    rows = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(rows[0]["n"])


def release(store: OxigraphStore) -> None:
    """Drop the store so that RocksDB lets go of its lock."""
    del store._store


def test_first_open_loads_and_writes_the_marker(tmp_path: Path, files, loads) -> None:
    store = OxigraphStore(files, path=tmp_path / "db")
    assert loads == [f.path for f in files]
    assert not store.reused
    assert store.graph_sizes() == {G1: 2, G2: 1}
    marker = json.loads((tmp_path / "db" / OxigraphStore.MARKER).read_text())
    assert marker["version"] == dataset_version(files) == store.version
    assert marker["graphs"] == [G1, G2]


def test_reopening_the_same_dataset_parses_nothing(tmp_path: Path, files, loads) -> None:
    release(OxigraphStore(files, path=tmp_path / "db"))
    loads.clear()
    store = OxigraphStore(files, path=tmp_path / "db")
    assert loads == []
    assert store.reused
    assert store.version == dataset_version(files)
    assert count(store) == 3


def test_a_changed_file_replaces_the_old_data(tmp_path: Path, files, loads) -> None:
    release(OxigraphStore(files, path=tmp_path / "db"))
    write(files[0].path, "ex:x ex:p ex:y .\n")
    loads.clear()
    store = OxigraphStore(files, path=tmp_path / "db")
    assert loads == [f.path for f in files]
    assert not store.reused
    assert store.graph_sizes() == {G1: 1, G2: 1}
    assert not store.query("ASK { <https://example.org/a> ?p ?o }")
    assert store.version == dataset_version(files)


def test_a_touched_but_unchanged_file_is_not_reparsed(tmp_path: Path, files, loads) -> None:
    release(OxigraphStore(files, path=tmp_path / "db"))
    stat = files[0].path.stat()
    os.utime(files[0].path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    loads.clear()
    release(OxigraphStore(files, path=tmp_path / "db"))
    assert loads == []
    marker = json.loads((tmp_path / "db" / OxigraphStore.MARKER).read_text())
    assert [f[3] for f in marker["files"]][0] == stat.st_mtime_ns + 5_000_000_000


def test_other_graph_names_reload(tmp_path: Path, files, loads) -> None:
    release(OxigraphStore(files, path=tmp_path / "db"))
    renamed = [GraphFile(G1 + "-renamed", files[0].path), files[1]]
    loads.clear()
    store = OxigraphStore(renamed, path=tmp_path / "db")
    assert len(loads) == 2
    assert set(store.graph_sizes()) == {G1 + "-renamed", G2}


def test_read_only_stores_share_a_loaded_folder(tmp_path: Path, files) -> None:
    release(OxigraphStore(files, path=tmp_path / "db"))
    first = OxigraphStore(files, path=tmp_path / "db", read_only=True)
    second = OxigraphStore(files, path=tmp_path / "db", read_only=True)
    assert first.reused and second.reused
    assert count(first) == count(second) == 3


def test_read_only_refuses_a_store_without_the_dataset(tmp_path: Path, files) -> None:
    release(OxigraphStore(files[:1], path=tmp_path / "db"))
    with pytest.raises(DataLoadError, match="not version"):
        OxigraphStore(files, path=tmp_path / "db", read_only=True)


def test_foreign_data_is_not_wiped(tmp_path: Path, files) -> None:
    foreign = ox.Store(str(tmp_path / "db"))
    node = ox.NamedNode("https://example.org/mine")
    foreign.add(ox.Quad(node, node, node))
    foreign.flush()
    del foreign
    with pytest.raises(DataLoadError, match="did not load"):
        OxigraphStore(files, path=tmp_path / "db")
    assert len(ox.Store.read_only(str(tmp_path / "db"))) == 1


def test_a_load_cut_short_is_redone(tmp_path: Path, files, loads) -> None:
    broken = write(tmp_path / "broken.ttl", "ex:a ex:p .\n")
    with pytest.raises(DataLoadError, match="broken.ttl"):
        OxigraphStore([*files, GraphFile(G1 + "-broken", broken)], path=tmp_path / "db")
    loads.clear()
    store = OxigraphStore(files, path=tmp_path / "db")
    assert len(loads) == 2
    assert store.graph_sizes() == {G1: 2, G2: 1}


def test_the_bulk_loader_gives_the_same_graphs(
    tmp_path: Path, files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(OxigraphStore, "BULK_LOAD_BYTES", 0)
    on_disk = OxigraphStore(files, path=tmp_path / "db")
    in_memory = OxigraphStore(files)
    assert on_disk.graph_sizes() == in_memory.graph_sizes() == {G1: 2, G2: 1}


def test_the_bulk_loader_names_a_broken_file(
    tmp_path: Path, files, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(OxigraphStore, "BULK_LOAD_BYTES", 0)
    broken = write(tmp_path / "broken.ttl", "ex:a ex:p .\n")
    with pytest.raises(DataLoadError, match="broken.ttl"):
        OxigraphStore([GraphFile(G1, broken)], path=tmp_path / "db")


def test_a_path_that_is_a_file_is_a_clear_error(tmp_path: Path, files) -> None:
    not_a_folder = write(tmp_path / "store.ttl", "")
    with pytest.raises(DataLoadError, match="cannot open the on-disk store"):
        OxigraphStore(files, path=not_a_folder)
