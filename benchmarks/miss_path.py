"""The server's share of a query that misses the answer cache, for two versions of the
code side by side (issue 17: "a lean miss path ... measure each step's gain").

Each version is served by ``accord serve`` over the bundled data (one query worker per
core), its answer cache off, and sent distinct point lookups (a new query text each
time) from ``--clients`` threads for ``--seconds``; the versions take turns, ``--rounds``
times. Reported per version: requests per second, and the server process's own CPU
(user + system, from /proc; the query workers are other processes) per request, the
median over the rounds.

    .venv/bin/python -m benchmarks.miss_path --before /tmp/before/app

``--before`` is the ``app`` folder of another checkout (``git worktree add /tmp/before
REV``); the code of this checkout is "after". Loopback only; each server is stopped by
PID.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from benchmarks import REPO
from benchmarks.isolation import start_server, stop_server

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def start(code: Path, log: Path, cache_mb: int = 0) -> tuple[subprocess.Popen[bytes], int]:
    """``accord serve`` from the code at ``code``, its answer cache off (or ``cache_mb``)."""
    env = {
        "PYTHONPATH": str(code),
        "ACCORD_ANSWER_CACHE_MB": str(cache_mb),
        "ACCORD_QUERY_WORKERS": "2",
        "ACCORD_ACCESS_LOG": "false",
        "ACCORD_RATE_LIMIT_PER_SECOND": "0",
    }
    proc, base = start_server(env, log)
    return proc, int(base.rsplit(":", 1)[1])


def load(port: int, seconds: float, clients: int, repeated: bool = False) -> int:
    """Distinct point lookups for ``seconds`` (or one lookup ``repeated``); the number
    answered 200."""
    counter = itertools.count()
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(n: int) -> None:
        while time.monotonic() < stop:
            n_ = 0 if repeated else next(counter)
            query = f"ASK {{ <https://w3id.org/accord/id/x{n_}> ?p ?o }}"
            url = f"http://127.0.0.1:{port}/sparql?" + urllib.parse.urlencode({"query": query})
            request = urllib.request.Request(url, headers={"Accept": "application/json"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                answer.read()
                done[n] += answer.status == 200

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", type=Path, required=True, help="the app folder of the old code")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--repeated",
        action="store_true",
        help="the same lookup every time, the answer cache on (64 MB): the hit path",
    )
    args = parser.parse_args(argv)
    cache_mb = 64 if args.repeated else 0
    versions = {"before": args.before.resolve(), "after": (REPO / "app").resolve()}
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in versions}
    logs = Path(tempfile.mkdtemp(prefix="accord-miss-path-"))
    servers = {name: start(code, logs / f"{name}.log", cache_mb) for name, code in versions.items()}
    try:
        for _ in range(args.rounds):
            for name, (proc, port) in servers.items():
                load(port, 1.0, args.clients, args.repeated)  # warm
                cpu = cpu_seconds(proc.pid)
                began = time.monotonic()
                n = load(port, args.seconds, args.clients, args.repeated)
                elapsed = time.monotonic() - began
                results[name].append((n / elapsed, (cpu_seconds(proc.pid) - cpu) / n * 1e6))
    finally:
        for proc, _ in servers.values():
            stop_server(proc)
    print("| version | requests/s | server CPU per request (us) |")
    print("|---|---|---|")
    for name, rows in results.items():
        rate = statistics.median(r for r, _ in rows)
        cpu_us = statistics.median(c for _, c in rows)
        print(f"| {name} | {rate:.0f} | {cpu_us:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
