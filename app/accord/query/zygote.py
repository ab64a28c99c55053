"""The process that query workers are forked from.

The server process has threads (uvicorn's loop, the thread pool), and forking a
process with threads copies locks that some other thread may hold.  So the server
forks once, into a *zygote* that holds the loaded store and runs a single thread; every
query worker is forked from the zygote (copy-on-write: the store is shared, not
copied).  The zygote answers two requests on a SOCK_SEQPACKET socket:

- ``spawn``: fork a worker; reply with its pid and the server's end of a socket pair
  (passed with SCM_RIGHTS) on which the worker takes jobs (``app.worker.serve``);
- ``status PID``: how that worker ended (``signal 11``, ``exit 0``), once reaped.

The zygote ends when the server closes its socket (``refresh`` or exit); if the server
itself is gone it kills its workers first, so no worker outlives the server.

An on-disk store is different: its workers open the folder themselves, read-only
(``OnDisk``), and RocksDB's own threads (flushes, compactions, a process-wide timer)
run in the server.  A lock one of them held at the fork stays held in the copy for
ever, and a worker that then opened the store waited on it: a query that never
answered (3 of 4,000 forks hung, measured with ``benchmarks/fork_hazard.py``; once in
CI).  So for an on-disk store the zygote is a new interpreter (``python -m
accord.query.zygote``), started by exec, that inherits no memory and no lock from the server.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from accord.dataset import GraphFile
from accord.query.worker import sandbox, serve
from accord.stores.base import Store
from accord.stores.oxigraph import OxigraphStore

#: How long the server waits for the zygote to answer (a guard, not a timing promise).
REPLY_SECONDS = 10.0


class ZygoteError(RuntimeError):
    pass


@dataclass(frozen=True)
class OnDisk:
    """An on-disk Oxigraph store, as each worker opens it: read-only, by path."""

    path: Path
    files: tuple[GraphFile, ...]
    prefixes: tuple[tuple[str, str], ...] = ()

    def open(self) -> OxigraphStore:
        prefixes = dict(self.prefixes) or None
        return OxigraphStore(self.files, path=self.path, read_only=True, prefixes=prefixes)

    def to_json(self) -> str:
        files = [[f.graph, str(f.path)] for f in self.files]
        return json.dumps({"path": str(self.path), "files": files, "prefixes": self.prefixes})

    @classmethod
    def from_json(cls, text: str) -> OnDisk:
        spec = json.loads(text)
        return cls(
            Path(spec["path"]),
            tuple(GraphFile(graph, Path(path)) for graph, path in spec["files"]),
            tuple((prefix, iri) for prefix, iri in spec["prefixes"]),
        )


class Zygote:
    """The server's handle on one zygote process."""

    def __init__(
        self,
        store: Store,
        on_disk: OnDisk | None = None,
        memory_mb: int = 0,
        outbound: bool = False,
    ) -> None:
        server_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server_pid = os.getpid()
        self._process: subprocess.Popen[bytes] | None = None
        if on_disk is not None:
            self._process = _exec_zygote(zygote_end, server_pid, on_disk, (memory_mb, outbound))
            pid = self._process.pid
        else:
            pid = os.fork()
            if pid == 0:  # the zygote
                try:
                    server_end.close()
                    _zygote_main(zygote_end, server_pid, store, None, (memory_mb, outbound))
                finally:
                    os._exit(0)
        zygote_end.close()
        self.pid = pid
        self._sock = server_end
        self._sock.settimeout(REPLY_SECONDS)

    def spawn(self) -> tuple[int, Connection]:
        """A new worker: its pid and the connection it takes jobs on."""
        try:
            self._sock.send(b"spawn")
            msg, fds, _, _ = socket.recv_fds(self._sock, 64, 1)
        except OSError as exc:
            raise ZygoteError(f"the query zygote does not answer: {exc}") from exc
        if not fds:
            raise ZygoteError(f"the query zygote could not fork a worker: {msg.decode()}")
        return int(msg), Connection(fds[0])

    def status(self, pid: int) -> str:
        """How worker ``pid`` ended: ``signal N``, ``exit N``, or ``unknown``."""
        try:
            self._sock.send(f"status {pid}".encode())
            return self._sock.recv(64).decode()
        except OSError:
            return "unknown"

    def close(self) -> None:
        """End the zygote (its workers finish the job they run, then end)."""
        self._sock.close()
        if self._process is not None:
            self._process.wait()
            return
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _exec_zygote(
    sock: socket.socket, server_pid: int, on_disk: OnDisk, limits: tuple[int, bool]
) -> subprocess.Popen[bytes]:
    """Start ``python -m accord.query.zygote`` on ``sock`` (see the module's docstring)."""
    root = str(Path(__file__).resolve().parents[2])  # where ``accord`` is importable from
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    config = json.dumps(
        {"fd": sock.fileno(), "server": server_pid, "limits": limits, "store": on_disk.to_json()}
    )
    return subprocess.Popen(
        [sys.executable, "-m", "accord.query.zygote", config], pass_fds=[sock.fileno()], env=env
    )


