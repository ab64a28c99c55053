"""Accord's own files, found through the installed package: the ontology, the shapes,
the reference entities, the bundled data, the named queries and the archived sources.

They live in the repository's top-level folders (``ontology/``, ``shapes/``, ``data/``,
``queries/``, ``sources/``), the source of truth; ``accord/_bundle/`` holds links to
them, which the wheel and the sdist turn into copies.  So the same lookup
(``importlib.resources``) finds them in a checkout, an editable install and a wheel
installed anywhere, and nothing depends on the current folder.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

#: The folder holding Accord's files (``accord/_bundle``).
BUNDLE = Path(str(files("accord") / "_bundle"))

ONTOLOGY = BUNDLE / "ontology"
SHAPES = BUNDLE / "shapes"
DATA = BUNDLE / "data"
#: States and organisations that every data repository may refer to (``id:FR``...).
REFERENCE = DATA / "reference"
QUERIES = BUNDLE / "queries"
SOURCES = BUNDLE / "sources"

#: The bundled folders by name, as they appear in graph IRIs (``graph/data/...``).
FOLDERS = {"ontology": ONTOLOGY, "shapes": SHAPES, "data": DATA, "queries": QUERIES}


def bundled_name(path: Path) -> str | None:
    """``data/reference/states-and-organisations.ttl`` for a file of the bundle (given by
    any path to it, through the links or not), None for any other file."""
    resolved = path.resolve()
    for name, folder in FOLDERS.items():
        try:
            return f"{name}/{resolved.relative_to(folder.resolve()).as_posix()}"
        except ValueError:
            continue
    return None
