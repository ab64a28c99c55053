"""The one settings object, read once from the environment (prefix ``ACCORD_``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from app import PROJECT_ROOT
from app.namespaces import DEFAULT_BASE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACCORD_")

    #: The base under which Accord mints IRIs.
    base_iri: str = DEFAULT_BASE
    #: RDF files or folders to serve; empty means the bundled ontology, shapes and data.
    paths: list[Path] = Field(default_factory=list)
    #: Files served under an explicit graph IRI: {graph IRI: path}.
    named_paths: dict[str, Path] = Field(default_factory=dict)
    #: Public URL of the SPARQL endpoint, if the server sits behind a proxy.
    public_url: str | None = None
    #: Allow SPARQL Update (refused with 403 unless enabled).
    allow_update: bool = False
    #: Where the graph lives: empty for the embedded in-memory Oxigraph store, a folder
    #: path for an embedded on-disk Oxigraph store, or ``sparql+http(s)://...`` for an
    #: external SPARQL 1.1 store (see app/stores/).
    store: str = ""


@lru_cache
def get_settings() -> Settings:
    return Settings()


def bundled_paths() -> list[Path]:
    """The folders that make up the bundled dataset."""
    return [PROJECT_ROOT / "ontology", PROJECT_ROOT / "shapes", PROJECT_ROOT / "data"]
