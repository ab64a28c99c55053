"""The one settings object, read once from the environment (prefix ``ACCORD_``)."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
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
    #: The folder of named queries (``*.rq``) served under ``/queries``.
    queries_dir: Path = PROJECT_ROOT / "queries"
    #: Where the graph lives: empty for the embedded in-memory Oxigraph store, a folder
    #: path for an embedded on-disk Oxigraph store, or ``sparql+http(s)://...`` for an
    #: external SPARQL 1.1 store (see app/stores/).
    store: str = ""
    #: External store: its SPARQL Update endpoint, used by ``accord load`` (default:
    #: derived from ``store`` for Virtuoso, Oxigraph server and Fuseki).
    store_update_url: str | None = None
    #: External store: its Graph Store Protocol endpoint (default: derived as above).
    store_gsp_url: str | None = None
    #: External store: credentials, sent only when the store asks (HTTP Basic or Digest).
    store_user: str | None = None
    store_password: SecretStr | None = None
    #: External store: seconds to wait for an answer before a 503.
    store_timeout: float = 60.0
    #: External store: its row cap (Virtuoso's ResultSetMaxRows); an answer that reaches
    #: it is refused as possibly truncated.  Unset: Virtuoso's 10000 when the store is
    #: Virtuoso (its X-SPARQL-MaxRows header is always honoured), none otherwise.
    store_max_rows: int | None = None


@lru_cache
def get_settings() -> Settings:
    return Settings()


def bundled_paths() -> list[Path]:
    """The folders that make up the bundled dataset."""
    return [PROJECT_ROOT / "ontology", PROJECT_ROOT / "shapes", PROJECT_ROOT / "data"]
