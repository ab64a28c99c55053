"""Measurements without HTTP: threads over one store, and ``accord validate``.

Threads: pyoxigraph releases the GIL while it evaluates a query, so threads of one
process can run queries side by side; this measures how far that goes (queries per
second at 1, 2, 4 threads over the same read-only on-disk store), which is what
``accord serve``'s thread pool gets.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from accord.dataset import graph_files
from accord.stores.oxigraph import OxigraphStore
from benchmarks import REPO
from benchmarks.servers import memory
from benchmarks.workload import Workload


def threads(
    store_path: Path,
    files: Sequence[Path],
    workloads: Sequence[Workload],
    counts: Sequence[int],
    duration_s: float,
) -> dict[str, dict[str, float]]:
    """Queries per second (query and serialisation) by workload and thread count."""
    store = OxigraphStore(graph_files(files), path=store_path, read_only=True)
    out: dict[str, dict[str, float]] = {}
    for w in workloads:
        out[w.name] = {}
        for n in counts:
            done = [0] * n
            deadline = time.perf_counter() + duration_s

            def worker(
                i: int, w: Workload = w, done: list[int] = done, end: float = deadline
            ) -> None:
                k = i
                while time.perf_counter() < end:
                    store.query(w.variants[k % len(w.variants)]).serialize(w.accept)
                    done[i] += 1
                    k += 1

            started = time.perf_counter()
            pool = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            out[w.name][str(n)] = sum(done) / (time.perf_counter() - started)
    return out


def validate(data: Path, timeout_s: float) -> dict[str, object]:
    """Wall time and peak memory of ``accord validate FILE`` (bounded by ``timeout_s``)."""
    cmd = [sys.executable, "-m", "accord.cli", "validate", str(data)]
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    peak = 0
    while proc.poll() is None:
        peak = max(peak, memory(proc.pid)["rss"])
        if time.perf_counter() - started > timeout_s:
            proc.kill()
            proc.wait()
            return {"error": f"timeout (> {timeout_s:.0f} s)", "peak_rss": peak}
        time.sleep(0.25)
    elapsed = time.perf_counter() - started
    output = proc.stdout.read() if proc.stdout else ""
    result: dict[str, object] = {"seconds": elapsed, "exit": proc.returncode, "peak_rss": peak}
    if proc.returncode != 0:
        result["output"] = output[-2000:]
    return result


def validate_split(data: Path, timeout_s: float) -> dict[str, object]:
    """benchmarks/validate_split.py without its full pySHACL run (``validate`` has it)."""
    cmd = [sys.executable, "benchmarks/validate_split.py", "--skip-full", str(data)]
    try:
        run = subprocess.run(
            cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timeout (> {timeout_s:.0f} s)"}
    if run.returncode != 0:
        return {"error": (run.stderr or run.stdout)[-500:]}
    return json.loads(run.stdout)  # type: ignore[no-any-return]
