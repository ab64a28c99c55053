"""Isolation under load: do simple queries and /health stay fast while runaway queries run?

    .venv/bin/python -m benchmarks.isolation            # writes benchmarks/ISOLATION.md

Starts ``accord serve`` (bundled data, 4 query workers, a 20 s query timeout) on a free
127.0.0.1 port, then measures two phases of the same load, each bounded in requests
and in time: 50 concurrent clients sending simple queries, and one client polling
/health; in the second phase two runaway queries run the whole time (each stopped
by the timeout, then sent again).  Every request goes to 127.0.0.1 only.  The numbers
are this machine's (2 cores shared by server and clients): compare the phases, not
other machines.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx

from benchmarks import REPO

HOST = "127.0.0.1"
JSON = "application/sparql-results+json"
SIMPLE = (
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 10"
)
#: Counts 10^10 rows: runs until the timeout stops it.
RUNAWAY = (
    "SELECT (COUNT(*) AS ?n) WHERE { "
    + " ".join(f"VALUES ?v{i} {{ {' '.join(map(str, range(100)))} }}" for i in range(5))
    + " }"
)


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)

    def add(self, seconds: float, status: int) -> None:
        self.latencies.append(seconds)
        self.statuses[status] += 1

    def pct(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


@dataclass
class Result:
    simple: Sample
    health: Sample
    runaway: Sample
    seconds: float


async def _simple_client(
    http: httpx.AsyncClient, url: str, n: int, end: float, out: Sample
) -> None:
    for _ in range(n):
        if time.monotonic() > end:
            return
        t = time.perf_counter()
        try:
            r = await http.get(url, params={"query": SIMPLE}, headers={"Accept": JSON})
            out.add(time.perf_counter() - t, r.status_code)
        except httpx.HTTPError:
            out.add(time.perf_counter() - t, 0)


def _poll_health(base: str, stop: Event, out: Connection) -> None:
    """In a process of its own (so a busy client loop does not count): GET /health
    every 50 ms until ``stop``; send back the (seconds, status) pairs."""
    found: list[tuple[float, int]] = []
    with httpx.Client(timeout=60) as http:
        while not stop.is_set() and len(found) < 10_000:
            t = time.perf_counter()
            try:
                status = http.get(f"{base}/health").status_code
            except httpx.HTTPError:
                status = 0
            found.append((time.perf_counter() - t, status))
            time.sleep(0.05)
    out.send(found)


async def _runaway_client(
    http: httpx.AsyncClient, url: str, stop: asyncio.Event, out: Sample
) -> None:
    while not stop.is_set():
        t = time.perf_counter()
        try:
            r = await http.get(url, params={"query": RUNAWAY}, headers={"Accept": JSON})
            out.add(time.perf_counter() - t, r.status_code)
        except httpx.HTTPError:
            out.add(time.perf_counter() - t, 0)


async def measure(
    base: str,
    *,
    clients: int = 50,
    requests: int = 40,
    seconds: float = 60.0,
    runaways: int = 2,
    warmup: float = 1.0,
) -> Result:
    """One phase against the server at ``base``: ``clients`` clients each send up to
    ``requests`` simple queries (all stop after ``seconds``), while ``runaways``
    runaway queries run and /health is polled."""
    url = f"{base}/sparql"
    limits = httpx.Limits(max_connections=clients + runaways + 4)
    timeout = httpx.Timeout(seconds + 60.0)
    simple, health, runaway = Sample(), Sample(), Sample()
    stop = asyncio.Event()
    ctx = multiprocessing.get_context("spawn")
    health_stop = ctx.Event()
    ours, theirs = ctx.Pipe(duplex=False)
    poller = ctx.Process(target=_poll_health, args=(base, health_stop, theirs), daemon=True)
    poller.start()
    async with httpx.AsyncClient(limits=limits, timeout=timeout) as http:
        background = [
            asyncio.create_task(_runaway_client(http, url, stop, runaway)) for _ in range(runaways)
        ]
        if runaways:
            await asyncio.sleep(warmup)  # let the runaway queries take their workers
        started = time.monotonic()
        end = started + seconds
        await asyncio.gather(
            *(_simple_client(http, url, requests, end, simple) for _ in range(clients))
        )
        elapsed = time.monotonic() - started
        stop.set()
        # Each runaway query ends its last request (stopped by the server's timeout), so
        # its answer is recorded; a guard cancels what the server never answers.
        if background:
            _, pending = await asyncio.wait(background, timeout=seconds + 120.0)
            for task in pending:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
    health_stop.set()
    for seconds_taken, status in ours.recv():
        health.add(seconds_taken, status)
    poller.join(30)
    return Result(simple, health, runaway, elapsed)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def start_server(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    cmd = [sys.executable, "-m", "accord.cli", "serve", "--host", HOST, "--port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*cmd, "--log-level", "warning"],
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **env},
            start_new_session=True,  # stop() ends this process group and nothing else
        )
    base = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited; see {log}")
        try:
            if httpx.get(f"{base}/ready", timeout=10).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop_server(proc)
    raise TimeoutError(f"the server did not get ready; see {log}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _row(name: str, s: Sample) -> str:
    ms = [f"{s.pct(p) * 1000:.0f}" for p in (50, 90, 99)] + [
        f"{max(s.latencies or [0]) * 1000:.0f}"
    ]
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(s.statuses.items()))
    return f"| {name} | {len(s.latencies)} | {' | '.join(ms)} | {statuses} |"


def report(phases: dict[str, Result], settings: dict[str, str]) -> str:
    lines = [
        "# Isolation under load",
        "",
        "Written by `python -m benchmarks.isolation` (see its docstring). Latencies in ms;",
        "50 clients with simple SELECTs (LIMIT 10) and a /health poller, without and then",
        "with two runaway queries (10^10-row cross joins, stopped by the query timeout).",
        "One 2-core machine runs the server and the clients: compare the phases.",
        "",
        "Settings: " + ", ".join(f"`{k}={v}`" for k, v in settings.items()),
        "",
        "| phase / requests | n | p50 | p90 | p99 | max | statuses |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for phase, result in phases.items():
        rate = len(result.simple.latencies) / result.seconds if result.seconds else 0.0
        lines.append(_row(f"{phase}: simple queries ({rate:.0f}/s)", result.simple))
        lines.append(_row(f"{phase}: /health", result.health))
        if result.runaway.latencies:
            lines.append(_row(f"{phase}: runaway queries", result.runaway))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=40, help="per client and phase")
    parser.add_argument("--seconds", type=float, default=60.0, help="at most, per phase")
    parser.add_argument("--timeout", type=float, default=20.0, help="the server's query timeout")
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("ISOLATION.md"))
    args = parser.parse_args()
    settings = {
        "ACCORD_QUERY_WORKERS": "4",
        "ACCORD_QUERY_TIMEOUT": f"{args.timeout:g}",
        "ACCORD_ACCESS_LOG": "false",
    }
    log = Path("/tmp") / f"accord-isolation-{os.getpid()}.log"
    proc, base = start_server(settings, log)
    try:
        phases = {}
        for name, runaways in (("idle", 0), ("2 runaways", 2)):
            phases[name] = asyncio.run(
                measure(
                    base,
                    clients=args.clients,
                    requests=args.requests,
                    seconds=args.seconds,
                    runaways=runaways,
                )
            )
    finally:
        stop_server(proc)
    text = report(phases, settings)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
