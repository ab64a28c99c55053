"""``benchmarks/run.py`` stopped with SIGTERM stops the server it was measuring (each
server runs in its own session, so the signal reaches only the harness) and keeps what
it had measured."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from app import PROJECT_ROOT

STARTED = re.compile(rb"Started server process \[(\d+)\]")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_sigterm_stops_the_server_being_measured(tmp_path: Path) -> None:
    cmd = [sys.executable, "benchmarks/run.py", "--quick", "--servers", "accord", "--no-bare"]
    cmd += ["--work", str(tmp_path), "--peers", str(tmp_path / "no-peers"), "--no-install"]
    harness = subprocess.Popen(
        cmd, cwd=PROJECT_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    server = None
    try:
        deadline = time.monotonic() + 120
        while server is None and time.monotonic() < deadline and harness.poll() is None:
            for log in tmp_path.glob("logs/**/accord*.log"):
                found = STARTED.search(log.read_bytes())
                if found:
                    server = int(found.group(1))
            time.sleep(0.2)
        assert server is not None, "the harness never started Accord"
        assert group_alive(server)
        harness.send_signal(signal.SIGTERM)
        assert harness.wait(timeout=60) != 0
        assert not group_alive(server), "the server outlived the harness"
    finally:
        if harness.poll() is None:
            harness.kill()
        if server is not None and group_alive(server):
            os.killpg(server, signal.SIGKILL)
