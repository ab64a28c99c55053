"""Assembles the application: settings, the store, the routers."""

from fastapi import FastAPI

from app import __version__
from app.dataset import graph_files
from app.settings import Settings, bundled_paths, get_settings
from app.store import OxigraphStore, Store


def build_store(settings: Settings) -> Store:
    paths = settings.paths or ([] if settings.named_paths else bundled_paths())
    files = graph_files(paths, settings.named_paths, settings.base_iri)
    return OxigraphStore(files)


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="Accord",
        version=__version__,
        description="A knowledge graph of international security commitments: "
        "a SPARQL 1.1 endpoint over the Accord ontology and data.",
    )
    app.state.settings = settings
    app.state.store = store or build_store(settings)
    return app
