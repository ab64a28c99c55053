"""A write that fails for lack of disk space changes nothing: on a real, small tmpfs
filled up, the store, its version, the Graph Store view, the SPARQL view and the write
log's outcome stay as before, the answer is 507, and once space is freed the same write
commits. Skipped (with the reason) where a tmpfs cannot be mounted (not root, or no
CAP_SYS_ADMIN in a container)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from accord.main import create_app
from accord.stores.oxigraph import OxigraphStore
from accord.writes.writer import WriteLog, read_log
from tests.writes.conftest import AUTH, EX, writable_settings

BIG = f"{EX}big"
#: 900 triples of about 230 bytes: a write of about 200 kB.
BODY = "".join(f'<{EX}s{i}> <{EX}p> "{"x" * 200} {i}" .\n' for i in range(900))
NT = {"Content-Type": "application/n-triples"}
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    """A 24 MiB file system of its own (the store's folder goes in it)."""
    folder = tmp_path / "disk"
    mount_tmpfs(folder, "24m")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path, leave: int) -> Path:
    """Fill ``folder``'s file system but ``leave`` bytes; returns the filler file."""
    st = os.statvfs(folder)
    filler = folder / "filler"
    with filler.open("wb") as f, contextlib.suppress(OSError):
        f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))
    return filler


class Server:
    """An app over an on-disk store in ``disk``, with writes on."""

    def __init__(self, disk: Path, log: Path, **overrides: Any) -> None:
        settings = writable_settings(
            disk, store=str(disk / "store"), write_log=log, query_workers=1, **overrides
        )
        self.app: FastAPI = create_app(settings)
        self.client = TestClient(self.app, headers=AUTH, raise_server_exceptions=False)

    def put(self) -> Any:
        return self.client.put("/graph-store", params={"graph": BIG}, content=BODY, headers=NT)

    def views(self) -> tuple[str, int, int]:
        """The dataset version, the triples the SPARQL view counts, and the triples the
        Graph Store view gives for the written graph."""
        answer = self.client.get(
            "/sparql", params={"query": COUNT}, headers={"Accept": "application/json"}
        )
        n = int(answer.json()["results"]["bindings"][0]["n"]["value"])
        gsp = self.client.get(
            "/graph-store", params={"graph": BIG}, headers={"Accept": "application/n-triples"}
        )
        big = len(gsp.text.splitlines()) if gsp.status_code == 200 else 0
        return answer.headers["x-accord-dataset-version"], n, big

    def close(self) -> None:
        self.app.state.services.executor.close()
        self.app.state.services.store.close()  # and its lock: it can be opened again


#: Room left on the store's file system: none for the reserve file (refused before
#: anything is written), room for the reserve but not for the write-ahead log, room for
#: the log but not for the flushed tables.
LEFT = {
    "no room for the reserve": 20_000,
    "the write-ahead log fails": OxigraphStore.RESERVE_BYTES + 20_000,
    "the flush fails": OxigraphStore.RESERVE_BYTES + 1_000_000,
}


@pytest.mark.parametrize("where", list(LEFT))
def test_a_write_that_finds_the_disk_full_changes_nothing_and_commits_once_there_is_room(
    disk: Path, where: str
) -> None:
    log = disk.parent / "writes.jsonl"  # on another file system: the store's disk fails
    server = Server(disk, log)
    before = server.views()
    filler = fill(disk, LEFT[where])

    refused = server.put()
    assert refused.status_code == 507, refused.text
    assert "nothing was changed" in refused.text
    assert server.views() == before  # version, SPARQL view, Graph Store view
    assert [e["outcome"] for e in read_log(log)] == ["pending", "failed"]
    assert read_log(log)[-1]["status"] == 507

    filler.unlink()  # (RocksDB cannot even open a store on a full disk)
    server.close()  # a restart finds the store as it was
    server = Server(disk, log)
    assert server.views() == before
    committed = server.put()
    assert committed.status_code == 201, committed.text
    version, n, big = server.views()
    assert (n, big) == (before[1] + 900, 900) and version != before[0]
    assert committed.headers["x-accord-dataset-version"] == version
    assert read_log(log)[-1]["outcome"] == "committed"
    server.close()


def test_a_write_whose_log_line_cannot_be_written_changes_nothing(
    disk: Path, tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    mount_tmpfs(logs, "64k")
    try:
        server = Server(disk, logs / "writes.jsonl")
        before = server.views()
        fill(logs, 0)
        refused = server.put()
        assert refused.status_code == 507, refused.text
        assert "the write log could not be written" in refused.text
        assert server.views() == before
        server.close()
    finally:
        subprocess.run(["umount", "-l", str(logs)], check=False)


def test_a_commit_the_log_cannot_record_is_taken_back(
    disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The pending line is written, the store commits, then the committed line fails
    # (the log's disk filled up in between): the write is taken back.
    log = disk.parent / "writes.jsonl"
    server = Server(disk, log)
    before = server.views()
    append = WriteLog._append

    def failing(self: WriteLog, data: bytes) -> None:
        if b'"outcome": "committed"' in data:
            raise OSError(28, "No space left on device")
        append(self, data)

    monkeypatch.setattr(WriteLog, "_append", failing)
    refused = server.put()
    assert refused.status_code == 507, refused.text
    assert "taken back" in refused.text
    assert server.views() == before
    monkeypatch.setattr(WriteLog, "_append", append)
    server.close()
    server = Server(disk, log)  # at the next start the pending line gets its outcome
    assert server.views() == before
    assert [e["outcome"] for e in read_log(log)] == ["pending", "failed"]
    server.close()