def main() -> None:
    """The zygote of an on-disk store, in its own interpreter (``_exec_zygote``)."""
    config = json.loads(sys.argv[1])
    sock = socket.socket(fileno=config["fd"])
    memory_mb, outbound = config["limits"]
    on_disk = OnDisk.from_json(config["store"])
    _zygote_main(sock, config["server"], None, on_disk, (memory_mb, bool(outbound)))


def _zygote_main(
    sock: socket.socket,
    server_pid: int,
    store: Store | None,
    on_disk: OnDisk | None,
    limits: tuple[int, bool],
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _close_other_fds(sock.fileno())
    children: set[int] = set()
    ended: dict[int, str] = {}

    def reap() -> None:
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            children.discard(pid)
            sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else 0
            ended[pid] = f"signal {sig}" if sig else f"exit {os.waitstatus_to_exitcode(status)}"
            if len(ended) > 1000:
                ended.pop(next(iter(ended)))

    # poll, not select: select fails on a descriptor numbered 1024 or more, which the
    # socket is in a server with many open files (found with benchmarks/fork_hazard.py).
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    while True:
        ready = poller.poll(1000)
        reap()
        if not ready:
            if os.getppid() != server_pid:  # the server is gone
                break
            continue
        try:
            msg = sock.recv(64)
        except OSError:
            msg = b""
        if not msg:
            if os.getppid() != server_pid:
                break
            return  # closed by the server: leave running workers to finish
        if msg == b"spawn":
            pid = _fork_worker(sock, store, on_disk, limits)
            if pid:
                children.add(pid)
        elif msg.startswith(b"status "):
            pid = int(msg.split()[1])
            for _ in range(100):  # the worker may not be reaped yet: wait a little
                reap()
                if pid in ended or pid not in children:
                    break
                time.sleep(0.01)
            sock.send(ended.get(pid, "unknown").encode())
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _fork_worker(
    sock: socket.socket,
    store: Store | None,
    on_disk: OnDisk | None,
    limits: tuple[int, bool],
) -> int:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        pid = os.fork()
    except OSError as exc:
        ours.close()
        theirs.close()
        sock.send(f"fork failed: {exc}".encode())
        return 0
    if pid == 0:  # the worker
        code = 0
        try:
            sock.close()
            theirs.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            worker_store = on_disk.open() if on_disk is not None else store
            assert worker_store is not None
            files = worker_store.table_files() if isinstance(worker_store, OxigraphStore) else 0
            sandbox(*limits, table_files=files)
            serve(Connection(ours.detach()), worker_store)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    ours.close()
    socket.send_fds(sock, [str(pid).encode()], [theirs.fileno()])
    theirs.close()
    return pid


def _close_other_fds(keep: int) -> None:
    """Close what the server had open (its listening socket above all), keeping the
    standard streams and ``keep``."""
    top = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    os.closerange(3, keep)
    os.closerange(keep + 1, top if top > 0 else 65536)


if __name__ == "__main__":
    main()
