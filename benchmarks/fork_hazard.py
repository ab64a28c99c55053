"""Why the zygote of an on-disk store is started by exec, not fork: a measurement.

A process that holds on-disk Oxigraph stores runs RocksDB's threads (flushes,
compactions, a process-wide timer).  A child forked from it copies whatever locks those
threads held at that instant, held for ever; if the child then opens a store it may wait
on one.  This script makes that race frequent (many open stores, one being written and
compacted) and opens a store read-only in N children made each way, side by side:

- ``fork``: forked from this process, as query workers were before (the zygote was a
  fork of the server);
- ``exec``: forked from ``accord.query.zygote.Zygote`` for an on-disk store, a new interpreter.

A child that has not answered ``ASK`` within ``--wait`` seconds counts as hung and is
killed.  Usage: ``python benchmarks/fork_hazard.py --children 1500`` (about 5 minutes).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

import pyoxigraph as ox

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from accord.dataset import graph_files  # noqa: E402
from accord.query.worker import QueryJob  # noqa: E402
from accord.query.zygote import OnDisk, Zygote  # noqa: E402
from accord.settings import bundled_paths  # noqa: E402
from accord.stores.oxigraph import OxigraphStore  # noqa: E402

P = ox.NamedNode("http://example.org/p")
ASK = "ASK { GRAPH ?g { ?s ?p ?o } }"


def busy_stores(
    folder: Path, count: int
) -> tuple[list[ox.Store], threading.Event, threading.Thread]:
    """``count`` open on-disk stores, the second one written and compacted by the thread
    until the event is set."""
    stores = []
    for i in range(count):
        store = ox.Store(str(folder / f"s{i}"))
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{i}"), P, ox.Literal(str(i))))
        store.flush()
        stores.append(store)
    stop = threading.Event()

    def write() -> None:
        n = 0
        while not stop.is_set():
            quads = (
                ox.Quad(ox.NamedNode(f"http://example.org/{n}/{k}"), P, ox.Literal("x" * 50))
                for k in range(500)
            )
            stores[1].bulk_extend(quads)
            stores[1].flush()
            if n % 3 == 0:
                stores[1].optimize()
            n += 1

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    return stores, stop, writer


def forked_child(path: Path, wait: float) -> bool:
    """Whether a child forked from here opened ``path`` and answered in time."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if ox.Store.read_only(str(path)).query(ASK) else 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) == 0
        time.sleep(0.002)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return False


def zygote_child(zygote: Zygote, wait: float) -> bool:
    """Whether a worker of Accord's zygote opened the store and answered in time."""
    pid, conn = zygote.spawn()
    try:
        conn.send(QueryJob(ASK, fmt="json"))
        if not conn.poll(wait):
            os.kill(pid, signal.SIGKILL)
            return False
        kind, answer = conn.recv()
        return kind == "ok" and b"true" in answer.body
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=1500, help="children made each way")
    parser.add_argument("--stores", type=int, default=100, help="open stores in this process")
    parser.add_argument("--wait", type=float, default=5.0, help="seconds before 'hung'")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as tmp:
        folder = Path(tmp)
        path = folder / "accord"  # the bundled data, as `accord serve --store` holds it
        files = tuple(graph_files(bundled_paths()))
        OxigraphStore(files, path=path)
        stores, stop, writer = busy_stores(folder, args.stores)
        zygote = Zygote(ox.Store(), OnDisk(path, files))
        failed = {"fork": 0, "exec": 0}
        started = time.monotonic()
        for _ in range(args.children):  # interleaved, so both ways see the same load
            failed["fork"] += not forked_child(path, args.wait)
            failed["exec"] += not zygote_child(zygote, args.wait)
        stop.set()
        writer.join()
        zygote.close()
        del stores
    seconds = time.monotonic() - started
    print(f"{args.children} children each way, {args.stores} open stores, {seconds:.0f} s")
    for way, count in failed.items():
        print(f"  {way:5} hung or failed: {count}")


if __name__ == "__main__":
    main()
