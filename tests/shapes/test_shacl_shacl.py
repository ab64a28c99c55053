"""The shapes are well-formed SHACL: each file, and all of them together, conform to
the W3C SHACL-SHACL shapes graph (the shapes for shapes)."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph

from tests import REPO
from tests.shapes.support import SHAPE_FILES, shapes

# The W3C test "shacl-shacl" (core/complex/shacl-shacl.ttl is its manifest) validates
# this file, the SHACL-SHACL shapes graph, against itself.
SHACL_SHACL = (
    REPO / "tests" / "w3c" / "suites" / "shacl" / "core" / "complex" / "shacl-shacl-data-shapes.ttl"
)


def _check(graph: Graph) -> str:
    conforms, _, text = pyshacl.validate(
        graph, shacl_graph=Graph().parse(SHACL_SHACL), inference="none"
    )
    return "" if conforms else text


def test_shapes_files_exist() -> None:
    assert len(SHAPE_FILES) > 1


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.name)
def test_shapes_file_conforms_to_shacl_shacl(path: Path) -> None:
    assert _check(Graph().parse(path)) == ""


def test_all_shapes_together_conform_to_shacl_shacl() -> None:
    assert _check(shapes()) == ""


def test_shacl_shacl_rejects_a_malformed_shape() -> None:
    """The check can fail: a shape with two sh:path values is not a valid shape."""
    broken = Graph().parse(
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix shape: <https://w3id.org/accord/shapes#> .
        shape:Broken a sh:PropertyShape ; sh:path shape:a , shape:b ; sh:minCount "one" .
        """,
        format="turtle",
    )
    assert _check(broken) != ""
