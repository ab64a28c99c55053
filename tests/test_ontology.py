"""The ontology: it parses, every term is documented, every term used anywhere is
declared, and OWL RL reasoning over the ontology and the data finds no contradiction."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import owlrl
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from accord.namespaces import ACCORD, CONCEPT, PREFIXES
from accord.shacl.report import short
from tests import REPO

ONTOLOGY_FILES = sorted((REPO / "ontology").glob("*.ttl"))
DATA_FILES = sorted((REPO / "data").rglob("*.ttl"))
SHAPE_FILES = sorted((REPO / "shapes").glob("*.ttl"))
QUERY_FILES = sorted((REPO / "queries").glob("*.rq"))
ONTOLOGY_IRI = URIRef("https://w3id.org/accord/ontology")
OURS = (str(ACCORD), str(CONCEPT))
#: owlrl records inconsistencies as resources of this type.
ERR = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


@cache
def ontology() -> Graph:
    graph = Graph()
    for path in ONTOLOGY_FILES:
        graph.parse(path)
    return graph


def _ours(node: object) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(OURS)


def _terms() -> list[URIRef]:
    return sorted({s for s in ontology().subjects() if _ours(s)})


# --- Parsing and documentation --------------------------------------------------------


@pytest.mark.parametrize("path", ONTOLOGY_FILES, ids=lambda p: p.name)
def test_ontology_file_parses(path: Path) -> None:
    assert len(Graph().parse(path)) > 0


def test_ontology_header() -> None:
    graph = ontology()
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in graph
    dcterms = Namespace(PREFIXES["dcterms"])
    vann = Namespace(PREFIXES["vann"])
    for prop in (OWL.versionIRI, OWL.versionInfo, dcterms.title, dcterms.description,
                 dcterms.license, dcterms.creator):  # fmt: skip
        assert graph.value(ONTOLOGY_IRI, prop) is not None, prop
    assert str(graph.value(ONTOLOGY_IRI, vann.preferredNamespaceUri)) == str(ACCORD)
    assert str(graph.value(ONTOLOGY_IRI, vann.preferredNamespacePrefix)) == "accord"


def test_there_are_terms() -> None:
    assert any(str(t).startswith(str(ACCORD)) for t in _terms())
    assert any(str(t).startswith(str(CONCEPT)) for t in _terms())


def _english(graph: Graph, term: URIRef, prop: URIRef) -> list[Literal]:
    return [o for o in graph.objects(term, prop) if isinstance(o, Literal) and o.language == "en"]


@pytest.mark.parametrize("term", _terms(), ids=short)
def test_term_is_documented(term: URIRef) -> None:
    graph = ontology()
    problems = []
    if graph.value(term, RDF.type) is None:
        problems.append("no rdf:type")
    if len(_english(graph, term, RDFS.label)) != 1:
        problems.append(f"{len(_english(graph, term, RDFS.label))} rdfs:label@en (need exactly 1)")
    if len(_english(graph, term, SKOS.definition)) != 1:
        problems.append(
            f"{len(_english(graph, term, SKOS.definition))} skos:definition@en (need exactly 1)"
        )
    if graph.value(term, RDFS.isDefinedBy) is None:
        problems.append("no rdfs:isDefinedBy")
    assert problems == []


# --- Namespace closure ----------------------------------------------------------------

_PREFIXED = re.compile(r"\b(accord|concept):([A-Za-z0-9_](?:[\w.-]*[\w-])?)")
_TOKENS = re.compile(r'<[^<>"{}|^`\\\s]*>|"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def _iris_in_sparql(text: str) -> set[URIRef]:
    """Our IRIs in SPARQL text: full IRIs, and prefixed names outside strings and comments."""
    found = set()
    for token in _TOKENS.findall(text):
        if token.startswith("<") and _ours(URIRef(token[1:-1])):
            found.add(URIRef(token[1:-1]))
    code = _TOKENS.sub(" ", text)
    for prefix, local in _PREFIXED.findall(code):
        found.add(URIRef(PREFIXES[prefix] + local))
    return found


def _iris_in_rdf(path: Path) -> set[URIRef]:
    graph = Graph().parse(path)
    found = {n for triple in graph for n in triple if _ours(n)}
    for query in (*graph.objects(None, SH.select), *graph.objects(None, SH.ask)):
        found |= _iris_in_sparql(str(query))
    return found


def _used() -> list[tuple[str, Path]]:
    return [("rdf", p) for p in ONTOLOGY_FILES + DATA_FILES + SHAPE_FILES] + [
        ("sparql", p) for p in QUERY_FILES
    ]


@pytest.mark.parametrize(
    ("kind", "path"),
    _used(),
    ids=lambda v: str(v.relative_to(REPO)) if isinstance(v, Path) else v,
)
def test_every_term_used_is_declared(kind: str, path: Path) -> None:
    used = _iris_in_rdf(path) if kind == "rdf" else _iris_in_sparql(path.read_text("utf-8"))
    declared = {s for s in ontology().subjects(RDF.type, None)}
    assert sorted(used - declared) == []


def test_closure_check_sees_prefixed_names_but_not_comments() -> None:
    text = '# accord:InComment\nSELECT * { ?x a accord:Commitment ; accord:x "accord:inString" . ?y concept:Leader. }'
    assert _iris_in_sparql(text) == {ACCORD.Commitment, ACCORD.x, CONCEPT.Leader}


# --- OWL RL reasoning -------------------------------------------------------------------


def _owl_rl(*graphs: Graph) -> Graph:
    closure = Graph()
    for graph in graphs:
        closure += graph
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    return closure


def _inconsistencies(closure: Graph) -> list[str]:
    errors = [
        str(closure.value(m, ERR.error)) for m in closure.subjects(RDF.type, ERR.ErrorMessage)
    ]
    errors += [f"{s} is an owl:Nothing" for s in closure.subjects(RDF.type, OWL.Nothing)]
    return sorted(errors)


@cache
def _data() -> Graph:
    graph = Graph()
    for path in DATA_FILES:
        graph.parse(path)
    return graph


def test_owl_rl_closure_of_ontology_and_data_is_consistent() -> None:
    assert DATA_FILES
    assert _inconsistencies(_owl_rl(ontology(), _data())) == []


_SMALL = """
@prefix accord: <https://w3id.org/accord/ontology#> .
@prefix id: <https://w3id.org/accord/id/> .
id:with-condition a accord:Commitment ; accord:hasCondition id:ceasefire .
id:without-condition a accord:Commitment .
"""


def test_owl_rl_derives_conditional_commitments() -> None:
    closure = _owl_rl(ontology(), Graph().parse(data=_SMALL, format="turtle"))
    derived = set(closure.subjects(RDF.type, ACCORD.ConditionalCommitment))
    id_ = Namespace(PREFIXES["id"])
    assert derived == {id_["with-condition"]}


def test_owl_rl_derives_conditional_commitments_in_the_data() -> None:
    closure = _owl_rl(ontology(), _data())
    with_conditions = {s for s, _ in _data().subject_objects(ACCORD.hasCondition)}
    commitments = set(_data().subjects(RDF.type, ACCORD.Commitment))
    assert set(closure.subjects(RDF.type, ACCORD.ConditionalCommitment)) == (
        with_conditions & commitments
    )


@pytest.mark.parametrize(
    "clash",
    [
        "id:t a accord:DraftText , accord:FinalText .",
        "id:t a accord:Signature , accord:NonSignature .",
    ],
)
def test_owl_rl_check_detects_disjointness_clashes(clash: str) -> None:
    """The consistency check can fail: a node in two disjoint classes is reported."""
    data = Graph().parse(
        data="@prefix accord: <https://w3id.org/accord/ontology#> .\n"
        "@prefix id: <https://w3id.org/accord/id/> .\n" + clash,
        format="turtle",
    )
    assert _inconsistencies(_owl_rl(ontology(), data)) != []
