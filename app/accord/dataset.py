"""Which RDF files make up a dataset, and under which named graph each is served.

Every file is its own named graph; the default graph of a query is the union of
them all.  Files under the project's ``ontology/``, ``shapes/`` and ``data/`` folders
get readable graph IRIs (``{base}graph/data/paris-summit-2026-01-06``); other files
get a ``file:`` IRI unless a graph IRI is given explicitly.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat

from accord.resources import bundled_name

#: File extension -> RDF syntax.
RDF_EXTENSIONS: dict[str, RdfFormat] = {
    ".ttl": RdfFormat.TURTLE,
    ".nt": RdfFormat.N_TRIPLES,
    ".nq": RdfFormat.N_QUADS,
    ".trig": RdfFormat.TRIG,
    ".n3": RdfFormat.N3,
    ".rdf": RdfFormat.RDF_XML,
    ".owl": RdfFormat.RDF_XML,
    ".xml": RdfFormat.RDF_XML,
    ".jsonld": RdfFormat.JSON_LD,
}

#: Formats whose files carry their own graph names.
QUAD_FORMATS = {RdfFormat.N_QUADS, RdfFormat.TRIG}


class DatasetError(Exception):
    """A path given as data does not exist or is not RDF."""


@dataclass(frozen=True)
class GraphFile:
    """One RDF file and the named graph it is loaded into."""

    graph: str
    path: Path

    @property
    def format(self) -> RdfFormat:
        return RDF_EXTENSIONS[self.path.suffix.lower()]


def rdf_files(path: Path) -> list[Path]:
    """The RDF files at ``path``: the file itself, or those below a folder, sorted (hidden
    folders, tools' folders and virtual environments are not searched)."""
    if path.is_file():
        if path.suffix.lower() not in RDF_EXTENSIONS:
            raise DatasetError(
                f"{path}: not an RDF file (known extensions: {', '.join(RDF_EXTENSIONS)})"
            )
        return [path]
    if path.is_dir():
        found = []
        for folder, subfolders, names in os.walk(path):
            subfolders[:] = [d for d in subfolders if not skipped_folder(Path(folder, d))]
            found += [Path(folder, n) for n in names if Path(n).suffix.lower() in RDF_EXTENSIONS]
        return sorted(found)
    raise DatasetError(f"{path}: no such file or folder")


#: Folders of tools, never searched for data (hidden folders such as .git and .venv are
#: skipped too, and so is any virtual environment, whatever its name).
TOOL_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "env"})


def skipped_folder(folder: Path) -> bool:
    """Whether a folder found below a given one is left out: hidden, a tool's, or a
    virtual environment (its RDF files, such as a library's JSON-LD, are not data)."""
    name = folder.name
    return name.startswith(".") or name in TOOL_FOLDERS or (folder / "pyvenv.cfg").exists()


def graph_iri_for(path: Path, base_iri: str) -> str:
    """The named graph for a file: readable for Accord's own files, ``file:`` otherwise."""
    name = bundled_name(path)
    if name is None:
        return path.resolve().as_uri()
    return f"{base_iri}graph/{name.rsplit('.', 1)[0]}"


def graph_files(
    paths: Iterable[Path],
    named: dict[str, Path] | None = None,
    base_iri: str = "https://w3id.org/accord/",
) -> list[GraphFile]:
    """Expand folders into files and give each one its graph IRI."""
    result = [GraphFile(graph_iri_for(f, base_iri), f) for p in paths for f in rdf_files(Path(p))]
    for iri, p in (named or {}).items():
        result.extend(GraphFile(iri, f) for f in rdf_files(Path(p)))
    return result


def dataset_version(files: Iterable[GraphFile]) -> str:
    """A short content hash of the dataset: the same files give the same version."""
    digest = hashlib.sha256()
    for gf in sorted(files, key=lambda g: (g.graph, str(g.path))):
        digest.update(gf.graph.encode())
        digest.update(b"\0")
        digest.update(gf.path.read_bytes())
    return digest.hexdigest()[:16]
