"""Assembles the application: settings, the store, the routers."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from accord import __version__
from accord.dataset import graph_files
from accord.http.errors import install_error_handlers
from accord.http.hardening import install_hardening
from accord.http.middleware import DatasetVersionMiddleware
from accord.query.worker import give_back_memory
from accord.routers import (
    browse,
    cite,
    dumps,
    graph_store,
    named_queries,
    ops,
    resources,
    search,
    sparql,
    ui,
    void,
)
from accord.routers.api_docs import ASSETS, install_unique_ids
from accord.services import build_services
from accord.settings import Settings, bundled_paths, get_settings
from accord.stores.base import Store
from accord.stores.oxigraph import OxigraphStore
from accord.writes import planning
from accord.writes.auth import check_write_settings


def build_store(settings: Settings) -> Store:
    """The store the settings ask for, holding the dataset's files."""
    paths = settings.paths or ([] if settings.named_paths else bundled_paths())
    files = graph_files(paths, settings.named_paths, settings.base_iri)
    if settings.store.startswith(("sparql+http://", "sparql+https://")):
        from accord.stores.remote import RemoteStore

        return RemoteStore.from_url(settings.store, files, settings)
    store = OxigraphStore(files, path=Path(settings.store) if settings.store else None)
    # Parsing and the bulk load leave their freed heap with the process: at 1M triples the
    # server kept 477 MB of RSS after the load, 169 MB once it was handed back
    # (review scale-10m.md, finding 3: 700 MB of its own at 10M).
    give_back_memory()
    return store


@contextlib.asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    yield
    # Shutting down (SIGTERM, after shutdown_timeout): update plans still running are
    # killed, so the threads waiting for them end and the process can.
    planning.stop_all()


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or get_settings()
    check_write_settings(settings)  # fail fast: writes need a strong token
    app = FastAPIOffline(  # /docs and /redoc with their files served here, no CDN
        title="Accord",
        version=__version__,
        description="A knowledge graph of international security commitments: "
        "a SPARQL 1.1 endpoint over the Accord ontology and data.",
        static_url=ASSETS,
        favicon_url="/static/favicon.svg",
        lifespan=_lifespan,
    )
    services = build_services(settings, store or build_store(settings))
    app.state.services = services  # the composition root (accord.services)
    app.add_middleware(DatasetVersionMiddleware)
    install_error_handlers(app)
    install_hardening(app, services)  # limits, access log, metrics
    app.include_router(ops.router)
    app.include_router(ui.router)
    sparql.install(app)  # its plain ASGI endpoint first, then its documented routes
    app.include_router(named_queries.router)
    app.include_router(resources.router)
    app.include_router(dumps.router)
    app.include_router(void.router)
    app.include_router(browse.router)
    app.include_router(graph_store.router)
    app.include_router(cite.router)
    app.include_router(search.router)
    install_unique_ids(app)
    return app
