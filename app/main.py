"""Assembles the application: settings, the store, the routers."""

from pathlib import Path

from fastapi import FastAPI

from app import __version__
from app.auth import check_write_settings
from app.catalogue import load_catalogue
from app.dataset import graph_files
from app.hardening import install_hardening
from app.middleware import DatasetVersionMiddleware
from app.routers import (
    browse,
    dumps,
    graph_store,
    named_queries,
    ops,
    resources,
    sparql,
    ui,
    void,
)
from app.routers.errors import install_error_handlers
from app.settings import Settings, bundled_paths, get_settings
from app.store import OxigraphStore, Store
from app.writes import build_writer


def build_store(settings: Settings) -> Store:
    """The store the settings ask for, holding the dataset's files."""
    paths = settings.paths or ([] if settings.named_paths else bundled_paths())
    files = graph_files(paths, settings.named_paths, settings.base_iri)
    if settings.store.startswith(("sparql+http://", "sparql+https://")):
        from app.stores.remote import RemoteStore

        return RemoteStore.from_url(settings.store, files, settings)
    return OxigraphStore(files, path=Path(settings.store) if settings.store else None)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or get_settings()
    check_write_settings(settings)  # fail fast: writes need a strong token
    app = FastAPI(
        title="Accord",
        version=__version__,
        description="A knowledge graph of international security commitments: "
        "a SPARQL 1.1 endpoint over the Accord ontology and data.",
    )
    app.state.settings = settings
    app.state.store = store or build_store(settings)
    app.state.writer = build_writer(settings, app.state.store, app.state)  # None: read-only
    app.state.catalogue = load_catalogue(settings.queries_dir)
    app.add_middleware(DatasetVersionMiddleware)
    install_error_handlers(app)
    install_hardening(app)  # executor, limits, access log, metrics
    app.include_router(ops.router)
    app.include_router(ui.router)
    app.include_router(sparql.router)
    app.include_router(named_queries.router)
    app.include_router(resources.router)
    app.include_router(dumps.router)
    app.include_router(void.router)
    app.include_router(browse.router)
    app.include_router(graph_store.router)
    return app
