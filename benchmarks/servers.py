"""Start, watch and stop the SPARQL servers under test, each on a free loopback port.

Every server is a child process in its own session; ``stop()`` ends that process
group and nothing else.  Memory is read from ``/proc`` (VmRSS, VmHWM) summed over
the server's process tree, so uvicorn's worker processes count too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from app import PROJECT_ROOT

HOST = "127.0.0.1"
FORM = "application/x-www-form-urlencoded"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory(pid: int) -> dict[str, int]:
    """Memory in bytes over the process tree: ``pss`` (proportional set size: pages
    shared by forked workers counted once, so the sum is the tree's real footprint),
    ``rss`` (resident, shared pages counted in every process) and ``hwm`` (peak RSS)."""
    total = {"pss": 0, "rss": 0, "hwm": 0}
    keys = {"VmRSS": "rss", "VmHWM": "hwm", "Pss": "pss"}
    for p in tree(pid):
        for name in ("status", "smaps_rollup"):
            try:
                with open(f"/proc/{p}/{name}", encoding="ascii") as f:
                    for line in f:
                        key, _, value = line.partition(":")
                        if key in keys:
                            total[keys[key]] += int(value.split()[0]) * 1024
            except OSError:
                continue
    return total


def disk_usage(path: Path) -> int:
    if not path.exists():
        return 0
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@dataclass
class Server:
    name: str
    url: str  # the query endpoint
    proc: subprocess.Popen[bytes]
    log: Path
    started: float
    ready_s: float = 0.0  # process start to first answer
    prepare_s: float = 0.0  # a separate load step before the start (oxigraph load)
    store: Path | None = None
    info: dict[str, object] = field(default_factory=dict)

    def wait_ready(self, timeout: float) -> float:
        deadline = self.started + timeout
        with httpx.Client(timeout=5) as client:
            while time.perf_counter() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with status {self.proc.returncode}; "
                        f"log: {self.log}\n{tail(self.log)}"
                    )
                try:
                    r = client.post(
                        self.url,
                        content="query=ASK%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
                        headers={"Content-Type": FORM, "Accept": "application/sparql-results+json"},
                    )
                    if r.status_code == 200:
                        self.ready_s = time.perf_counter() - self.started
                        return self.ready_s
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"{self.name} gave no answer within {timeout:.0f} s; log: {self.log}")

    def memory(self) -> dict[str, int]:
        return memory(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            except ProcessLookupError:
                pass


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _spawn(
    name: str,
    cmd: Sequence[str],
    url: str,
    logs: Path,
    env: dict[str, str] | None = None,
) -> Server:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )
    return Server(name, url, proc, log, started)


#: Settings for every Accord server of the benchmark: Accord's defaults, except that an
#: answer is never refused for its size (the catalogue returns 100k+ rows at 10M) and a
#: query may run as long as the harness waits for it.
def accord_env(store: Path, timeout_s: float, **extra: str) -> dict[str, str]:
    return {
        "ACCORD_STORE": str(store),
        "ACCORD_MAX_RESULT_ROWS": str(10**9),
        "ACCORD_QUERY_TIMEOUT": str(timeout_s),
        **extra,
    }


def accord(
    files: Sequence[Path],
    store: Path,
    logs: Path,
    *,
    name: str = "accord",
    fresh: bool = False,
    timeout_s: float = 120.0,
    env: dict[str, str] | None = None,
) -> Server:
    """``accord serve`` on the on-disk store ``store`` (emptied first when ``fresh``)."""
    if fresh and store.exists():
        shutil.rmtree(store)
    port = free_port()
    cmd = [sys.executable, "-m", "app.cli", "serve", *map(str, files)]
    cmd += ["--host", HOST, "--port", str(port), "--log-level", "warning"]
    environment = accord_env(store, timeout_s, **(env or {}))
    server = _spawn(name, cmd, f"http://{HOST}:{port}/sparql", logs, environment)
    server.store = store
    return server


def accord_workers(
    files: Sequence[Path],
    store: Path,
    workers: int,
    logs: Path,
    *,
    factory: str = "benchmarks.workers_app:create",
    name: str | None = None,
    timeout_s: float = 120.0,
) -> Server:
    """uvicorn with ``workers`` processes, each opening the loaded store read-only and
    running queries in its own threads (``query_workers = 0``: no process pool)."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "--factory", factory]
    cmd += ["--workers", str(workers), "--host", HOST, "--port", str(port)]
    cmd += ["--log-level", "warning", "--no-access-log"]
    env = accord_env(
        store,
        timeout_s,
        ACCORD_PATHS=json.dumps([str(f) for f in files]),
        ACCORD_QUERY_WORKERS="0",
    )
    name = name or f"accord-{workers}w"
    server = _spawn(name, cmd, f"http://{HOST}:{port}/sparql", logs, env)
    server.store = store
    return server


def bare(files: Sequence[Path], store: Path, logs: Path) -> Server:
    """The same store behind a bare ASGI app (benchmarks/bare_app.py), one worker."""
    return accord_workers(
        files, store, 1, logs, factory="benchmarks.bare_app:create", name="bare-asgi"
    )


def rdflib_endpoint(files: Sequence[Path], peers: Path, logs: Path) -> Server:
    port = free_port()
    cmd = [str(peers / "bin" / "rdflib-endpoint"), "serve", *map(str, files)]
    cmd += ["--host", HOST, "--port", str(port)]
    # rdflib-endpoint serves SPARQL at the root path.
    return _spawn("rdflib-endpoint", cmd, f"http://{HOST}:{port}/", logs)


def oxigraph(files: Sequence[Path], peers: Path, location: Path, logs: Path) -> Server:
    """``oxigraph load`` into a new folder (timed), then ``oxigraph serve-read-only``."""
    if location.exists():
        shutil.rmtree(location)
    binary = str(peers / "bin" / "oxigraph")
    started = time.perf_counter()
    logs.mkdir(parents=True, exist_ok=True)
    with (logs / "oxigraph-load.log").open("wb") as out:
        subprocess.run(
            [binary, "load", "--location", str(location), "--file", *map(str, files)],
            check=True,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    prepare = time.perf_counter() - started
    port = free_port()
    cmd = [binary, "serve-read-only", "--location", str(location), "--bind", f"{HOST}:{port}"]
    server = _spawn("oxigraph", cmd, f"http://{HOST}:{port}/query", logs)
    server.prepare_s = prepare
    server.store = location
    return server
