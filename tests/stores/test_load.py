"""``accord load`` against each external store: idempotent, and a failed load leaves the
previous version in place or says exactly what it left.

Each test publishes its own small dataset under its own graph, release and union IRIs,
so it never touches the bundled dataset the other store tests read."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord import cli
from accord.dataset import GraphFile, graph_files
from accord.errors import DataLoadError, StoreError
from accord.settings import get_settings
from accord.stores.load import publish, published_release, staging_graph, triple_counts
from accord.stores.remote import RemoteStore
from tests.stores.conftest import Backend


class Dataset:
    """Two small files, ``a`` and ``b``, under test-only graph IRIs."""

    def __init__(self, folder: Path, backend: Backend) -> None:
        self.id = f"urn:accord:test:{uuid.uuid4().hex[:8]}"
        self.folder = folder
        self.backend = backend
        self.release = f"{self.id}:release"
        self.union = f"{self.id}:union"
        self.versions: set[str] = set()

    def graph(self, name: str) -> str:
        return f"{self.id}:{name}"

    def write(self, version: str, names: tuple[str, ...] = ("a", "b")) -> RemoteStore:
        """Write the files of ``version`` and give a store that serves them."""
        named = {}
        for name in names:
            path = self.folder / version / f"{name}.ttl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                f'<urn:{name}> <urn:p> "{version}" .\n<urn:{name}> <urn:q> [ <urn:r> "{version}" ] .\n'
            )
            named[self.graph(name)] = path
        store = self.backend.remote_store(graph_files([], named))
        self.versions.add(store.version)
        return store

    def publish(self, store: RemoteStore):  # type: ignore[no-untyped-def]
        return publish(store, release=self.release, union=self.union)

    def values(self, store: RemoteStore) -> dict[str, str]:
        """Which version each graph holds (read through its own named graph)."""
        rows = store.select("SELECT ?g ?o WHERE { GRAPH ?g { ?s <urn:p> ?o } }")
        return {str(r["g"]).rsplit(":", 1)[1]: str(r["o"]) for r in rows}


def staged(store: RemoteStore, version: str | None = None) -> dict[str, int]:
    """The staging graphs of ``version`` (default: the store's) that hold triples."""
    version = version or store.version
    names = [staging_graph(version, n) for n in range(len(store.graphs) + 2)]
    return {g: n for g, n in triple_counts(store, names).items() if n}


@pytest.fixture
def dataset(tmp_path: Path, remote: Backend) -> Iterator[Dataset]:
    """A test dataset; its graphs, and staging graphs it left, are deleted afterwards."""
    found = Dataset(tmp_path, remote)
    yield found
    cleaner = remote.remote_store([])
    graphs = [found.graph(n) for n in ("a", "b", "bad")] + [found.release, found.union]
    graphs += [staging_graph(v, n) for v in found.versions for n in range(4)]
    for graph in graphs:
        cleaner.delete_graph(graph)
    cleaner.close()


def test_loading_the_same_files_again_changes_nothing(remote: Backend) -> None:
    store: RemoteStore = remote.store  # type: ignore[assignment]
    before = store.graph_sizes()
    report = publish(store)
    assert report.ok, report.message
    assert store.graph_sizes() == before
    assert not staged(store)
    assert published_release(store) == (store.version, sorted(before))


def test_graph_counts_match_the_files_and_the_union(dataset: Dataset) -> None:
    store = dataset.write("v1")
    report = dataset.publish(store)
    assert report.ok, report.message
    # Three triples per file; the union holds both files' (blank nodes kept apart).
    assert triple_counts(store, [dataset.graph("a"), dataset.graph("b"), dataset.union]) == {
        dataset.graph("a"): 3,
        dataset.graph("b"): 3,
        dataset.union: 6,
    }
    assert dataset.values(store) == {"a": "v1", "b": "v1"}
    assert published_release(store, dataset.release) == (store.version, store.graphs)


class FailingPut(RemoteStore):
    """A store whose Graph Store Protocol PUT fails for the n-th graph staged."""

    fail_at = 1

    def put_graph(self, graph: str, ntriples: bytes) -> None:
        if graph.endswith(f":{self.fail_at}"):
            raise StoreError("the store ran out of disk (simulated)")
        super().put_graph(graph, ntriples)


def test_a_failed_staging_leaves_the_previous_version(dataset: Dataset) -> None:
    assert dataset.publish(dataset.write("v1")).ok
    v2 = dataset.write("v2")
    failing = rebuilt(FailingPut, v2, dataset.backend)
    report = dataset.publish(failing)
    assert not report.ok
    assert report.message.startswith(f"nothing published: staging {dataset.graph('b')} failed")
    assert "still holds its previous version" in report.message
    assert [g.status for g in report.graphs] == ["unstaged", "failed", "not staged"]
    assert dataset.values(v2) == {"a": "v1", "b": "v1"}
    assert published_release(v2, dataset.release)[0] != v2.version
    assert not staged(v2)


class FailingUpdate(RemoteStore):
    """A store whose publishing update runs only its first ``ops`` operations, then fails
    (as a store without transactions would, part way)."""

    ops = 0

    def update(self, sparql: str) -> None:
        done = sparql.split(" ;\n")[: self.ops]
        if done:
            super().update(" ;\n".join(done))
        raise StoreError("the connection broke (simulated)")


def rebuilt(cls: type[RemoteStore], store: RemoteStore, backend: Backend) -> RemoteStore:
    """``store`` as an instance of the failing subclass ``cls``."""
    settings = backend.settings
    assert settings is not None
    password = settings.store_password.get_secret_value() if settings.store_password else None
    return cls(store.endpoints, store.files, user=settings.store_user, password=password)


def failing_update(store: RemoteStore, backend: Backend, ops: int) -> RemoteStore:
    failing = rebuilt(FailingUpdate, store, backend)
    failing.ops = ops  # type: ignore[attr-defined]
    return failing


def test_a_failed_publication_changes_nothing_and_says_so(dataset: Dataset) -> None:
    assert dataset.publish(dataset.write("v1")).ok
    v2 = dataset.write("v2")
    report = dataset.publish(failing_update(v2, dataset.backend, ops=0))
    assert not report.ok
    assert "No graph was changed" in report.message
    assert [g.status for g in report.graphs] == ["still staged"] * 3
    assert dataset.values(v2) == {"a": "v1", "b": "v1"}
    # The next load finishes the job and clears the staging graphs.
    assert dataset.publish(v2).ok
    assert dataset.values(v2) == {"a": "v2", "b": "v2"}
    assert not staged(v2)


def test_a_publication_that_fails_part_way_lists_each_graph(dataset: Dataset) -> None:
    assert dataset.publish(dataset.write("v1")).ok
    v2 = dataset.write("v2")
    report = dataset.publish(failing_update(v2, dataset.backend, ops=1))
    assert not report.ok
    assert f"Published anyway: {dataset.graph('a')}." in report.message
    assert [g.status for g in report.graphs] == ["published", "still staged", "still staged"]
    assert report.graphs[1].detail == f"new content in {report.graphs[1].staging}"
    assert dataset.values(v2) == {"a": "v2", "b": "v1"}


def test_graphs_no_longer_in_the_dataset_are_dropped(dataset: Dataset) -> None:
    assert dataset.publish(dataset.write("v1")).ok
    v2 = dataset.write("v2", names=("a",))
    report = dataset.publish(v2)
    assert report.ok, report.message
    assert report.dropped == [dataset.graph("b")]
    assert triple_counts(v2, [dataset.graph("b")]) == {dataset.graph("b"): 0}
    assert dataset.values(v2) == {"a": "v2"}


def test_a_file_that_does_not_parse_stops_before_the_store_is_touched(
    dataset: Dataset, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("<urn:a> <urn:p> .\n")
    store = dataset.backend.remote_store([GraphFile(dataset.graph("bad"), bad)])
    with pytest.raises(DataLoadError, match="bad.ttl"):
        dataset.publish(store)
    assert triple_counts(store, [dataset.graph("bad")]) == {dataset.graph("bad"): 0}


def test_accord_load_command(
    remote: Backend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``accord load --store URL`` republishes the bundled dataset (idempotent)."""
    settings = remote.settings
    assert settings is not None
    if settings.store_user:
        monkeypatch.setenv("ACCORD_STORE_USER", settings.store_user)
        monkeypatch.setenv("ACCORD_STORE_PASSWORD", settings.store_password.get_secret_value())  # type: ignore[union-attr]
    get_settings.cache_clear()
    try:
        status = cli.main(["load", "--store", remote.url])
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr()
    assert status == 0, out.err
    published = [line for line in out.out.splitlines() if line.startswith("  published ")]
    assert len(published) == len(remote.store.graph_sizes()) + 1  # and the union graph
    assert f"version {remote.store.version} published" in out.out


def test_accord_load_without_a_store_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["load", "--store", "http://not-a-sparql-url/"]) == 2
    assert "sparql+http" in capsys.readouterr().err


def test_accord_load_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["load", "--help"])
    assert exited.value.code == 0
    assert "--store" in capsys.readouterr().out
