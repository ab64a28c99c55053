"""An app factory for uvicorn's ``--workers``: each worker opens the store read-only.

    ACCORD_STORE=/path/to/store ACCORD_PATHS='["ontology", "data.nt"]' \\
        uvicorn --factory benchmarks.workers_app:create --workers 2

The store folder must already hold these files (start ``accord serve`` on it once, or
build an ``OxigraphStore`` with the same path): workers never load, they only share
the folder without taking its lock.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from app.dataset import graph_files
from app.main import create_app
from app.settings import Settings
from app.store import OxigraphStore


def create() -> FastAPI:
    settings = Settings()
    if not settings.store:
        raise SystemExit("workers_app: set ACCORD_STORE to the folder of a loaded on-disk store")
    files = graph_files(settings.paths, settings.named_paths, settings.base_iri)
    store = OxigraphStore(files, path=Path(settings.store), read_only=True)
    return create_app(settings, store)
