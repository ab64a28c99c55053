"""Helpers for the shape tests: the graphs, the fixtures and their declared expectations.

Each file in ``fixtures/invalid/`` is loaded on top of ``fixtures/base.ttl`` (a small
conforming world) and declares, in ``# expect:`` comment lines, every result it must
produce: ``# expect: FOCUS SOURCE-SHAPE CONSTRAINT-COMPONENT PATH`` in prefixed form
(``-`` when the result has no path).  Files in ``fixtures/valid/`` must conform on top
of the same base.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyshacl
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from accord.namespaces import PREFIXES
from accord.shacl.report import short
from tests import REPO

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = FIXTURES / "base.ttl"
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
INVALID = sorted((FIXTURES / "invalid").glob("*.ttl"))
SHAPE_FILES = sorted((REPO / "shapes").glob("*.ttl"))
ONTOLOGY_FILES = sorted((REPO / "ontology").glob("*.ttl"))

Result = tuple[str, str, str, str]  # focus, source shape, component, path ("-" if none)


def _union(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        graph.parse(path)
    return graph


@cache
def ontology() -> Graph:
    return _union(ONTOLOGY_FILES)


@cache
def shapes() -> Graph:
    return _union(SHAPE_FILES)


@cache
def base() -> Graph:
    return _union([BASE])


def expand(curie: str) -> URIRef:
    prefix, _, local = curie.partition(":")
    return URIRef(PREFIXES[prefix] + local)


def expectations(path: Path) -> set[Result]:
    """The ``# expect:`` lines of a fixture."""
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# expect:"):
            focus, shape, component, result_path = line.removeprefix("# expect:").split()
            found.add((focus, shape, component, result_path))
    return found


def run(data: Graph, inference: str = "none") -> Graph:
    """Validate as ``accord validate`` does; return the results graph."""
    _, results, _ = pyshacl.validate(
        data,
        shacl_graph=shapes(),
        ont_graph=ontology(),
        inference=inference,
        advanced=True,
        inplace=True,
    )
    return results


def with_base(*paths: Path) -> Graph:
    graph = Graph()
    graph += base()
    for path in paths:
        graph.parse(path)
    return graph


def top_results(results: Graph) -> list[URIRef]:
    """The report's own results (not the sh:detail results nested in them)."""
    return list(results.objects(predicate=SH.result))


def summarise(results: Graph) -> set[Result]:
    return {
        (
            short(results.value(r, SH.focusNode)) or "?",
            short(results.value(r, SH.sourceShape)) or "?",
            short(results.value(r, SH.sourceConstraintComponent)) or "?",
            short(results.value(r, SH.resultPath)) or "-",
        )
        for r in top_results(results)
    }
