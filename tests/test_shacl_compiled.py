"""The compiled engine of ``accord validate`` (app/accord/shacl/compiled.py) reports exactly
what pySHACL, the reference, reports.

Both engines validate the same files, and their reports must be the same: conformance, and
the results as a multiset of (file, focus node, path, value, severity, message, source
shape, constraint component).  Blank nodes get a stand-in, since every parse names them
anew; the namespace check's results are compared by file, term and check, since the use
of a term it names is the first one found, in an order neither engine fixes.

On Accord's shapes nothing may be left to pySHACL (no note): a note would also say that
the compiled engine disagreed with pySHACL on a node, which it checks on every run.  The
fixtures of ``tests/shapes/fixtures/engine/`` show each case it does not compile, and how
it falls back.  No timing is asserted here (see benchmarks/validate_engines.py).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest
from pyshacl.rdfutil.inoculate import inoculate
from pyshacl.shapes_graph import ShapesGraph
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import SH, XSD

from accord.shacl import compiled, sparql_constraints
from accord.shacl.oxdata import OxData, to_ox
from accord.shacl.validation import ONTOLOGY_DIR, SHAPES_DIR, Outcome, load, load_shapes, validate
from benchmarks import generate
from tests import REPO, run_accord
from tests.shapes.support import BASE, INVALID, VALID

TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)
ENGINE_FIXTURES = sorted((REPO / "tests" / "shapes" / "fixtures" / "engine").iterdir())
_BLANK = re.compile(r"_:\w+|\bN?[0-9a-f]{32}\b")


def _blank(text: str | None) -> str | None:
    return None if text is None else _BLANK.sub("_:", text)


def report(outcome: Outcome) -> tuple[bool, Counter[tuple[str | None, ...]]]:
    rows: Counter[tuple[str | None, ...]] = Counter()
    for r in outcome.rows:
        if r.shape == "shape:NamespaceClosure":
            rows[(r.file, r.value, r.shape)] += 1
            continue
        fields = (r.file, r.focus, r.path, r.value, r.severity, r.message, r.shape, r.component)
        rows[tuple(_blank(f) for f in fields)] += 1
    return outcome.conforms, rows


def both(*args: object, **kwargs: object) -> tuple[Outcome, Outcome]:
    reference = validate(*args, engine="pyshacl", **kwargs)  # type: ignore[arg-type]
    compiled_ = validate(*args, engine="compiled", **kwargs)  # type: ignore[arg-type]
    return reference, compiled_


# --- every shape fixture, and Accord's own data --------------------------------------------


@pytest.mark.parametrize("fixture", INVALID + VALID, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shape_fixture_same_both_ways(fixture: Path) -> None:
    reference, found = both([BASE, fixture])
    assert report(found) == report(reference)
    assert found.notes == []  # all compiled, and pySHACL agreed with every query


@pytest.mark.parametrize(
    "fixture", (INVALID + VALID)[::4], ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_changed_file_same_both_ways(fixture: Path) -> None:
    reference, found = both([BASE, fixture], changed=[fixture])
    assert report(found) == report(reference)
    assert found.focus == reference.focus
    assert found.notes == []


def test_data_folder_same_both_ways() -> None:
    reference, found = both([REPO / "data"])
    assert report(found) == report(reference)
    assert found.conforms and found.notes == []


def test_accords_shapes_are_all_compiled() -> None:
    """What keeps ``accord validate`` of a million triples within seconds: no shape of
    Accord's is left to pySHACL over the whole graph.  A new shape that the compiler
    does not cover fails here (cover it in app/accord/shacl/compiler.py, or say why not)."""
    data = OxData()
    ontology = load([ONTOLOGY_DIR])
    shapes = load_shapes([SHAPES_DIR]).graph
    data.mix_in(inoculate(Graph(), ontology.graph))
    data.settle()
    core, bulk = sparql_constraints.split(shapes)
    plan = compiled.compiler_for(data, ShapesGraph(core)).plan()
    assert (plan.whole, plan.fallback) == (None, {})
    targeted = {s for p in TARGETS for s in core.subjects(p, None)}
    assert {unit.shape for unit in plan.units} == targeted
    assert len(bulk) == 6


# --- what the engine compiles, and what it leaves to pySHACL ---------------------------------


def _expected_engine(path: Path) -> tuple[str, str]:
    """A fixture's ``# engine:`` line: ``compiled``, ``fallback WHY`` (some shapes left to
    pySHACL over the whole graph), ``nodes WHY`` (some nodes left to pySHACL, over what
    they read) or ``whole WHY`` (all of it); JSON-LD cannot hold comments: compiled."""
    if path.suffix == ".jsonld":
        return "compiled", ""
    line = next(x for x in path.read_text().splitlines() if x.startswith("# engine:"))
    kind, _, why = line.removeprefix("# engine:").strip().partition(" ")
    return kind, why


@pytest.mark.parametrize("fixture", ENGINE_FIXTURES, ids=lambda p: p.name)
def test_engine_fixture(fixture: Path) -> None:
    reference, found = both([fixture], [fixture], standalone=True)
    assert report(found) == report(reference)
    assert not reference.conforms  # each fixture has something to find
    kind, why = _expected_engine(fixture)
    if kind == "compiled":
        assert found.notes == []
        return
    (note,) = found.notes
    assert why in note
    if kind == "whole":
        assert note.startswith("validated by pySHACL alone"), note
    elif kind == "nodes":
        assert re.match(r"\d+ nodes? validated by pySHACL \(each over", note), note
    else:
        assert re.match(r"\d+ shapes? validated by pySHACL over the whole graph", note), note


def test_upper_case_language_tags_are_reported_as_written() -> None:
    fixture = next(p for p in ENGINE_FIXTURES if p.stem == "upper-case-language")
    _, found = both([fixture], [fixture], standalone=True)
    assert [r.value for r in found.rows] == ['"Farbe"@DE']


def test_literals_oxigraph_writes_otherwise_are_reported_as_rdflib_writes_them() -> None:
    fixture = next(p for p in ENGINE_FIXTURES if p.stem == "translated-literals")
    _, found = both([fixture], [fixture], standalone=True)
    values = {r.value for r in found.rows}
    assert '"2026-01-07T10:00:00+00:00"^^xsd:dateTime' not in values  # conforms, not reported
    assert '"6.50"^^xsd:decimal' in values and '"6.5"^^xsd:decimal' not in values


def test_store_terms_and_rdflib_terms() -> None:
    """The census: literals Oxigraph keeps as rdflib reads them, those it writes otherwise
    (translated), and those that cannot correspond one to one (ambiguous)."""
    data = OxData()
    for n, obj in enumerate(
        [
            Literal("2026-01-06", datatype=XSD.date),
            Literal("2026-01-06T10:00:00Z", datatype=XSD.dateTime),
            Literal("-0044-03-15", datatype=XSD.date),  # rdflib: ill-typed, kept as written
        ]
    ):
        data.mix_in(_one(n, obj))
    data.settle()
    assert data.census.ambiguous == set()
    assert len(data.census.translated) == 1
    (translated,) = data.census.translated
    assert data.rdflib(translated) == Literal("2026-01-06T10:00:00+00:00", datatype=XSD.dateTime)
    merged = OxData()
    merged.mix_in(_one(0, Literal("1.50", datatype=XSD.decimal)))
    merged.mix_in(_one(1, Literal("1.5", datatype=XSD.decimal)))
    merged.settle()
    assert len(merged.census.ambiguous) == 1 and "as one literal" in merged.census.reasons[0]
    assert sorted(str(o) for values in merged.originals.values() for o in values) == ["1.5", "1.50"]
    assert merged.suspects == {to_ox(URIRef("urn:s0")), to_ox(URIRef("urn:s1"))}


def _one(n: int, obj: Literal) -> Graph:
    graph = Graph()
    graph.add((URIRef(f"urn:s{n}"), URIRef("urn:p"), obj))
    return graph


# --- randomly damaged copies of a generated graph ------------------------------------------

XSD_ = str(XSD)
LITERALS = [
    '"x"', '"x"@en', '"y"@en', '"x"@fr', f'"12"^^<{XSD_}integer>', f'"abc"^^<{XSD_}integer>',
    f'"2026-02-30"^^<{XSD_}date>', f'"-0001-01-01"^^<{XSD_}date>', f'"2026"^^<{XSD_}gYear>',
    f'"true"^^<{XSD_}boolean>', '"L12"', '"L0"', '"ab"', '"XQ"', '"https://example.org/"',
    f'"2026-01-06"^^<{XSD_}date>', f'"0"^^<{XSD_}integer>',
    f'"2026-01-06T10:00:00Z"^^<{XSD_}dateTime>', f'"7.50"^^<{XSD_}decimal>',
    f'"7.5"^^<{XSD_}decimal>', f'"2026-01-06Z"^^<{XSD_}date>', f'"01"^^<{XSD_}integer>',
]  # fmt: skip
IRIS = [
    "<http://www.wikidata.org/entity/Q42>", "<https://example.org/x>",
    "<http://www.wikidata.org/entity/X1>", "<https://w3id.org/accord/concept/Training>",
    "<https://w3id.org/accord/concept/Nope>",
]  # fmt: skip


def damaged(lines: list[str], rng: random.Random, n: int) -> list[str]:
    """N-Triples with ``n`` random changes: triples deleted, added (a second value, a value
    of the wrong kind, an unknown term), altered (object or predicate), blank nodes added."""
    triples = [line.rstrip(" .\n").split(" ", 2) for line in lines]
    predicates = sorted({t[1] for t in triples})
    objects = sorted({t[2] for t in triples})

    def value() -> str:
        r = rng.random()
        return (
            rng.choice(LITERALS)
            if r < 0.4
            else rng.choice(IRIS)
            if r < 0.5
            else rng.choice(objects)
        )

    for _ in range(n):
        op = rng.choice(["delete", "delete", "alter", "add", "add", "predicate", "blank"])
        i = rng.randrange(len(triples))
        s, p, o = triples[i]
        if op == "delete":
            triples.pop(i)
        elif op == "alter":
            triples[i] = [s, p, value()]
        elif op == "add":
            triples.append([s, p, value()])
        elif op == "predicate":
            triples[i] = [s, rng.choice(predicates), o]
        else:
            blank = f"_:m{rng.randrange(1000)}"
            triples += [[s, p, blank], [blank, rng.choice(predicates), value()]]
    return [" ".join(t) + " .\n" for t in triples]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    path = tmp_path_factory.mktemp("generated") / "accord-3k.nt"
    generate.generate(3_000, path)
    return path.read_text().splitlines(keepends=True)


@pytest.mark.parametrize("seed", range(8))
def test_damaged_graph_same_both_ways(seed: int, generated: list[str], tmp_path: Path) -> None:
    path = tmp_path / f"damaged-{seed}.nt"
    path.write_text("".join(damaged(generated, random.Random(seed), 40)))
    reference, found = both([path])
    assert report(found) == report(reference)
    # Nothing left to pySHACL but the nodes with literals Oxigraph and rdflib read apart.
    assert all(re.match(r"\d+ nodes? validated by pySHACL \(each over", n) for n in found.notes)
    assert len(reference.rows) > 20  # the damage is seen


# --- the command ------------------------------------------------------------------------------


def test_engine_flag_gives_the_same_report() -> None:
    invalid = "tests/shapes/fixtures/invalid/commitment-no-summary.ttl"
    base = "tests/shapes/fixtures/base.ttl"
    default = run_accord("validate", "--format", "json", base, invalid)
    reference = run_accord("validate", "--engine", "pyshacl", "--format", "json", base, invalid)
    assert (default.returncode, default.stdout) == (reference.returncode, reference.stdout)
    assert default.returncode == 1 and default.stderr == reference.stderr == ""
    assert "--engine" in run_accord("validate", "--help").stdout
