"""``accord serve --workers N``: several server processes over one store.

One server process runs Python's share of every request (HTTP, routing, checks, the
hand-off to a query worker) under one interpreter lock, and on a point lookup that
share, not the query, is what bounds throughput (see benchmarks/RESULTS.md). Several
processes lift that bound: uvicorn starts ``N`` of them on one socket, each calling
``worker_app`` below.

The graph is loaded once, here, into the on-disk store; each server process then opens
that folder read-only (``OxigraphStore(read_only=True)``: no lock, nothing re-parsed,
the pages shared through the OS cache) and keeps its own pool of query workers, so a
runaway query is stopped exactly as with one process. An external store needs nothing
loaded: each process talks to it. Writes need a single writer, so they are refused with
more than one process, as is the in-memory store, which processes cannot share.
"""

from __future__ import annotations

import gc
import json
import os
import signal
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from accord.dataset import graph_files
from accord.http.connections import uvicorn_options
from accord.main import create_app
from accord.query.worker import LIBC
from accord.settings import Settings, bundled_paths, get_settings
from accord.stores.oxigraph import OxigraphStore


class ServingError(ValueError):
    """Settings that several server processes cannot run with; the message says why."""


def is_external(store: str) -> bool:
    return store.startswith(("sparql+http://", "sparql+https://"))


def check(settings: Settings, workers: int) -> None:
    if workers < 2:
        return
    if settings.allow_update:
        raise ServingError(
            f"--workers {workers}: writes (ACCORD_ALLOW_UPDATE) need a single server "
            "process; serve with --workers 1"
        )
    if not settings.store:
        raise ServingError(
            f"--workers {workers} needs a store the processes can share: an on-disk "
            "store (--store FOLDER) or an external one (--store sparql+http://...)"
        )


def serve(settings: Settings, workers: int, host: str, port: int, log_level: str) -> None:
    """Load the graph into the store once, then serve it from ``workers`` processes."""
    check(settings, workers)
    # Built once here: loads the store (parsing only what changed since the last load),
    # and refuses bad settings now, rather than in processes that uvicorn would restart
    # as fast as they fail.
    application = create_app(settings)
    del application
    gc.collect()  # release the store (and its lock) before the workers open it
    os.environ.update(_environment(settings))
    uvicorn.run(
        "accord.http.serving:worker_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        **uvicorn_options(settings),
    )


def _environment(settings: Settings) -> dict[str, str]:
    """What a server process needs to rebuild ``settings``: uvicorn starts each one as
    a new interpreter, which reads its settings from the environment."""
    return {
        "ACCORD_STORE": settings.store,
        "ACCORD_PATHS": json.dumps([str(p) for p in settings.paths]),
        "ACCORD_NAMED_PATHS": json.dumps({g: str(p) for g, p in settings.named_paths.items()}),
    }


def worker_app() -> FastAPI:
    """One server process (uvicorn's factory): the loaded store, opened read-only."""
    _end_with_parent()
    settings = get_settings()
    if is_external(settings.store):
        application = create_app(settings)
        freeze_startup_objects()
        return application
    paths = settings.paths or ([] if settings.named_paths else bundled_paths())
    files = graph_files(paths, settings.named_paths, settings.base_iri)
    store = OxigraphStore(files, path=Path(settings.store), read_only=True)
    application = create_app(settings, store)
    freeze_startup_objects()
    return application


def freeze_startup_objects() -> None:
    """Move what start-up built (the application, the ontology and shapes graphs of the
    write guard, the catalogue: some 100,000 objects) out of the garbage collector's
    sight: each full collection walked them all again, ~0.08 ms of every request's
    share (issue 17's profile)."""
    gc.collect()
    gc.freeze()


def _end_with_parent() -> None:
    """Ask Linux to end this server process when the ``accord serve`` that started it
    ends, however it ends: killed with SIGKILL, uvicorn's supervisor cannot stop its
    processes, and they went on serving (with their query workers) as orphans."""
    if LIBC is None or not hasattr(LIBC, "prctl"):  # not Linux
        return
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() == 1:  # the parent ended before the request was made
        os.kill(os.getpid(), signal.SIGTERM)


#: prctl(2): the signal a process gets when its parent ends.
PR_SET_PDEATHSIG = 1
