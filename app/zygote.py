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
"""

from __future__ import annotations

import os
import resource
import select
import signal
import socket
from collections.abc import Callable
from multiprocessing.connection import Connection

from app.store import OxigraphStore, Store
from app.worker import sandbox, serve

#: How long the server waits for the zygote to answer (a guard, not a timing promise).
REPLY_SECONDS = 10.0


class ZygoteError(RuntimeError):
    pass


class Zygote:
    """The server's handle on one zygote process."""

    def __init__(
        self,
        store: Store,
        reopen: Callable[[], Store] | None = None,
        memory_mb: int = 0,
        outbound: bool = False,
    ) -> None:
        server_end, zygote_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        server_pid = os.getpid()
        pid = os.fork()
        if pid == 0:  # the zygote
            try:
                server_end.close()
                _zygote_main(zygote_end, server_pid, store, reopen, (memory_mb, outbound))
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
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def _zygote_main(
    sock: socket.socket,
    server_pid: int,
    store: Store,
    reopen: Callable[[], Store] | None,
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

    while True:
        ready, _, _ = select.select([sock], [], [], 1.0)
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
            pid = _fork_worker(sock, store, reopen, limits)
            if pid:
                children.add(pid)
        elif msg.startswith(b"status "):
            pid = int(msg.split()[1])
            for _ in range(100):  # the worker may not be reaped yet: wait a little
                reap()
                if pid in ended or pid not in children:
                    break
                select.select([], [], [], 0.01)
            sock.send(ended.get(pid, "unknown").encode())
    for pid in children:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _fork_worker(
    sock: socket.socket,
    store: Store,
    reopen: Callable[[], Store] | None,
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
            worker_store = reopen() if reopen is not None else store
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
