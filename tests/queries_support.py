"""Helpers for tests that run the catalogue's queries directly against a store."""

from functools import cache
from pathlib import Path

from accord.query.catalogue import NamedQuery, load_catalogue
from accord.stores.oxigraph import OxigraphStore
from tests import REPO

QUERIES = REPO / "queries"
ID = "https://w3id.org/accord/id/"


@cache
def catalogue() -> dict[str, NamedQuery]:
    return load_catalogue(QUERIES)


def run_named(store: OxigraphStore, name: str, **values: str) -> list[dict[str, str]]:
    """Run queries/{name}.rq with its parameters bound as the server binds them
    (``app.catalogue``); rows as plain strings."""
    text = catalogue()[name].bind(values)
    return [{k: str(v) for k, v in row.items()} for row in store.select(text)]


def short(iri: str) -> str:
    return iri.removeprefix(ID)


def query_names() -> list[str]:
    return sorted(p.stem for p in Path(QUERIES).glob("*.rq"))
