"""Servers measured side by side: all running at once, taking turns.

On a shared machine the load of other work changes from minute to minute, so servers
measured one after the other are measured under different loads, and a ratio between
them says as much about the minute as about the servers.  Here the servers of one size
are all started (one at a time, so that each load time is its own), stay up, idle while
another is measured, and take turns:

- latency: for each workload, each server in turn;
- throughput: ``rounds`` rounds; in each, for each workload and client count, each
  server in turn, the order rotated by one server each round.  A server's figure is the
  median of its rounds; the rounds, their spread and the load average at each are kept,
  with the server's CPU time per request (its whole process tree, query workers too):
  less moved by the machine's load than requests per second.

A spread (highest minus lowest, over the median) above ``NOISY`` marks a figure the
machine's load moved.
"""

from __future__ import annotations

import contextlib
import os
import re
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx

from benchmarks import load
from benchmarks.servers import Server, cpu_seconds
from benchmarks.targets import NOISY
from benchmarks.workload import THROUGHPUT, Workload

__all__ = ["NOISY", "Fleet", "answer_cache", "latency", "summary", "throughput"]


class Fleet:
    """The servers of a size, by name, each with a way to start it again.

    A server whose request timed out may still be working on it (rdflib-endpoint and
    Oxigraph's server do not stop a query whose client left; at 100k, rdflib-endpoint
    went on with one up to 23 GB and the kernel's OOM killer), and while it works it
    takes a core from the server being measured: it is stopped and started again
    (``again``) before anyone is measured next, and the restart is recorded."""

    def __init__(self, start_timeout: float) -> None:
        self.start_timeout = start_timeout
        self.servers: dict[str, Server] = {}
        self.again: dict[str, Callable[[], Server] | None] = {}
        self.restarts: dict[str, list[str]] = {}

    def add(self, server: Server, again: Callable[[], Server] | None = None) -> Server:
        """Keep ``server`` (started, maybe not ready yet: it is stopped with the rest)."""
        self.servers[server.name] = server
        self.again[server.name] = again
        return server

    def __getitem__(self, name: str) -> Server:
        return self.servers[name]

    def restart(self, name: str, why: str) -> None:
        again = self.again.get(name)
        self.restarts.setdefault(name, []).append(why if again else f"{why} (not restarted)")
        if again is None:
            return
        old = self.servers[name]
        old.stop()
        with contextlib.suppress(OSError):  # keep its log: the new one has its name
            old.log.rename(old.log.with_name(f"{old.log.name}.{len(self.restarts[name])}"))
        print(f"  {name}: restarting ({why})", flush=True)
        self.servers[name] = again()
        self.servers[name].wait_ready(self.start_timeout)

    def stop(self) -> None:
        for server in reversed(list(self.servers.values())):
            server.stop()


def latency(
    fleet: Fleet,
    names: Sequence[str],
    workloads: Sequence[Workload],
    reps: int,
    budget_s: float,
    timeout_s: float,
) -> dict[str, dict[str, dict[str, object]]]:
    """Latency of every workload at every server, the servers taking turns per workload.
    A server that timed out, lost the connection or exited is started again."""
    out: dict[str, dict[str, dict[str, object]]] = {name: {} for name in names}
    for w in workloads:
        for name in names:
            r = load.latency(fleet[name].url, w, reps, budget_s, timeout_s)
            r["group"] = w.group
            out[name][w.name] = r
            print(f"    {w.name:32} {name:16} {_fmt_lat(r)}", flush=True)
            error = str(r.get("error", ""))
            if error.startswith(("timeout", "connection")) or not fleet[name].alive():
                fleet.restart(name, f"{w.name}: {error or 'exited'}")
                r["restarted"] = True
    return out


def throughput(
    fleet: Fleet,
    names: Sequence[str],
    workloads: Sequence[Workload],
    clients: Sequence[int],
    duration_s: float,
    rounds: int,
    work: Path,
    timeout_s: float,
) -> dict[str, dict[str, dict[str, dict[str, object]]]]:
    """Requests per second by server, workload and client count, interleaved."""
    runs: dict[tuple[str, str, str], list[dict[str, object]]] = {}
    loads: dict[tuple[str, str, str], list[float]] = {}
    chosen = [w for w in workloads if w.name in THROUGHPUT]
    for k in range(rounds):
        order = list(names[k % len(names) :]) + list(names[: k % len(names)])
        for w in chosen:
            for c in clients:
                for name in order:
                    if not fleet[name].alive():
                        fleet.restart(name, f"exited before {w.name} x{c}")
                    pid = fleet[name].proc.pid
                    cpu = cpu_seconds(pid)
                    r = load.throughput(fleet[name].url, w, c, duration_s, work, timeout_s)
                    if r.get("requests"):
                        used = cpu_seconds(pid) - cpu
                        r["cpu_us_per_request"] = used / int(r["requests"]) * 1e6  # type: ignore[call-overload]
                    runs.setdefault((name, w.name, str(c)), []).append(r)
                    loads.setdefault((name, w.name, str(c)), []).append(os.getloadavg()[0])
                    print(
                        f"    round {k + 1}/{rounds} {w.name} x{c} {name}: "
                        f"{r.get('rps', r.get('error'))} req/s",
                        flush=True,
                    )
    out: dict[str, dict[str, dict[str, dict[str, object]]]] = {name: {} for name in names}
    for key, results in runs.items():
        name, wl, n = key
        out[name].setdefault(wl, {})[n] = summary(results, loads[key])
    return out


def summary(results: list[dict[str, object]], loads: list[float]) -> dict[str, object]:
    """The median of the rounds that answered, with the rounds themselves."""
    rates = [float(r["rps"]) for r in results if "rps" in r]  # type: ignore[arg-type]
    failed = sum(int(r.get("failed", 0)) for r in results)  # type: ignore[call-overload]
    out: dict[str, object] = {"tool": results[0].get("tool"), "load_average": loads}
    if not rates:
        return {**out, "error": results[-1].get("error")}
    median = statistics.median(rates)
    out |= {"rps": median, "rounds": rates}
    cpu = [float(r["cpu_us_per_request"]) for r in results if "cpu_us_per_request" in r]  # type: ignore[arg-type]
    if cpu:
        out["cpu_us_per_request"] = statistics.median(cpu)
    if median:
        out["spread"] = (max(rates) - min(rates)) / median
    if len(rates) < len(results):
        out["errors"] = len(results) - len(rates)
    if failed:
        out["failed"] = failed
    return out


def answer_cache(server: Server) -> dict[str, float]:
    """Accord's answer cache counters from /metrics (hits, misses, bytes held)."""
    base = server.url.rsplit("/", 1)[0]
    try:
        text = httpx.get(f"{base}/metrics", timeout=10).text
    except httpx.HTTPError as exc:
        return {"error": str(exc)}  # type: ignore[dict-item]
    out = {}
    for key, pattern in (
        ("hits", r'^accord_answer_cache_total\{result="hit"\} (\S+)'),
        ("misses", r'^accord_answer_cache_total\{result="miss"\} (\S+)'),
        ("bytes", r"^accord_answer_cache_bytes (\S+)"),
    ):
        found = re.search(pattern, text, re.M)
        if found:
            out[key] = float(found[1])
    return out


def _fmt_lat(r: dict[str, object]) -> str:
    if "error" in r:
        return str(r["error"])[:80]
    return f"median {r['median_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms ({r['n']}x, {r['rows']} rows)"
