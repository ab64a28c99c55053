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

from benchmarks import REPO

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


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of ``pid``'s process tree, with the children it has
    reaped (a query worker that was replaced)."""
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
    return total / TICKS


def processes(pid: int) -> list[dict[str, object]]:
    """PSS and command of each process of ``pid``'s tree (where the memory is)."""
    out: list[dict[str, object]] = []
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup", encoding="ascii") as f:
                pss = next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
            with open(f"/proc/{p}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
            with open(f"/proc/{p}/stat", encoding="ascii") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, StopIteration, ValueError, IndexError):
            continue
        # Paths inside the checkout relative to it: results.json names no machine's folders.
        cmd = cmd.replace(f"{REPO}/", "")
        out.append({"pid": p, "ppid": ppid, "pss": pss, "cmd": cmd[:160]})
    return out


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

    def alive(self) -> bool:
        return self.proc.poll() is None

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
    cwd: Path = REPO,
) -> Server:
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
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
    workers: int = 1,
) -> Server:
    """``accord serve`` on the on-disk store ``store`` (emptied first when ``fresh``),
    with ``workers`` server processes (``--workers``)."""
    if fresh and store.exists():
        shutil.rmtree(store)
    port = free_port()
    cmd = [sys.executable, "-m", "accord.cli", "serve", *map(str, files)]
    cmd += ["--host", HOST, "--port", str(port), "--log-level", "warning"]
    cmd += ["--workers", str(workers)] if workers > 1 else []
    environment = accord_env(store, timeout_s, **(env or {}))
    server = _spawn(name, cmd, f"http://{HOST}:{port}/sparql", logs, environment)
    server.store = store
    return server


def bare(files: Sequence[Path], store: Path, logs: Path) -> Server:
    """The same store behind a bare ASGI app (benchmarks/bare_app.py), one process."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.bare_app:create"]
    cmd += ["--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    env = accord_env(store, 120.0, ACCORD_PATHS=json.dumps([str(f) for f in files]))
    server = _spawn("bare-asgi", cmd, f"http://{HOST}:{port}/sparql", logs, env)
    server.store = store
    return server


def rdflib_endpoint(files: Sequence[Path], peers: Path, logs: Path) -> Server:
    port = free_port()
    cmd = [str(peers / "bin" / "rdflib-endpoint"), "serve", *map(str, files)]
    cmd += ["--host", HOST, "--port", str(port)]
    # rdflib-endpoint serves SPARQL at the root path.
    return _spawn("rdflib-endpoint", cmd, f"http://{HOST}:{port}/", logs)


def oxigraph(
    files: Sequence[Path], peers: Path, location: Path, logs: Path, *, reuse: bool = False
) -> Server:
    """``oxigraph load`` into a new folder and ``oxigraph optimize`` (timed together),
    then ``oxigraph serve-read-only``;
    with ``reuse``, only the latter, on the folder an earlier call filled."""
    binary = str(peers / "bin" / "oxigraph")
    started = time.perf_counter()
    if not reuse:
        if location.exists():
            shutil.rmtree(location)
        logs.mkdir(parents=True, exist_ok=True)
        with (logs / "oxigraph-load.log").open("wb") as out:
            subprocess.run(
                [binary, "load", "--location", str(location), "--file", *map(str, files)],
                check=True,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
            # Compacted, as Accord compacts its own store after a bulk load: at 10M an
            # uncompacted store made Oxigraph's server 5x slower on whole queries (review
            # scale-10m.md, finding 1).
            subprocess.run(
                [binary, "optimize", "--location", str(location)],
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


# Accord in front of an external SPARQL store (docs/deployment.md, layout B): the store
# is started as .ci/stores.sh starts it (same binaries, same Virtuoso configuration, a
# fresh database on free loopback ports), filled with ``accord load --store URL`` (timed)
# and queried through ``accord serve --store URL``.

#: The systems of this kind, by the store behind Accord.
EXTERNAL = {"accord+oxigraph-server": "oxigraph-server", "accord+virtuoso": "virtuoso"}
#: Virtuoso's administrator, as in .ci/stores.sh (the server listens on loopback only).
VIRTUOSO_USER = ("dba", "dba")


def _oxigraph_binary(peers: Path | None) -> str:
    for candidate in (Path(sys.executable).parent / "oxigraph", (peers or Path()) / "bin/oxigraph"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("oxigraph")
    if not found:
        raise RuntimeError("no oxigraph server binary: pip install 'oxigraph>=0.5,<0.6'")
    return found


def virtuoso_ini(http_port: int, sql_port: int, max_rows: int, timeout_s: float) -> str:
    """.ci/virtuoso.ini on the given ports, with the row cap and the query time limit of
    the benchmark (a cut answer is refused by Accord: the cap must exceed every answer)."""
    out = []
    for line in (REPO / ".ci" / "virtuoso.ini").read_text().splitlines():
        key = line.split("=", 1)[0].strip()
        if line.startswith("ServerPort") and "1111" in line:
            line = f"ServerPort = {HOST}:{sql_port}"
        elif line.startswith("ServerPort") and "8890" in line:
            line = f"ServerPort = {HOST}:{http_port}"
        elif key == "ResultSetMaxRows":
            line = f"ResultSetMaxRows = {max_rows}"
        elif key == "MaxQueryExecutionTime":
            line = f"MaxQueryExecutionTime = {max(1, int(timeout_s))}"
        out.append(line)
    text = "\n".join(out) + "\n"
    if f"{HOST}:{http_port}" not in text or f"{HOST}:{sql_port}" not in text:
        raise RuntimeError("could not set Virtuoso's ports in .ci/virtuoso.ini")
    return text


def external_store(
    kind: str,
    location: Path,
    logs: Path,
    *,
    peers: Path | None = None,
    max_rows: int = 10**6,
    timeout_s: float = 120.0,
) -> Server:
    """An empty Oxigraph server (``oxigraph-server``) or Virtuoso 7 (``virtuoso``) in
    ``location``; ``Server.url`` is its query endpoint, ``info["store_url"]`` the
    ``sparql+http://`` URL Accord takes."""
    if location.exists():
        shutil.rmtree(location)
    location.mkdir(parents=True)
    if kind == "oxigraph-server":
        port = free_port()
        cmd = [_oxigraph_binary(peers), "serve", "--location", str(location / "db")]
        cmd += ["--bind", f"{HOST}:{port}"]
        server = _spawn("oxigraph-server", cmd, f"http://{HOST}:{port}/query", logs)
    elif kind == "virtuoso":
        binary = shutil.which("virtuoso-t")
        if not binary:
            raise RuntimeError("no virtuoso-t: apt-get install virtuoso-opensource")
        http_port, sql_port = free_port(), free_port()
        while sql_port == http_port:
            sql_port = free_port()
        ini = virtuoso_ini(http_port, sql_port, max_rows, timeout_s)
        (location / "virtuoso.ini").write_text(ini)
        cmd = [binary, "+foreground", "+configfile", "virtuoso.ini"]
        server = _spawn("virtuoso", cmd, f"http://{HOST}:{http_port}/sparql", logs, cwd=location)
    else:
        raise ValueError(f"unknown external store {kind!r} (oxigraph-server, virtuoso)")
    server.store = location
    server.info["store_url"] = "sparql+" + server.url
    return server


