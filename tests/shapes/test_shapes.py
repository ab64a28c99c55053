"""The SHACL shapes: every shape accepts good data and rejects bad data, for the reason
its fixture declares; the value sets match the concept schemes; the real data conforms."""

from __future__ import annotations

from pathlib import Path

import pyshacl
import pytest
from rdflib import Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from accord.namespaces import ACCORD, CONCEPT, PREFIXES, SHAPE
from accord.shacl import validation
from accord.shacl.report import short
from tests import REPO
from tests.shapes.support import (
    BASE,
    INVALID,
    SHAPE_FILES,
    VALID,
    base,
    expectations,
    ontology,
    run,
    shapes,
    summarise,
    top_results,
    with_base,
)

DATA_FILES = sorted((REPO / "data").rglob("*.ttl"))
ORG_ROLE = URIRef(PREFIXES["org"] + "role")


def _shape_iris(graph: Graph) -> set[URIRef]:
    """Every shape the shapes files name with an IRI."""
    found = {s for t in (SH.NodeShape, SH.PropertyShape) for s in graph.subjects(RDF.type, t)}
    return {s for s in found if isinstance(s, URIRef)}


def _value_only_shapes(graph: Graph) -> set[URIRef]:
    """Shapes with no targets that are only used as values of sh:node (helpers)."""
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    return {
        s
        for s in _shape_iris(graph)
        if (None, SH.node, s) in graph and not any((s, t, None) in graph for t in targets)
    }


# --- Fixtures behave as declared ------------------------------------------------


def test_base_fixture_conforms() -> None:
    assert summarise(run(with_base())) == set()


