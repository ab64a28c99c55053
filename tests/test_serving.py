"""``accord serve --workers N``: the graph loaded once into the on-disk store, then served
by N processes that open it read-only; and the settings it refuses, with the reason."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.parse
import urllib.request
from contextlib import AbstractContextManager
from pathlib import Path

import pytest

from accord import cli
from accord.main import create_app
from accord.settings import Settings, get_settings
from tests.conftest import FIXTURE_DATA, accord_process, gone, wait_until

ROOT = Path(__file__).resolve().parents[1]
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def children(pid: int, running: str = "") -> list[int]:
    """The pids of ``pid``'s living child processes (whose command line has ``running``)."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat[1]) == pid and stat[0] != "Z":
            with open(entry / "cmdline", "rb") as cmdline:
                if running.encode() in cmdline.read():
                    out.append(int(entry.name))
    return out


def count(port: int) -> int:
    url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": COUNT})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(json.load(response)["results"]["bindings"][0]["n"]["value"])


def serving(
    store: Path, workers: int
) -> AbstractContextManager[tuple[subprocess.Popen[bytes], int]]:
    args = [str(FIXTURE_DATA), "--store", str(store), "--workers", str(workers)]
    return accord_process(args, {}, store.parent)


def test_several_processes_serve_the_same_graph(tmp_path: Path) -> None:
    expected = create_app(
        Settings(paths=[FIXTURE_DATA], query_workers=0)
    ).state.services.store.select(COUNT)[0]["n"]
    with serving(tmp_path / "store", workers=2) as (proc, port):
        servers = children(proc.pid, running="spawn_main")  # uvicorn's server processes
        assert len(servers) == 2, f"two server processes under uvicorn's supervisor: {servers}"
        answers = {count(port) for _ in range(20)}  # new connections, either process
        assert answers == {int(str(expected.value))}
        # Each server process that answered has started its own pool of query workers.
        assert any(children(pid) for pid in servers)
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)
    assert not any(Path(f"/proc/{pid}").exists() and children(pid) for pid in servers)


def test_a_restart_reuses_the_loaded_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    with serving(store, workers=2) as (_, port):
        first = count(port)
    marker = (store / "accord-store.json").read_text()
    with serving(store, workers=2) as (_, port):
        assert count(port) == first
    assert (store / "accord-store.json").read_text() == marker


@pytest.mark.parametrize(
    ("args", "env", "reason"),
    [
        (["--workers", "2"], {}, "needs a store the processes can share"),
        (
            ["--workers", "2", "--store", "STORE"],
            {"ACCORD_ALLOW_UPDATE": "true", "ACCORD_WRITE_TOKEN": "x" * 40},
            "writes (ACCORD_ALLOW_UPDATE) need a single server process",
        ),
    ],
)
def test_settings_several_processes_cannot_share_are_refused(
    args: list[str],
    env: dict[str, str],
    reason: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    args = [str(tmp_path / "store") if a == "STORE" else a for a in args]
    get_settings.cache_clear()  # the command reads the environment through this cache
    try:
        assert cli.main(["serve", str(FIXTURE_DATA), *args]) == 2
    finally:
        get_settings.cache_clear()
    assert reason in capsys.readouterr().err
    assert not (tmp_path / "store").exists(), "refused before anything is loaded"


def test_server_processes_end_with_a_killed_supervisor(tmp_path: Path) -> None:
    # SIGKILL leaves uvicorn's supervisor no chance to stop its processes: they end
    # because Linux signals them when their parent dies (accord.http.serving._end_with_parent),
    # and their query workers follow their server.
    with serving(tmp_path / "store", workers=2) as (proc, port):
        servers = children(proc.pid, running="spawn_main")
        assert len(servers) == 2
        count(port)  # a query: a server has its zygote and workers
        descendants = [p for pid in servers for p in [pid, *children(pid)]]
        descendants += [p for pid in list(descendants) for p in children(pid)]
        proc.kill()
        proc.wait(60)
        wait_until(lambda: all(map(gone, descendants)), 15.0)  # a guard, not a timing
        assert not [pid for pid in descendants if not gone(pid)]