def remote_env(kind: str, timeout_s: float, max_rows: int) -> dict[str, str]:
    """Settings of ``accord load``/``accord serve`` over the store ``kind``."""
    env = {
        "ACCORD_MAX_RESULT_ROWS": str(10**9),
        "ACCORD_QUERY_TIMEOUT": str(timeout_s),
        "ACCORD_STORE_TIMEOUT": str(timeout_s),
        "ACCORD_STORE_MAX_ROWS": str(max_rows),
    }
    if kind == "virtuoso":
        env["ACCORD_STORE_USER"], env["ACCORD_STORE_PASSWORD"] = VIRTUOSO_USER
    return env


def accord_load(
    files: Sequence[Path],
    store_url: str,
    logs: Path,
    env: dict[str, str],
    timeout_s: float,
    name: str = "accord-load",
) -> float:
    """``accord load --store URL FILES``: seconds until published and checked."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    cmd = [sys.executable, "-m", "accord.cli", "load", "--store", store_url, *map(str, files)]
    started = time.perf_counter()
    with log.open("wb") as out:
        done = subprocess.run(
            cmd,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env},
            timeout=timeout_s,
            check=False,
        )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"accord load exited with {done.returncode}; log {log}\n{tail(log)}")
    return seconds


def accord_remote(
    files: Sequence[Path], store_url: str, logs: Path, *, name: str, env: dict[str, str]
) -> Server:
    """``accord serve --store URL FILES`` (the files give the version and the graphs)."""
    port = free_port()
    cmd = [sys.executable, "-m", "accord.cli", "serve", "--store", store_url, *map(str, files)]
    cmd += ["--host", HOST, "--port", str(port), "--log-level", "warning"]
    # Never the on-disk store of the embedded runs.
    environment = {k: v for k, v in os.environ.items() if k != "ACCORD_STORE"} | env
    server = _spawn(name, cmd, f"http://{HOST}:{port}/sparql", logs, environment)
    server.info["store_url"] = store_url
    return server
