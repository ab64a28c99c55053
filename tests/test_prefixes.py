"""One prefix map: every Turtle file in the repository binds each prefix it declares to
the IRI that ``app/namespaces.PREFIXES`` gives it, and uses no other name for one of
those IRIs.  The SHACL-SPARQL prefix declarations (``sh:declare``) follow the same map."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.namespace import SH

from accord.dataset import skipped_folder
from accord.namespaces import PREFIXES, turtle_prefixes
from tests import REPO

SKIP_DIRS = {".git", ".venv", "node_modules", ".ruff_cache", ".mypy_cache", ".pytest_cache"}
SKIP_PATHS = {
    REPO / "app" / "accord" / "static" / "vendor",
    REPO / "app" / "accord" / "_bundle",  # links to ontology/, shapes/, data/...
    REPO / "tests" / "w3c" / "suites",  # the W3C's files, unmodified
    REPO / "build",
}
_DECLARATION = re.compile(
    r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.MULTILINE | re.IGNORECASE
)


def _turtle_files() -> list[Path]:
    """The repository's Turtle files: not those of tools, virtual environments (whatever
    their name, as ``accord validate`` decides) or the W3C's."""
    found = []
    for folder, subfolders, names in os.walk(REPO):
        subfolders[:] = [
            d
            for d in subfolders
            if d not in SKIP_DIRS
            and not skipped_folder(Path(folder, d))
            and Path(folder, d) not in SKIP_PATHS
        ]
        found += [Path(folder, n) for n in names if Path(n).suffix.lower() in {".ttl", ".trig"}]
    return sorted(found)


def problems(text: str) -> list[str]:
    """What is wrong with the prefix declarations of a Turtle text."""
    names = {iri: name for name, iri in PREFIXES.items()}
    found = []
    for name, iri in _DECLARATION.findall(text):
        name = name or "(empty prefix)"
        if PREFIXES.get(name) == iri:
            continue
        if iri in names:
            found.append(f"{name}: <{iri}> should be {names[iri]}:")
        elif name in PREFIXES:
            found.append(f"{name}: is bound to <{iri}>, not <{PREFIXES[name]}>")
        else:
            found.append(f"{name}: <{iri}> is not in app/namespaces.PREFIXES")
    return found


FILES = _turtle_files()


def test_the_repository_has_turtle_files_in_each_folder() -> None:
    folders = {p.relative_to(REPO).parts[0] for p in FILES}
    assert {"ontology", "shapes", "data", "tests"} <= folders


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_file_uses_the_project_prefixes(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _DECLARATION.search(text), "declares no prefix"
    assert problems(text) == []


def test_shacl_prefix_declarations_use_the_project_prefixes() -> None:
    graph = Graph()
    for path in sorted((REPO / "shapes").glob("*.ttl")):
        graph.parse(path)
    declared = {
        str(graph.value(d, SH.prefix)): str(graph.value(d, SH.namespace))
        for d in graph.objects(None, SH.declare)
    }
    assert declared
    assert {p: iri for p, iri in declared.items() if PREFIXES.get(p) != iri} == {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@prefix accord: <https://w3id.org/accord/ontology#> .", []),
        ("PREFIX accord: <https://w3id.org/accord/ontology#>", []),
        ("@prefix acc: <https://w3id.org/accord/ontology#> .", ["acc: <https://w3id.org/accord/ontology#> should be accord:"]),
        ("@prefix schema: <http://schema.org/> .", ["schema: is bound to <http://schema.org/>, not <https://schema.org/>"]),
        ("@prefix ex: <http://example.org/> .", ["ex: <http://example.org/> is not in app/namespaces.PREFIXES"]),
        ("@prefix : <http://example.org/> .", ["(empty prefix): <http://example.org/> is not in app/namespaces.PREFIXES"]),
    ],
)  # fmt: skip
def test_problems_are_found(text: str, expected: list[str]) -> None:
    assert problems(text) == expected


def test_turtle_prefixes_are_those_used_and_never_need_an_escape() -> None:
    graph = PREFIXES["graph"]
    iris = [
        PREFIXES["id"] + "FR",
        PREFIXES["accord"] + "State",
        PREFIXES["xsd"] + "integer",
        graph + "data/paris-summit",  # graph:data\/paris-summit: written whole instead
        PREFIXES["dcterms"],  # a namespace itself: dcterms:
    ]
    assert turtle_prefixes(iris) == {p: PREFIXES[p] for p in ("accord", "id", "xsd", "dcterms")}
    assert turtle_prefixes([graph + "a", graph + "b."]) == {}  # a final dot is escaped too
    assert turtle_prefixes([graph + "a-b_c.d"]) == {"graph": graph}
