"""``benchmarks/run.py`` stopped with SIGTERM stops the server it was measuring (each
server runs in its own session, so the signal reaches only the harness), and a run
that dies keeps the sizes it had measured."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests import REPO
from tests.conftest import wait_until


def accord_servers(work: Path) -> list[int]:
    """Pids of the ``accord serve`` processes serving data from ``work``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"accord.cli" in cmdline and any(str(work).encode() in arg for arg in cmdline):
            found.append(int(entry.name))
    return found


def group_alive(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies do not count: where PID 1
    does not reap orphans they stay listed)."""
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def test_sigterm_stops_the_server_being_measured(tmp_path: Path) -> None:
    cmd = [sys.executable, "benchmarks/run.py", "--quick", "--servers", "accord", "--no-bare"]
    cmd += ["--work", str(tmp_path), "--peers", str(tmp_path / "no-peers"), "--no-install"]
    harness = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = None
    try:
        deadline = time.monotonic() + 120
        while server is None and time.monotonic() < deadline and harness.poll() is None:
            server = next(iter(accord_servers(tmp_path)), None)
            time.sleep(0.2)
        assert server is not None, "the harness never started Accord"
        assert group_alive(server)
        harness.send_signal(signal.SIGTERM)
        assert harness.wait(timeout=60) != 0
        # The query zygote and workers end a moment after the server they belong to.
        assert wait_until(lambda: not group_alive(server), 10.0), "the server outlived the harness"
    finally:
        if harness.poll() is None:
            harness.kill()
        if server is not None and group_alive(server):
            os.killpg(server, signal.SIGKILL)


def test_a_run_that_dies_keeps_the_sizes_it_measured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks import run

    def run_size(n: int, cfg: object, peers: object) -> dict[str, object]:
        if n > 10_000:
            raise SystemExit(143)  # as SIGTERM ends it (stop_on_signals)
        return {"triples": n, "servers": {}}

    monkeypatch.setattr(run, "run_size", run_size)
    argv = ["--sizes", "10k,100k", "--results", str(tmp_path), "--work", str(tmp_path)]
    argv += ["--peers", str(tmp_path / "no-peers"), "--no-install"]
    with pytest.raises(SystemExit):
        run.main(argv)
    kept = json.loads((tmp_path / "results.json").read_text())
    assert kept["unfinished"] is True
    assert kept["sizes"] == {"10k": {"triples": 10_000, "servers": {}}}
    assert not (tmp_path / "RESULTS.md").exists()  # the report is written at the end only