@pytest.mark.parametrize("fixture", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms(fixture: Path) -> None:
    assert summarise(run(with_base(fixture))) == set()


@pytest.mark.parametrize("fixture", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_violates_exactly_what_it_declares(fixture: Path) -> None:
    expected = expectations(fixture)
    assert expected, f"{fixture.name} declares no '# expect:' line"
    results = run(with_base(fixture))
    assert summarise(results) == expected
    # Every result carries a message a person can act on: the shape's own sh:message,
    # with SHACL-SPARQL placeholders filled in.
    for result in top_results(results):
        message = str(results.value(result, SH.resultMessage))
        shape = results.value(result, SH.sourceShape)
        declared = shapes().value(shape, SH.message)
        if declared is not None:
            assert message == str(declared)
        else:
            assert "{?" not in message and "{$" not in message and message


@pytest.mark.parametrize("fixture", [*INVALID, *VALID], ids=lambda p: p.stem)
def test_validating_only_a_changed_file_finds_what_it_breaks(fixture: Path) -> None:
    # ``accord validate --changed``: the fixture is the change, base.ttl the rest. The
    # declared results on the nodes the change can affect are all found, and no other:
    # the same answer as validating everything, restricted to those nodes.
    loaded = validation.load([BASE, fixture])
    focus = validation.focus_of(loaded, [validation.display(fixture)])
    _, results, _ = validation.run_shacl(loaded.graph, shapes(), ontology(), focus=focus)
    in_focus = {short(node) for node in focus}
    expected = {e for e in expectations(fixture) if e[0] in in_focus}
    assert summarise(results) == expected
    if fixture in INVALID:
        assert expected, "the change's own violation was not found"


def test_sparql_messages_name_the_nodes_involved() -> None:
    fixture = next(p for p in INVALID if p.stem == "signature-person-absent")
    results = run(with_base(fixture))
    (message,) = [str(results.value(r, SH.resultMessage)) for r in top_results(results)]
    assert PREFIXES["id"] + "x-minister" in message
    assert PREFIXES["id"] + "t-summit" in message


def test_every_shape_has_a_violating_fixture() -> None:
    graph = shapes()
    declared = {shape for path in INVALID for _, shape, _, _ in expectations(path)}
    untested = {
        short(s) for s in _shape_iris(graph) - _value_only_shapes(graph) if not _is_container(s)
    }
    assert untested - declared == set()


def _is_container(shape: URIRef) -> bool:
    """A node shape whose constraints are all in its property shapes (tested through them)."""
    graph = shapes()
    own = set(graph.predicates(shape)) - {
        RDF.type, RDFS.label, RDFS.comment, SH.property, SH.targetClass, SH.targetSubjectsOf,
        SH.targetNode, SH.targetObjectsOf, SH.name, SH.message,
    }  # fmt: skip
    return not own and (shape, SH.property, None) in graph


def _focus_nodes(shape: URIRef, data: Graph) -> set:
    graph = shapes()
    nodes: set = set()
    for cls in graph.objects(shape, SH.targetClass):
        query = f"SELECT ?x WHERE {{ ?x a/<{RDFS.subClassOf}>* <{cls}> }}"
        nodes |= {row[0] for row in data.query(query)}
    for prop in graph.objects(shape, SH.targetSubjectsOf):
        nodes |= set(data.subjects(prop, None))
    for parent in graph.subjects(SH.property, shape):
        nodes |= _focus_nodes(parent, data)
    return nodes


def test_every_shape_has_a_conforming_focus_node() -> None:
    """The conforming fixtures exercise every shape: each one has something to check."""
    data = Graph()
    data += base()
    data += ontology()
    for path in VALID:
        data.parse(path)
    graph = shapes()
    idle = {
        short(s)
        for s in _shape_iris(graph) - _value_only_shapes(graph)
        if not _focus_nodes(s, data)
    }
    assert idle == set()


def test_every_shape_has_a_message_or_a_name() -> None:
    graph = shapes()
    unnamed = {
        short(s)
        for s in _shape_iris(graph)
        if not any((s, p, None) in graph for p in (SH.message, SH.name, RDFS.label))
    }
    assert unnamed == set()
    assert all(str(s).startswith(str(SHAPE)) for s in _shape_iris(graph))


# --- Inference ----------------------------------------------------------------------


def test_rdfs_inference_would_hide_class_violations() -> None:
    """Why ``accord validate`` runs without inference: with RDFS, the range of
    accord:convenedBy makes a place an org:Organization and the violation disappears."""
    fixture = next(p for p in INVALID if p.stem == "summit-convened-by-place")
    assert summarise(run(with_base(fixture))) == expectations(fixture)
    assert summarise(run(with_base(fixture), inference="rdfs")) == set()


# --- Value sets and classes stay in step with the ontology -------------------------


def _value_set_shapes() -> dict[URIRef, URIRef]:
    """Value-set shapes (sh:in on a property used anywhere) -> their property."""
    graph = shapes()
    return {
        s: graph.value(s, SH.path)
        for s in graph.subjects(SH.targetSubjectsOf, None)
        if (s, SH["in"], None) in graph
    }


def _members(scheme: URIRef) -> set[URIRef]:
    return set(ontology().subjects(SKOS.inScheme, scheme))


@pytest.mark.parametrize("shape", sorted(_value_set_shapes()), ids=short)
def test_value_set_matches_its_scheme(shape: URIRef) -> None:
    graph = shapes()
    allowed = set(Collection(graph, graph.value(shape, SH["in"])))
    schemes = {s for c in allowed for s in ontology().objects(c, SKOS.inScheme)}
    assert len(schemes) == 1, f"{short(shape)} mixes schemes {schemes}"
    (scheme,) = schemes
    assert allowed == _members(scheme)
    message = str(graph.value(shape, SH.message))
    assert short(scheme) in message
    assert all(f"{short(c)}," in message or f"{short(c)}." in message for c in allowed)


def test_every_concept_valued_property_has_a_value_set() -> None:
    concept_valued = set(ontology().subjects(RDFS.range, SKOS.Concept)) | {ORG_ROLE}
    assert concept_valued - set(_value_set_shapes().values()) == set()


@pytest.mark.parametrize(
    ("shape", "top_concepts"),
    [
        ("ApprovalConditionShape", ["ParliamentaryApproval"]),
        ("ThirdPartyConditionShape", ["ThirdPartyBackstop", "ThirdPartyMonitoring"]),
        ("AdversaryConditionShape", ["SpecificAdversary"]),
    ],
)
def test_condition_rule_covers_narrower_types(shape: str, top_concepts: list[str]) -> None:
    graph = shapes()
    lists = [
        o for o in graph.transitive_objects(SHAPE[shape], None) if (o, SH["in"], None) in graph
    ]
    (holder,) = lists
    listed = set(Collection(graph, graph.value(holder, SH["in"])))
    expected = {
        narrower
        for top in top_concepts
        for narrower in ontology().transitive_subjects(SKOS.broader, CONCEPT[top])
    }
    assert listed == expected


def _accord_classes() -> set[URIRef]:
    return {c for c in ontology().subjects(RDF.type, OWL.Class) if str(c).startswith(str(ACCORD))}


@pytest.mark.parametrize(
    ("shape", "exempt"), [("LabelledShape", set()), ("ProvenanceShape", {ACCORD.Source})]
)
def test_shape_targets_every_accord_class(shape: str, exempt: set[URIRef]) -> None:
    targets = set(shapes().objects(SHAPE[shape], SH.targetClass))
    missing = {
        short(c)
        for c in _accord_classes() - exempt
        if not set(ontology().transitive_objects(c, RDFS.subClassOf)) & targets
    }
    assert missing == set()
    assert not targets & exempt


# --- The real data -------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_results() -> Graph:
    data = Graph()
    for path in DATA_FILES:
        data.parse(path)
    return run(data)


def test_there_is_data() -> None:
    assert DATA_FILES


@pytest.mark.parametrize("data_file", DATA_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_data_file_conforms(data_file: Path, data_results: Graph) -> None:
    """No violation on a node that this file describes (validated with all of data/,
    since the files refer to each other's nodes)."""
    subjects = set(Graph().parse(data_file).subjects())
    problems = sorted(
        f"{short(data_results.value(r, SH.focusNode))} {short(data_results.value(r, SH.resultPath))}: "
        f"{data_results.value(r, SH.resultMessage)}"
        for r in top_results(data_results)
        if data_results.value(r, SH.focusNode) in subjects
    )
    assert problems == []


@pytest.mark.parametrize("path", SHAPE_FILES, ids=lambda p: p.name)
def test_shapes_file_can_be_used_on_its_own(path: Path) -> None:
    """``accord validate --shapes FILE`` works for any one file: the SHACL-SPARQL
    prefixes are declared in each file that needs them."""
    conforms, _, _ = pyshacl.validate(
        with_base(), shacl_graph=Graph().parse(path), ont_graph=ontology(), advanced=True
    )
    assert conforms
