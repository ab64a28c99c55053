"""A SPARQL Update's change, worked out in a process that can be stopped.

A SPARQL Update is planned on an in-memory copy of the store before anything is
written (``accord.stores.oxigraph.plan_on_copy``). In the server process that had no
bound: an update with a cartesian WHERE ran for as long as it liked, holding the
writer lock (every other write timed out) and the interpreter (SIGTERM did not stop
the server). So the planning runs in a child forked for it, sandboxed as a query
worker is (no new file, no socket, ``query_memory_mb`` of memory), and killed after
``update_timeout`` seconds: 503, nothing changed.

The child touches no RocksDB: the parent reads the quads first (a snapshot, which the
planning needs anyway) and the child copies them into a store of its own, in memory;
a fork of a process whose RocksDB threads hold a lock is safe as long as the child
does not call into RocksDB. The change comes back pickled through a pipe.
"""

from __future__ import annotations

import contextlib
import math
import os
import pickle
import resource
import select
import signal
import time

from accord.errors import AccordError
from accord.query.worker import LIBC, sandbox
from accord.stores.base import Change
from accord.stores.oxigraph import OxigraphStore, plan_on_copy

PR_SET_PDEATHSIG = 1


class UpdateTimedOut(AccordError):
    status = 503
    reason = "update_timeout"


class PlanningFailed(AccordError):
    status = 500
    reason = "crash"


def plan_update(
    store: OxigraphStore,
    sparql: str,
    *,
    base_iri: str | None,
    timeout: float,
    memory_mb: int,
) -> Change:
    """``store.plan_update(sparql)`` in a child process stopped after ``timeout`` s
    (``timeout <= 0``: in this process, without a bound)."""
    quads, graphs = store.snapshot()
    if timeout <= 0:
        return plan_on_copy(quads, graphs, sparql, base_iri)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: plan, send, end (never returns)
        os.close(read_end)
        _child(write_end, quads, graphs, sparql, base_iri, memory_mb, timeout)
    os.close(write_end)
    _running.add(pid)
    try:
        data = _read_all(read_end, pid, timeout)
    finally:
        _running.discard(pid)
        os.close(read_end)
    kind, value = pickle.loads(data)
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]


#: The planning processes running now (``stop_all`` ends them at shutdown).
_running: set[int] = set()


def stop_all() -> None:
    """Kill every planning process (the server is shutting down): their writes answer
    500 and change nothing, and the threads waiting for them end at once."""
    for pid in list(_running):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _child(  # type: ignore[type-arg]
    fd: int, quads: list, graphs: list, sparql: str, base: str | None, mb: int, timeout: float
) -> None:
    status = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # Ended by the kernel too: with the thread that forked it (a server killed), or
        # past its CPU time (should the server fail to kill it).
        if LIBC is not None and hasattr(LIBC, "prctl"):
            LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        cpu = math.ceil(timeout) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        sandbox(mb)
        try:
            reply: tuple[str, object] = ("ok", plan_on_copy(quads, graphs, sparql, base))
        except AccordError as exc:
            reply = ("error", exc)
        data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except BaseException:  # noqa: BLE001 - the parent reads the end of the pipe as a crash
        status = 1
    finally:
        os._exit(status)


def _read_all(fd: int, pid: int, timeout: float) -> bytes:
    """Everything the child writes, or it is killed at ``timeout`` (UpdateTimedOut)."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        ready = select.select([fd], [], [], max(0.0, left))[0] if left > 0 else []
        if not ready:
            _kill(pid)
            raise UpdateTimedOut(
                f"the update ran for more than {timeout:g} s and was stopped; nothing was "
                "changed. Narrow its WHERE (a pattern with no shared variable multiplies "
                "the rows)"
            )
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if status != 0 or not chunks:
        how = (
            f"signal {signal.Signals(os.WTERMSIG(status)).name}"
            if os.WIFSIGNALED(status)
            else f"exit {os.WEXITSTATUS(status)}"
        )
        raise PlanningFailed(
            f"the update's process ended ({how}) before it could say what the update "
            "changes: nothing was changed. An update this large or this complex cannot be "
            "run here; split it"
        )
    return b"".join(chunks)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
