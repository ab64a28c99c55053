"""Measurements without HTTP: threads over one store, and ``accord validate``.

Threads: pyoxigraph releases the GIL while it evaluates a query, so threads of one
process can run queries side by side; this measures how far that goes (queries per
second at 1, 2, 4 threads over the same read-only on-disk store), which is what
``accord serve``'s thread pool gets.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
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


def engines() -> tuple[str | None, list[str]]:
    """The engine ``accord validate`` runs by default and the others its ``--engine``
    offers, read from its ``--help`` (``(None, [])`` when it has no such option)."""
    run = subprocess.run(
        [sys.executable, "-m", "accord.cli", "validate", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    text = " ".join(run.stdout.split())
    choices = re.search(r"--engine \{([\w,-]+)\}", text)
    if not choices:
        return None, []
    # The option's own help: after its last mention, up to the next option.
    own = re.split(r" --[a-z]", text.rsplit(choices[0], 1)[1], maxsplit=1)[0]
    default = re.search(r"(\w[\w-]*) \(default\)|default:? (\w[\w-]*)", own)
    named = (default[1] or default[2]) if default else None
    return named, [e for e in choices[1].split(",") if e != named]


def validate(data: Path, timeout_s: float, options: Sequence[str] = ()) -> dict[str, object]:
    """Wall time and peak memory of ``accord validate [OPTIONS] FILE`` (bounded by
    ``timeout_s``). Peak memory: the kernel's peak RSS of the process (from ``wait4``,
    so the last moments count), or the summed RSS of its processes read every 0.1 s if
    it ever starts others and that is higher."""
    cmd = [sys.executable, "-m", "accord.cli", "validate", *options, str(data)]
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=output, stderr=subprocess.STDOUT)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, memory(proc.pid)["rss"])
            if time.perf_counter() - started > timeout_s:
                proc.kill()
                proc.wait()
                return {"error": f"timeout (> {timeout_s:.0f} s)", "peak_rss": peak}
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        peak = max(peak, usage.ru_maxrss * 1024)  # kilobytes on Linux
        result: dict[str, object] = {"seconds": elapsed, "exit": proc.returncode, "peak_rss": peak}
        if proc.returncode != 0:
            output.seek(0)
            result["output"] = output.read()[-2000:].decode(errors="replace")
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
