"""Backends for the store tests: the embedded Oxigraph store, an Oxigraph server and
Virtuoso 7, the last two started by ``.ci/stores.sh start``.

The servers' URLs are read from the JSON file ``$ACCORD_TEST_STORES_FILE`` (default
``/tmp/accord-stores/stores.json``) that ``.ci/stores.sh`` writes.  A backend that is
not running is skipped with the reason, unless ``ACCORD_REQUIRE_STORES=1`` (CI), where
it fails.  Each remote backend gets the bundled dataset published once per session
(``accord load``'s code) before its tests run.  Under pytest-xdist the workers hold the
stores in turn, one test at a time (``one_at_a_time``).
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from accord.dataset import GraphFile, graph_files
from accord.settings import Settings, bundled_paths
from accord.stores.base import Store
from accord.stores.load import publish
from accord.stores.oxigraph import OxigraphStore
from accord.stores.remote import RemoteStore

REMOTES = ["oxigraph-server", "virtuoso"]
BACKENDS = ["oxigraph-embedded", *REMOTES]
DEFAULT_STORES_FILE = Path("/tmp/accord-stores/stores.json")


@dataclass
class Backend:
    name: str
    store: Store
    #: The store URL (``sparql+http://...``) and the settings to reach it; empty for
    #: the embedded store.
    url: str = ""
    settings: Settings | None = None

    def remote_store(self, files: list[GraphFile]) -> RemoteStore:
        """Another RemoteStore on the same server, serving ``files``."""
        assert self.settings is not None
        return RemoteStore.from_url(self.url, files, self.settings)


#: Held by whoever uses the external stores: under pytest-xdist, the workers take turns.
LOCK = Path(tempfile.gettempdir()) / "accord-external-stores-tests.lock"


@contextmanager
def one_at_a_time() -> Iterator[None]:
    """Hold the external stores alone.  Each worker publishes the bundled dataset (the
    same version, hence the same staging graphs), and some tests publish it again or
    publish test datasets: a test reading the stores while another worker publishes
    found its graphs emptied half way."""
    with open(LOCK, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(autouse=True)
def _stores_held() -> Iterator[None]:
    """Every test of tests/stores holds the stores for its duration (the session's
    publication is done before: session fixtures are set up before this one)."""
    with one_at_a_time():
        yield


def stores_file() -> Path:
    return Path(os.environ.get("ACCORD_TEST_STORES_FILE") or DEFAULT_STORES_FILE)


def unavailable(reason: str) -> None:
    """Skip, or fail when the stores are required (CI)."""
    if os.environ.get("ACCORD_REQUIRE_STORES") == "1":
        pytest.fail(f"ACCORD_REQUIRE_STORES=1 but {reason}")
    pytest.skip(f"{reason} (start it with: bash .ci/stores.sh start)")


def remote_settings(name: str) -> Settings:
    """Settings reaching the running server ``name``, or skip/fail if it is not up."""
    path = stores_file()
    if not path.exists():
        unavailable(f"no external stores are running ({path} absent)")
    entry = json.loads(path.read_text()).get(name)
    if not entry:
        unavailable(f"{name} is not in {path}")
    url = entry["url"]
    try:
        httpx.get(url.removeprefix("sparql+"), params={"query": "ASK {}"}, timeout=5)
    except httpx.HTTPError as exc:
        unavailable(f"{name} does not answer at {url}: {exc}")
    return Settings(store=url, store_user=entry.get("user"), store_password=entry.get("password"))


@pytest.fixture(scope="session")
def bundled_files() -> list[GraphFile]:
    return graph_files(bundled_paths())


@pytest.fixture(scope="session")
def embedded(bundled_files: list[GraphFile]) -> OxigraphStore:
    """The reference: the embedded store over the bundled dataset."""
    return OxigraphStore(bundled_files)


class Backends:
    """The backends, each built (and for a remote one, loaded) once per session."""

    def __init__(self, files: list[GraphFile], embedded: OxigraphStore) -> None:
        self.files = files
        self.embedded = embedded
        self.built: dict[str, Backend] = {}

    def get(self, name: str) -> Backend:
        if name not in self.built:
            self.built[name] = self._build(name)
        return self.built[name]

    def _build(self, name: str) -> Backend:
        if name == "oxigraph-embedded":
            return Backend(name, self.embedded)
        settings = remote_settings(name)
        store = RemoteStore.from_url(settings.store, self.files, settings)
        with one_at_a_time():
            report = publish(store)
        assert report.ok, report.message
        return Backend(name, store, settings.store, settings)

    def close(self) -> None:
        for backend in self.built.values():
            if isinstance(backend.store, RemoteStore):
                backend.store.close()


@pytest.fixture(scope="session")
def backends(bundled_files: list[GraphFile], embedded: OxigraphStore) -> Iterator[Backends]:
    found = Backends(bundled_files, embedded)
    yield found
    found.close()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest, backends: Backends) -> Backend:
    """Each backend holding the bundled dataset."""
    return backends.get(request.param)


@pytest.fixture(scope="session", params=REMOTES)
def remote(request: pytest.FixtureRequest, backends: Backends) -> Backend:
    """Each external store holding the bundled dataset (compared with ``embedded``)."""
    return backends.get(request.param)
