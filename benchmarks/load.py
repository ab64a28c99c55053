"""Measure one server: latency of each workload, throughput at N clients.

Latency: one client, sequential requests (keep-alive), each workload's variants in
turn, after one warm-up request; bounded by a count and a time budget per workload.
Throughput: ``wrk`` (Debian's package) with a Lua script that POSTs the variants in
turn, for a fixed duration; without wrk, a bounded Python client in threads (slower,
so its numbers are marked).  For a distinct workload (``Workload.marker``) both put a
token in every request that no other request of the run carries: the Lua script
builds each body from the variant's two halves around it (run, wrk thread, request
number), the Python client from one counter.
"""

from __future__ import annotations

import itertools
import re
import shutil
import statistics
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from benchmarks.workload import Workload

FORM = "application/x-www-form-urlencoded"
#: Tokens of distinct workloads: one counter for the process, so that no two requests
#: of a run (latency, Python client) carry the same text; wrk runs take a run number.
_tokens = itertools.count(1)
_runs = itertools.count(1)


def token() -> str:
    return f"p{next(_tokens)}"


def percentile(values: list[float], q: float) -> float:
    """The ``q``-quantile (0..1) by linear interpolation."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def answer_size(response: httpx.Response, accept: str) -> int:
    """Rows of a SELECT answer, or triples (lines) of an N-Triples answer."""
    if accept.endswith("json"):
        body = response.json()
        return len(body["results"]["bindings"]) if "results" in body else 1
    return sum(1 for line in response.text.splitlines() if line.strip())


def latency(
    url: str, workload: Workload, reps: int, budget_s: float, timeout_s: float
) -> dict[str, object]:
    """Median and p99 in milliseconds, with the number of requests and rows."""
    headers = {"Content-Type": FORM, "Accept": workload.accept}
    times: list[float] = []
    with httpx.Client(timeout=timeout_s) as client:
        try:
            warm = client.post(url, content=_body(workload.text(0, token())), headers=headers)
        except httpx.TimeoutException:
            return {"error": f"timeout (> {timeout_s:.0f} s)"}
        except httpx.TransportError as exc:  # the server closed the connection or died
            return {"error": f"connection: {exc!r}"[:200]}
        if warm.status_code != 200:
            return {"error": f"HTTP {warm.status_code}: {warm.text[:120]}"}
        rows = answer_size(warm, workload.accept)
        started = time.perf_counter()
        for i in range(reps):
            body = _body(workload.text(i, token()))
            t0 = time.perf_counter()
            try:
                r = client.post(url, content=body, headers=headers)
                r.read()
            except httpx.TimeoutException:
                return {"error": f"timeout (> {timeout_s:.0f} s)", "rows": rows}
            except httpx.TransportError as exc:
                return {"error": f"connection: {exc!r}"[:200], "rows": rows}
            times.append(time.perf_counter() - t0)
            if r.status_code != 200:
                return {"error": f"HTTP {r.status_code}: {r.text[:120]}", "rows": rows}
            if time.perf_counter() - started > budget_s:
                break
    return {
        "median_ms": statistics.median(times) * 1000,
        "p99_ms": percentile(times, 0.99) * 1000,
        "n": len(times),
        "rows": rows,
    }


def _body(query: str) -> bytes:
    return urlencode({"query": query}).encode()


LUA = """-- Written by benchmarks/load.py: POST the variants of one workload in turn.
local bodies = {
%s
}
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "%s",
  }, bodies[(n %% #bodies) + 1])
end
"""

LUA_DISTINCT = """-- Written by benchmarks/load.py: POST the variants of one workload in turn, each
-- request with a token no other request of this run carries (run, thread, number).
local before = {
%s
}
local after = {
%s
}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local n = 0
request = function()
  n = n + 1
  local i = (n %% #before) + 1
  local token = "w%d-" .. tostring(id or 0) .. "-" .. tostring(n)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "%s",
  }, before[i] .. token .. after[i])
end
"""


def lua(workload: Workload) -> str:
    """The wrk script that sends ``workload``."""

    def strings(texts: list[str]) -> str:
        return ",\n".join(f"  [==[{t}]==]" for t in texts)

    if not workload.marker:
        return LUA % (strings([_body(q).decode() for q in workload.variants]), workload.accept)
    halves = [_body(q).decode().split(workload.marker, 1) for q in workload.variants]
    before, after = [h[0] for h in halves], [h[1] for h in halves]
    return LUA_DISTINCT % (strings(before), strings(after), next(_runs), workload.accept)


def throughput(
    url: str, workload: Workload, clients: int, duration_s: float, work: Path, timeout_s: float
) -> dict[str, object]:
    """Requests per second at ``clients`` concurrent connections for ``duration_s``."""
    if shutil.which("wrk"):
        return _wrk(url, workload, clients, duration_s, work, timeout_s)
    return _threads(url, workload, clients, duration_s, timeout_s)


def _wrk(
    url: str, workload: Workload, clients: int, duration_s: float, work: Path, timeout_s: float
) -> dict[str, object]:
    work.mkdir(parents=True, exist_ok=True)
    script = work / f"wrk-{re.sub(r'[^a-z0-9]+', '-', workload.name.lower()).strip('-')}.lua"
    script.write_text(lua(workload), encoding="utf-8")
    threads = min(clients, 2)
    cmd = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(duration_s))}s"]
    cmd += [f"--timeout={max(1, round(timeout_s))}s", "-s", str(script), url]
    run = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration_s + timeout_s + 30, check=False
    )
    out = run.stdout
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    if run.returncode != 0 or not rps:
        return {"error": (run.stderr or out)[-300:], "tool": "wrk"}
    result: dict[str, object] = {
        "rps": float(rps[1]),
        "requests": int(total[1]) if total else None,
        "tool": "wrk",
    }
    bad = (int(non2xx[1]) if non2xx else 0) + (int(errors[1]) if errors else 0)
    if bad:
        result["failed"] = bad
    return result


def _threads(
    url: str, workload: Workload, clients: int, duration_s: float, timeout_s: float
) -> dict[str, object]:
    """The fallback load generator: ``clients`` threads, each a keep-alive client."""
    headers = {"Content-Type": FORM, "Accept": workload.accept}
    bodies = [_body(q) for q in workload.variants]
    done = [0] * clients
    failed = [0] * clients
    deadline = time.perf_counter() + duration_s

    def worker(i: int) -> None:
        with httpx.Client(timeout=timeout_s) as client:
            n = i
            while time.perf_counter() < deadline:
                body = (
                    _body(workload.text(n, token())) if workload.marker else bodies[n % len(bodies)]
                )
                try:
                    r = client.post(url, content=body, headers=headers)
                    done[i] += 1
                    failed[i] += r.status_code != 200
                except httpx.HTTPError:
                    failed[i] += 1
                n += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    result: dict[str, object] = {
        "rps": sum(done) / elapsed,
        "requests": sum(done),
        "tool": "python-threads",
    }
    if sum(failed):
        result["failed"] = sum(failed)
    return result
