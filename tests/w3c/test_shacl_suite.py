"""The W3C SHACL test suite (Core and SHACL-SPARQL, ``suites/shacl``) run through
``accord validate --standalone --format turtle``, in process: each test's data and shapes
files in, its expected validation report compared with the one Accord prints.

Compared as the suite's own harnesses compare reports: ``sh:conforms``, and the multiset
of results by focus node, path, value, severity, source shape and constraint component
(blank nodes as ``_``; messages and details are free).  A test of type ``sht:Failure``
(shapes that cannot be used) must exit 2.  ``EXPECTED_FAILURES`` lists, with the reason,
each test Accord does not pass; a test that passes while listed fails the run too.  Each
case is also run through both engines of ``accord validate`` (the compiled default and
pySHACL alone), which must report the same."""

from __future__ import annotations

import contextlib
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import RDF, BNode, Graph, Literal, Namespace
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node

from accord.shacl.validation import (
    CONFORMS,
    DEFAULT_ENGINE,
    DOES_NOT_CONFORM,
    UNREADABLE,
    run_validate,
)

SUITE = Path(__file__).resolve().parent / "suites" / "shacl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

#: Tests Accord does not pass, by name, with the reason.
EXPECTED_FAILURES: dict[str, str] = {
    "sparql/pre-binding/shapesGraph-001": "pySHACL 0.40 does not support $shapesGraph "
    "(NotImplementedError): accord validate exits 2, the shapes cannot be used",
}


@dataclass(frozen=True)
class Case:
    name: str
    data: Path
    shapes: Path
    expected: Graph | None  # None: the shapes cannot be used (sht:Failure)
    report: Node | None


def _file(iri: Node) -> Path:
    return Path(str(iri).removeprefix("file://"))


def _cases(manifest: Path) -> list[Case]:
    graph = Graph().parse(manifest, format="turtle", publicID=manifest.as_uri())
    found: list[Case] = []
    for include in graph.objects(None, MF.include):
        found += _cases(_file(include))
    for entries in graph.objects(None, MF.entries):
        for entry in Collection(graph, entries):
            action = graph.value(entry, MF.action)
            result = graph.value(entry, MF.result)
            data, shapes = graph.value(action, SHT.dataGraph), graph.value(action, SHT.shapesGraph)
            name = (
                manifest.parent.relative_to(SUITE).as_posix() + "/" + str(entry).rsplit("/", 1)[1]
            )
            failure = result == SHT.Failure
            found.append(Case(name, _file(data), _file(shapes), None if failure else graph, result))
    return found


CASES = sorted(
    _cases(SUITE / "core" / "manifest.ttl") + _cases(SUITE / "sparql" / "manifest.ttl"),
    key=lambda c: c.name,
)


def _term(node: Node | None) -> str:
    return "_" if isinstance(node, BNode) else "" if node is None else node.n3()


def _results(graph: Graph, report: Node) -> tuple[bool, Counter[tuple[str, ...]]]:
    conforms = graph.value(report, SH.conforms)
    rows: Counter[tuple[str, ...]] = Counter()
    for result in graph.objects(report, SH.result):
        rows[
            tuple(
                _term(graph.value(result, p))
                for p in (
                    SH.focusNode,
                    SH.resultPath,
                    SH.value,
                    SH.resultSeverity,
                    SH.sourceShape,
                    SH.sourceConstraintComponent,
                )
            )
        ] += 1
    return (isinstance(conforms, Literal) and conforms.toPython() is True), rows


def _run(case: Case, engine: str = DEFAULT_ENGINE) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err):
        status = run_validate(
            [case.data],
            fmt="turtle",
            shapes=[case.shapes],
            out=out,
            standalone=True,
            engine=engine,
        )
    return status, out.getvalue(), err.getvalue()


def _passes(case: Case) -> tuple[bool, str]:
    status, out, err = _run(case)
    if case.expected is None:
        return status == UNREADABLE, f"exit {status}, expected 2 (shapes cannot be used): {err}"
    if status not in (CONFORMS, DOES_NOT_CONFORM):
        return False, f"exit {status}: {err}"
    got = Graph().parse(data=out, format="turtle")
    report = next(got.subjects(RDF.type, SH.ValidationReport), None)
    if report is None:
        return False, f"no validation report in the output: {out[:500]}"
    assert case.report is not None
    expected = _results(case.expected, case.report)
    actual = _results(got, report)
    if status != (CONFORMS if expected[0] else DOES_NOT_CONFORM):
        return False, f"exit {status}, but the expected report has sh:conforms {expected[0]}"
    if actual != expected:
        missing = expected[1] - actual[1]
        extra = actual[1] - expected[1]
        return (
            False,
            f"conforms {actual[0]} (expected {expected[0]}); missing {dict(missing)}; extra {dict(extra)}",
        )
    return True, ""


def test_the_suite_is_all_there() -> None:
    core = [c for c in CASES if c.name.startswith("core/")]
    sparql = [c for c in CASES if c.name.startswith("sparql/")]
    assert (len(core), len(sparql)) == (98, 22)
    assert all(c.data.is_file() and c.shapes.is_file() for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_w3c_shacl(case: Case) -> None:
    passed, why = _passes(case)
    if case.name in EXPECTED_FAILURES:
        assert not passed, f"{case.name} passes now: take it off EXPECTED_FAILURES"
        pytest.xfail(EXPECTED_FAILURES[case.name])
    assert passed, why


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_w3c_compiled_engine_reports_what_pyshacl_reports(case: Case) -> None:
    """The compiled engine (the default) and pySHACL alone (``--engine pyshacl``) give the
    same exit status and the same results, whether the suite expects them or not; where
    the compiled engine leaves shapes to pySHACL it says so on stderr."""
    found = {}
    for engine in ("pyshacl", "compiled"):
        status, out, err = _run(case, engine)
        results = None
        if status != UNREADABLE:
            got = Graph().parse(data=out, format="turtle")
            results = _results(got, next(got.subjects(RDF.type, SH.ValidationReport)))
        found[engine] = (status, results)
    assert found["compiled"] == found["pyshacl"]


def test_every_expected_failure_names_a_test() -> None:
    names = {c.name for c in CASES}
    assert sorted(set(EXPECTED_FAILURES) - names) == []
