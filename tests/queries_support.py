"""Helpers for tests that run the catalogue's queries directly against a store."""

from pathlib import Path

from app import PROJECT_ROOT
from app.namespaces import sparql_prologue
from app.store import OxigraphStore

QUERIES = PROJECT_ROOT / "queries"
ID = "https://w3id.org/accord/id/"


def run_named(store: OxigraphStore, name: str, **bindings: str) -> list[dict[str, str]]:
    """Run queries/{name}.rq with optional VALUES bindings; rows as plain strings."""
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    if bindings:
        head, _, rest = text.partition("WHERE {")
        values = " ".join(f"VALUES ?{k} {{ {v} }}" for k, v in bindings.items())
        text = f"{head}WHERE {{ {values}{rest}"
    rows = store.select(sparql_prologue() + text)
    return [{k: str(v) for k, v in row.items()} for row in rows]


def short(iri: str) -> str:
    return iri.removeprefix(ID)


def query_names() -> list[str]:
    return sorted(p.stem for p in Path(QUERIES).glob("*.rq"))
