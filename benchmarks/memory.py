"""Where Accord's memory goes after the query catalogue, and what the worker settings
change (issue 17: "at 1M triples within 2x Oxigraph server's PSS after the catalogue").

For each variant of the settings, ``accord serve`` is started on a copy of the same
on-disk store (Accord reopens it without parsing), sent every catalogue query once
(with and without its parameters, as ``run.py``'s latency runs do), and its process
tree's PSS read by process: the server, the zygote, the query workers. Oxigraph's
server, fed the same files, is measured the same way beside it.

    .venv/bin/python -m benchmarks.memory --size 1M

Loopback only; every server is stopped by PID. The graph and the stores come from an
earlier ``run.py`` (``benchmarks/.work``), or are made here.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks import REPO
from benchmarks import servers as srv
from benchmarks.workload import served_files, workloads

WORK = REPO / "benchmarks" / ".work"

#: The variants: a name, the environment it adds to Accord's defaults, and what it says.
VARIANTS: list[tuple[str, dict[str, str], str]] = [
    ("defaults", {}, "4 query workers, each replaced when it keeps over 32 MiB after a heavy job"),
    (
        "keep 256",
        {"ACCORD_QUERY_WORKER_KEEP_MB": "256"},
        "the default before this benchmark: replaced over 256 MiB",
    ),
    ("keep 64", {"ACCORD_QUERY_WORKER_KEEP_MB": "64"}, "replaced over 64 MiB"),
    ("2 workers", {"ACCORD_QUERY_WORKERS": "2"}, "one query worker per core"),
    ("cache off", {"ACCORD_ANSWER_CACHE_MB": "0"}, "no answers kept"),
]


def catalogue(url: str, units: int) -> int:
    """Every catalogue query once, as the latency runs send them; the answers' bytes."""
    total = 0
    with httpx.Client(timeout=300) as client:
        for w in workloads(units):
            if w.group != "catalogue":
                continue
            answer = client.post(
                url,
                content=w.text(0).encode(),
                headers={"Content-Type": "application/sparql-query", "Accept": w.accept},
            )
            answer.raise_for_status()
            total += len(answer.content)
    return total


def role(cmd: str, pid: int, server: int, zygote: int | None) -> str:
    if pid == server:
        return "server"
    if pid == zygote:
        return "zygote"
    return "query worker" if "zygote" in cmd else "other"


def measure(server: srv.Server, units: int) -> dict[str, object]:
    server.wait_ready(600)
    began = time.perf_counter()
    sent = catalogue(server.url, units)
    first = time.perf_counter() - began
    time.sleep(1.0)  # workers hand their garbage back after each job
    procs = srv.processes(server.proc.pid)
    zygote = next(
        (
            int(p["pid"])
            for p in procs
            if p["ppid"] == server.proc.pid and "zygote" in str(p["cmd"])
        ),
        None,
    )
    by_role: dict[str, list[int]] = {}
    for p in procs:
        by_role.setdefault(role(str(p["cmd"]), int(p["pid"]), server.proc.pid, zygote), []).append(
            int(p["pss"])
        )
    began = time.perf_counter()
    # Again: the time replaced workers cost the next queries (with the answer cache on,
    # the second pass is answered from it).
    catalogue(server.url, units)
    again = time.perf_counter() - began
    return {
        "pss": srv.memory(server.proc.pid)["pss"],
        "by_role": by_role,
        "answers_bytes": sent,
        "catalogue_s": [round(first, 2), round(again, 2)],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1M")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "memory.json")
    parser.add_argument("--peers", type=Path, default=REPO / "benchmarks" / ".venv-peers")
    args = parser.parse_args(argv)
    data = WORK / f"accord-{args.size}.nt"
    if not data.exists():
        from benchmarks import generate

        generate.main(["--triples", args.size, "--out", str(data)])
    units = json.loads(Path(f"{data}.meta.json").read_text())["units"]
    files = served_files(data)
    logs = Path(tempfile.mkdtemp(prefix="accord-memory-"))
    results: dict[str, object] = {"size": args.size, "variants": {}}
    base_store = logs / "store"
    first = srv.accord(files, base_store, logs, name="fill", fresh=True, timeout_s=300)
    try:
        first.wait_ready(900)
    finally:
        first.stop()
    for name, env, what in VARIANTS:
        store = logs / f"store-{name.replace(' ', '-')}"
        shutil.copytree(base_store, store)
        server = srv.accord(files, store, logs, name=name, timeout_s=300, env=env)
        try:
            row = measure(server, units)
        finally:
            server.stop()
        row["what"] = what
        results["variants"][name] = row  # type: ignore[index]
        print(
            f"{name}: {row['pss'] / 2**20:.0f} MB PSS, catalogue {row['catalogue_s']} s; "
            + ", ".join(
                f"{k} {sum(v) / 2**20:.0f} MB ({len(v)})" for k, v in row["by_role"].items()
            ),
            file=sys.stderr,
        )
    oxigraph = srv.oxigraph(files, args.peers, logs / "oxigraph", logs)
    try:
        row = measure(oxigraph, units)
    finally:
        oxigraph.stop()
    results["oxigraph"] = row
    print(f"oxigraph: {row['pss'] / 2**20:.0f} MB PSS", file=sys.stderr)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"written {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
