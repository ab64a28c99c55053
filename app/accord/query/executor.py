"""Bounded query execution: a pool of killable worker processes.

A thread cannot stop a running pyoxigraph query, and a query can crash pyoxigraph
(SIGSEGV).  So queries run in worker processes (forked from ``accord.query.zygote``, sharing the
loaded store copy-on-write, sandboxed by ``app.worker``), each answering one query at
a time with the finished bytes.  On timeout the server kills the worker (SIGKILL: its
CPU is free at once) and answers 503; a worker that dies answers 500 naming the
signal; either way a fresh worker takes its place and the server goes on.

``refresh()`` replaces every worker after the data changed (a committed write), so
later queries see the new data.  ``query_workers = 0`` runs queries in the server
process instead: no timeout, no crash isolation, no sandbox (tests and development).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import queue
import signal
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from accord.errors import AccordError, QueryTimeout
from accord.query.answers import AnswerCache
from accord.query.fairness import FairShare
from accord.query.worker import Answer, QueryJob, run_job
from accord.query.zygote import OnDisk, Zygote, ZygoteError
from accord.settings import Settings
from accord.stores.base import Store
from accord.stores.oxigraph import OxigraphStore

logger = logging.getLogger("accord")

_SIGNALS: dict[int, str] = {int(s): s.name for s in (signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS)}


class QueryTimedOut(QueryTimeout):
    reason = "timeout"


class WorkersBusy(AccordError):
    status = 503
    reason = "busy"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": str(retry_after)}


class WorkerCrashed(AccordError):
    status = 500
    reason = "crash"


class OverMemoryBudget(AccordError):
    """The query's worker was stopped: all the workers together held more memory than
    ``query_memory_total_mb``, and this one held the most."""

    status = 503
    reason = "memory_budget"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.headers = {"Retry-After": "10"}


@dataclass
class _Worker:
    pid: int
    conn: Connection
    generation: int


class Executor:
    """Runs ``QueryJob``s on a store, in worker processes or (``workers=0``) in-process."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        on_disk: OnDisk | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.on_disk = on_disk
        self.size = settings.query_workers
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()  # zygote requests, start, refresh
        self._zygotes: list[Zygote | None] = [None]  # the current one, shared with the finalizer
        self._generation = 0
        self._busy = 0
        #: Workers replaced because they kept too much memory (``query_worker_keep_mb``).
        self.replaced_for_memory = 0
        self._graphs: frozenset[str] | None = None
        self._live: set[int] = set()
        #: Requests of the event loop waiting for an idle worker (``run_async``).
        self._waiters: collections.deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]]
        self._waiters = collections.deque()
        #: Answers kept per dataset version (accord.query.answers); the embedded store only.
        embedded = isinstance(store, OxigraphStore)
        self.answers = AnswerCache(settings.answer_cache_mb * 2**20 if embedded else 0)
        #: Each client's share of the workers (``run_async(job, client=...)``).
        self.share = FairShare(settings.query_per_client, settings.query_per_client_waiting)
        self._finalizer = weakref.finalize(self, _shutdown, self._live, self._zygotes)
        #: Workers running a query now, and those stopped for the memory budget.
        self._running_pids: set[int] = set()
        self._over_budget: set[int] = set()
        self._watcher: threading.Thread | None = None

    @property
    def _zygote(self) -> Zygote | None:
        return self._zygotes[0]

    @_zygote.setter
    def _zygote(self, zygote: Zygote | None) -> None:
        self._zygotes[0] = zygote

    # -- running ---------------------------------------------------------------------

    def run(self, job: QueryJob) -> Answer:
        """The answer to ``job``, or a typed error (the query's own, timeout, crash)."""
        if self.size <= 0:
            return run_job(self.store, job)
        worker = self._acquire()
        timeout = self.settings.query_timeout
        with self._running(worker):
            worker.conn.send(job)
            if not worker.conn.poll(timeout):
                raise self._stopped(worker, timeout)
            kind, value = worker.conn.recv()
        self._release(worker, value)
        return _answer(kind, value)

    async def run_async(self, job: QueryJob, client: str | None = None) -> Answer:
        """``run`` for the event loop, with the same answers and errors, but no thread
        per request: the loop itself waits for the worker's pipe to become readable. A
        request given up (its client went away) stops its query. ``client`` (a key of
        ``accord.query.fairness.client_key``) runs the query within that client's share
        of the workers."""
        if self.size <= 0:
            return await run_in_threadpool(self.run, job)
        async with self.share.slot(client, self.settings.query_queue_timeout):
            return await self._run_async(job)

    async def _run_async(self, job: QueryJob) -> Answer:
        if self._zygote is None:  # the pool's first start (a fork per worker)
            await run_in_threadpool(self._start)
        worker = await self._acquire_async()
        loop = asyncio.get_running_loop()
        timeout = self.settings.query_timeout
        with self._running(worker):
            worker.conn.send(job)
            readable = loop.create_future()
            fd = worker.conn.fileno()
            loop.add_reader(fd, _wake, readable)
            try:
                await asyncio.wait_for(readable, timeout)
            except BaseException as exc:  # the timeout, or the request was cancelled
                loop.remove_reader(fd)
                stopped = self._stopped(worker, timeout)  # kills it, closes the pipe
                if isinstance(exc, TimeoutError):
                    raise stopped from None
                raise
            loop.remove_reader(fd)
            # uvloop (libuv) leaves a watched descriptor non-blocking, and a large answer
            # arrives in pieces: recv must block until it is whole.
            os.set_blocking(fd, True)
            kind, value = worker.conn.recv()
        self._release(worker, value)
        return _answer(kind, value)

    @contextlib.contextmanager
    def _running(self, worker: _Worker) -> Iterator[None]:
        """While ``worker`` runs a query: its end (EOF) is a crash; it is counted busy,
        and its memory counts towards the budget."""
        self._running_pids.add(worker.pid)
        try:
            yield
        except (EOFError, OSError) as exc:
            raise self._crashed(worker) from exc
        finally:
            self._running_pids.discard(worker.pid)
            with self._lock:
                self._busy -= 1

    def _stopped(self, worker: _Worker, timeout: float) -> QueryTimedOut:
        """Kill ``worker`` (its query ran too long, or nobody waits for it any more)."""
        self._kill(worker)
        return QueryTimedOut(
            f"the query ran for more than {timeout:g} s and was stopped; simplify it or add a LIMIT"
        )

    def _acquire(self) -> _Worker:
        self._start()
        wait = self.settings.query_queue_timeout
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise self._busy_error(wait) from None
        with self._lock:
            self._busy += 1
        return worker

    async def _acquire_async(self) -> _Worker:
        loop = asyncio.get_running_loop()
        wait = self.settings.query_queue_timeout
        deadline = loop.time() + wait
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                pass
            else:
                with self._lock:
                    self._busy += 1
                return worker
            woken: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, woken))
            if not self._idle.empty():  # released between the check and the append
                woken.cancel()
                continue
            try:
                await asyncio.wait_for(woken, max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise self._busy_error(wait) from None

    def _busy_error(self, wait: float) -> WorkersBusy:
        return WorkersBusy(
            f"all {self.size} query workers stayed busy for {wait:g} s; retry later",
            retry_after=max(1, int(wait)),
        )

    def _put_idle(self, worker: _Worker) -> None:
        """Hand ``worker`` to the next request: a thread blocked in ``run``, or the first
        event-loop request still waiting in ``run_async``."""
        self._idle.put(worker)
        while self._waiters:
            loop, woken = self._waiters.popleft()
            if not woken.done():
                loop.call_soon_threadsafe(_wake, woken)
                break

    def _release(self, worker: _Worker, reply: object = None) -> None:
        """Put ``worker`` back in the pool, or replace it: after a refresh (it sees old
        data), or when it keeps more memory than ``query_worker_keep_mb``."""
        keep = self.settings.query_worker_keep_mb
        kept = getattr(reply, "kept_mb", None) or 0
        if worker.generation != self._generation or (keep and kept > keep):
            if kept > keep:
                logger.info("query worker %s keeps %d MiB: replaced", worker.pid, kept)
                self.replaced_for_memory += 1
            self._retire(worker)
            self._replace()
        else:
            self._put_idle(worker)

    def _kill(self, worker: _Worker) -> None:
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._retire(worker)
        self._replace()

    def _crashed(self, worker: _Worker) -> AccordError:
        with self._lock:
            ended = self._zygote.status(worker.pid) if self._zygote else "unknown"
        self._retire(worker)
        self._replace()
        if worker.pid in self._over_budget:
            self._over_budget.discard(worker.pid)
            return OverMemoryBudget(
                "the query was stopped: the query workers together held more than "
                f"{self.settings.query_memory_total_mb} MiB, the server's budget for queries, "
                "and this query held the most. Retry later, or narrow the query"
            )
        how = ended
        if ended.startswith("signal "):
            num = int(ended.split()[1])
            how = f"signal {_SIGNALS.get(num, num)}"
        logger.error("query worker %s ended (%s) while running a query", worker.pid, how)
        return WorkerCrashed(
            f"the query crashed its worker process ({how}); the server is unharmed. A query "
            "this complex (deep nesting, huge expressions) or this memory-hungry cannot be run "
            "here; simplify it"
        )

    # -- the pool --------------------------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._zygote is not None:
                return
            self._zygote = self._new_zygote()
            for _ in range(self.size):
                self._put_idle(self._spawn_locked())
            budget = self.settings.query_memory_total_mb
            if budget > 0 and self._watcher is None:
                self._watcher = threading.Thread(
                    target=_watch_memory,
                    args=(weakref.ref(self), budget),
                    name="accord-memory-budget",
                    daemon=True,
                )
                self._watcher.start()

    def _enforce_budget(self, budget_mb: int) -> None:
        """If the running workers hold more than ``budget_mb`` together, stop the one
        that holds the most (its query answers 503, ``OverMemoryBudget``)."""
        held = {pid: _private_mb(pid) for pid in list(self._running_pids)}
        if sum(held.values()) <= budget_mb:
            return
        pid = max(held, key=held.__getitem__)
        logger.warning(
            "query workers hold %d MiB together, over the budget of %d MiB: stopping "
            "worker %s (%d MiB)",
            sum(held.values()),
            budget_mb,
            pid,
            held[pid],
        )
        self._over_budget.add(pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def _new_zygote(self) -> Zygote:
        s = self.settings
        return Zygote(self.store, self.on_disk, s.query_memory_mb, outbound=bool(s.service_allow))

    def _spawn_locked(self) -> _Worker:
        assert self._zygote is not None
        try:
            pid, conn = self._zygote.spawn()
        except ZygoteError:  # the zygote died (killed from outside?): start another
            logger.exception("the query zygote failed; starting a new one")
            self._zygote = self._new_zygote()
            pid, conn = self._zygote.spawn()
        self._live.add(pid)
        return _Worker(pid, conn, self._generation)

    def _replace(self) -> None:
        with self._lock:
            try:
                self._put_idle(self._spawn_locked())
            except ZygoteError:
                logger.exception("could not replace a query worker")

    def _retire(self, worker: _Worker) -> None:
        worker.conn.close()  # an idle worker reads EOF and ends
        self._live.discard(worker.pid)

    def refresh(self) -> None:
        """Replace every worker by one that sees the store as it is now (call after a
        committed write).  Queries running on old workers finish on the old data."""
        with self._lock:
            self._graphs = None
            if self._zygote is None:
                return
            old = self._zygote
            self._generation += 1
            self._zygote = self._new_zygote()
            stale = []
            while True:
                try:
                    stale.append(self._idle.get_nowait())
                except queue.Empty:
                    break
            for worker in stale:
                self._retire(worker)
                self._put_idle(self._spawn_locked())
        old.close()

    def close(self) -> None:
        """Stop every worker and the zygote."""
        with self._lock:
            zygote, self._zygote = self._zygote, None
            while True:
                try:
                    self._retire(self._idle.get_nowait())
                except queue.Empty:
                    break
            pids = set(self._live)
        _shutdown(pids, [zygote])
        self._live.clear()

    # -- facts for the guard, /ready and /metrics -------------------------------------

    @property
    def known_graphs(self) -> frozenset[str] | None:
        """``graphs()`` if already known (no query), else None."""
        return self._graphs

    def graphs(self) -> frozenset[str]:
        """The names of the dataset's named graphs (cached until ``refresh``)."""
        if self._graphs is None:
            rows = self.store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
            self._graphs = frozenset(str(r["g"]) for r in rows)
        return self._graphs

    def ready(self) -> bool:
        """Whether a worker answers a trivial ASK."""
        answer = self.run(QueryJob("ASK {}", fmt="json"))
        return b"true" in answer.body

    def counts(self) -> dict[str, int]:
        return {"busy": self._busy, "idle": self._idle.qsize()}

    @property
    def pids(self) -> set[int]:
        """The pids of the live workers (for tests and monitoring)."""
        return set(self._live)


#: How often the memory budget is checked while queries run (s).
BUDGET_INTERVAL = 0.1


def _watch_memory(executor: weakref.ref[Executor], budget_mb: int) -> None:
    """The budget's watcher: every ``BUDGET_INTERVAL`` while some query runs, until the
    executor is gone or closed."""
    while True:
        current = executor()
        if current is None or current._zygote is None:
            return
        if current._running_pids:
            current._enforce_budget(budget_mb)
        del current
        time.sleep(BUDGET_INTERVAL)


def _private_mb(pid: int) -> int:
    """A process's private memory (MiB), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            text = f.read()
    except OSError:
        return 0
    kb = 0
    for line in text.splitlines():
        if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
            kb += int(line.split()[1])
    return kb // 1024


def _answer(kind: str, value: object) -> Answer:
    if kind == "ok":
        return value  # type: ignore[return-value]
    if kind == "error":
        raise value  # type: ignore[misc]
    raise RuntimeError(f"query worker: {value}")


def _wake(woken: asyncio.Future[None]) -> None:
    if not woken.done():
        woken.set_result(None)


def _shutdown(pids: set[int], zygotes: list[Zygote | None]) -> None:
    for pid in list(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for zygote in zygotes:
        if zygote is not None:
            zygote.close()


def build_executor(store: Store, settings: Settings) -> Executor:
    """The executor for ``store``: workers reopen an on-disk Oxigraph store read-only,
    and share an in-memory one; an external store runs in-process (it has its own
    timeout, ``store_timeout``, and its own row cap)."""
    if not isinstance(store, OxigraphStore):
        return Executor(store, settings.model_copy(update={"query_workers": 0}))
    on_disk = None
    if settings.store:
        prefixes = tuple(store.prefixes.items())
        on_disk = OnDisk(Path(settings.store), tuple(store.files), prefixes)
    return Executor(store, settings, on_disk)


def get_executor(request: Request) -> Executor:
    return request.app.state.services.executor  # type: ignore[no-any-return]
