"""SHACL-SPARQL constraints run once over the whole graph, in Oxigraph.

pySHACL runs each ``sh:sparql`` constraint once per focus node in rdflib's SPARQL
engine, which is most of the time of ``accord validate`` on a large graph.
:func:`split` takes such constraints out of the shapes graph, when they can be run in
bulk: a node shape whose only targets are ``sh:targetClass``, a query that selects
``$this`` and uses no other pre-bound variable and no ``?failure``.  :func:`evaluate`
then runs each one once over the data graph (the graph pySHACL validated, the ontology
mixed in) in Oxigraph: ``$this`` is joined with the shape's targets (instances of a
target class or of a subclass) instead of being pre-bound, and a ``FILTER NOT EXISTS``
over a plain pattern that shares a variable with the plain pattern before it is written
as ``MINUS`` (the same result there, and an anti-join in Oxigraph rather than a loop).
Each row becomes a result made by pySHACL's own constraint object, so focus node,
path, value, message, source shape and constraint are exactly what pySHACL would
report; the results are merged into pySHACL's report.  Anything else stays in pySHACL.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Container, Iterable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.errors import ValidationFailure
from pyshacl.shapes_graph import ShapesGraph
from pyshacl.validator import Validator
from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD
from rdflib.term import Node

_OTHER_TARGETS = (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target, SH.path)
_THIS = re.compile(r"[$?]this\b")
#: Pre-bound variables other than $this, ?failure, and what is computed per focus node
#: (a LIMIT, an aggregate) would mean something else over all focus nodes at once.
_UNSUPPORTED = re.compile(
    r"(?-i:[$?](currentShape|shapesGraph|PATH|failure)\b|[$?]this\w)"
    r"|\b(GROUP|HAVING|ORDER|LIMIT|OFFSET|COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT)\b",
    re.I,
)
_PROJECTION = re.compile(
    r"SELECT\s+(?:DISTINCT\s+|REDUCED\s+)?(.*?)\s*(?:WHERE\s*)?\{", re.I | re.S
)
_NOT_EXISTS = re.compile(r"FILTER\s+NOT\s+EXISTS\s*\{([^{}]*)\}", re.I)
_NOT_PLAIN = re.compile(
    r"\b(FILTER|OPTIONAL|UNION|MINUS|BIND|VALUES|GRAPH|SERVICE|SELECT)\b|[{}]", re.I
)
_VAR = re.compile(r"[?$](\w+)")
_TYPE_PATH = f"<{RDF.type}>/<{RDFS.subClassOf}>*"


@dataclass(frozen=True)
class BulkConstraint:
    """One SHACL-SPARQL constraint of one shape, as a whole-graph query."""

    component: SPARQLBasedConstraint  # pySHACL's object, which writes the results
    helper: Any  # pySHACL's SPARQLQueryHelper of this constraint
    query: str


def _as_minus(where: str) -> str:
    """``FILTER NOT EXISTS { P }`` as ``MINUS { P }`` where both mean the same: P is a
    plain pattern, the patterns before it in the group are plain (so their variables
    are always bound), and P shares a variable with them and none with what follows."""

    def swap(match: re.Match[str]) -> str:
        before, inner, after = where[: match.start()], match.group(1), where[match.end() :]
        outer = set(_VAR.findall(before))
        inner_vars = set(_VAR.findall(inner))
        if (
            _NOT_PLAIN.search(before)
            or _NOT_PLAIN.search(inner)
            or not inner_vars & outer
            or (inner_vars & set(_VAR.findall(after))) - outer
        ):
            return match.group(0)
        return "MINUS {" + inner + "}"

    return _NOT_EXISTS.sub(swap, where)


def _bulk_query(helper: Any, select: str, classes: list[Node]) -> str | None:
    """The constraint's query over all focus nodes at once, or None to leave it to pySHACL."""
    projection = _PROJECTION.search(select)
    if _UNSUPPORTED.search(select) or projection is None:
        return None
    if projection.group(1).strip() != "*" and not _THIS.search(projection.group(1)):
        return None
    helper.check_invalid_sparql(select)  # pySHACL's own checks
    body = _THIS.sub("?this", select)
    at = body.index("{", projection.end() - 1) + 1
    values = " ".join(f"<{c}>" for c in classes)
    target = (
        f"\n  {{ SELECT DISTINCT ?this WHERE {{ VALUES ?accordTargetClass {{ {values} }}"
        f" ?this {_TYPE_PATH} ?accordTargetClass . }} }}\n"
    )
    return helper.apply_prefixes(body[:at] + target + _as_minus(body[at:]))


def split(shapes: Graph) -> tuple[Graph, list[BulkConstraint]]:
    """The shapes without the constraints that can run in bulk, and those constraints."""
    bulk: list[BulkConstraint] = []
    removed: set[tuple[Node, Node]] = set()
    sg = ShapesGraph(shapes)
    for shape in sg.shapes:
        classes = list(shapes.objects(shape.node, SH.targetClass))
        if (
            not isinstance(shape.node, URIRef)
            or not classes
            or shape.deactivated
            or (shape.node, SH.sparql, None) not in shapes
            or any((shape.node, p, None) in shapes for p in _OTHER_TARGETS)
            or shape.implicit_class_targets()
        ):
            continue
        try:
            component = SPARQLBasedConstraint(shape)
            for helper in component.sparql_constraints:
                query = (
                    None if helper.deactivated else _bulk_query(helper, helper.select_text, classes)
                )
                if query is None:
                    continue
                bulk.append(BulkConstraint(component, helper, query))
                removed.add((shape.node, helper.node))
        except (ValidationFailure, ValueError, LookupError):  # pySHACL will say what is wrong
            continue
    core = Graph()
    for prefix, namespace in shapes.namespaces():
        core.bind(prefix, namespace, override=True, replace=True)
    for triple in shapes:
        if triple[1] != SH.sparql or (triple[0], triple[2]) not in removed:
            core.add(triple)
    return core, bulk


def _blank(label: str) -> ox.BlankNode:
    try:
        return ox.BlankNode(label)
    except ValueError:  # a label Oxigraph does not accept: any fresh one will do
        return ox.BlankNode()


class _Terms:
    """rdflib terms to Oxigraph terms and back, each back to the very term it came from."""

    def __init__(self) -> None:
        self.back: dict[object, Node] = {}
        self._to: dict[Node, Any] = {}

    def to_ox(self, term: Node) -> Any:
        found: Any = self._to.get(term)
        if found is None:
            if isinstance(term, URIRef):
                found = ox.NamedNode(str(term))
            elif isinstance(term, BNode):
                found = _blank(str(term))
            elif isinstance(term, Literal):
                found = ox.Literal(
                    str(term),
                    language=term.language,
                    datatype=None if term.language else ox.NamedNode(term.datatype or XSD.string),
                )
            else:
                raise TypeError(f"cannot give {term!r} to Oxigraph")
            self._to[term] = found
            self.back.setdefault(found, term)
        return found

    def to_rdflib(self, term: Any) -> Any:
        if term in self.back:
            return self.back[term]
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        assert isinstance(term, ox.Literal)
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return Literal(term.value, datatype=None if datatype == str(XSD.string) else datatype)


def _rows(store: ox.Store, to_rdflib: Any, query: str, **options: Any) -> Iterable[dict[str, Any]]:
    solutions = store.query(query, **options)
    names = [v.value for v in solutions.variables]  # type: ignore[union-attr]
    for solution in solutions:  # type: ignore[union-attr]
        row = {}
        for name in names:
            value = solution[name]
            if value is not None:
                row[name] = to_rdflib(value)
        yield row


#: One row of a bulk constraint: the constraint, $this, ?path, ?value, the other variables.
Row = tuple[BulkConstraint, Any, Any, Any, dict[str, Any]]


def rows_in(
    store: ox.Store,
    to_rdflib: Any,
    bulk: list[BulkConstraint],
    focus: Container[Node] | None = None,
    **options: Any,
) -> list[Row]:
    """The rows of the bulk constraints over ``store`` (its terms made rdflib's by
    ``to_rdflib``; ``options`` for ``Store.query``, such as the union default graph), for
    the ``focus`` nodes only if given; a focus node's repeated rows once, as pySHACL
    drops them."""
    found: list[Row] = []
    for constraint in bulk:
        seen = set()
        for row in _rows(store, to_rdflib, constraint.query, **options):
            this, path, value = row.pop("this"), row.pop("path", None), row.pop("value", None)
            if focus is not None and this not in focus:
                continue
            key = (this, path, value, frozenset(row.items()))
            if key in seen:
                continue
            seen.add(key)
            found.append((constraint, this, path, value, row))
    return found


def reports_of(rows: list[Row], data: Graph) -> list[tuple]:
    """pySHACL's result tuples (text, node, triples) for the rows, made by the
    constraints' own objects over ``data`` (which names the nodes in the messages)."""
    reports = []
    for constraint, this, path, value, row in rows:
        helper = constraint.helper
        reports.append(
            constraint.component.make_v_result(
                data,
                this,
                value_node=this if value is None else value,
                result_path=path,
                bound_vars=(this, path, this if value is None else value, row),
                source_constraint=helper.node,
                extra_messages=helper.messages or None,
            )
        )
    return reports


def _results(
    data: Graph, bulk: list[BulkConstraint], focus: Collection[Node] | None = None
) -> list[tuple]:
    """pySHACL's result tuples (text, node, triples) for the bulk constraints (of the
    ``focus`` nodes only, if given)."""
    terms = _Terms()
    store = ox.Store()
    store.bulk_extend(ox.Quad(*map(terms.to_ox, triple)) for triple in data)
    return reports_of(rows_in(store, terms.to_rdflib, bulk, focus), data)


_RESULT_TEXT = re.compile(r"^(?=(?:Constraint Violation|Validation Result) in )", re.M)


def evaluate(
    bulk: list[BulkConstraint],
    data: Graph,
    conforms: bool,
    report: Graph,
    text: str,
    focus: Collection[Node] | None = None,
) -> tuple[bool, Graph, str]:
    """pySHACL's (conforms, report, text) for the other shapes, with the results of the
    bulk constraints over ``data`` (for the ``focus`` nodes, if given) added, as if
    pySHACL had found them."""
    if not bulk:
        return conforms, report, text
    reports = _results(data, bulk, focus)
    return merge(reports, bulk[0].component.shape.sg, conforms, report, text)


def merge(
    reports: list[tuple], shapes_graph: ShapesGraph, conforms: bool, report: Graph, text: str
) -> tuple[bool, Graph, str]:
    """pySHACL's (conforms, report, text) with more of its result tuples added."""
    if not reports:
        return conforms, report, text
    extra, _ = Validator.create_validation_report(shapes_graph, False, reports)
    node = next(report.subjects(RDF.type, SH.ValidationReport))
    extra_node = next(extra.subjects(RDF.type, SH.ValidationReport))
    for s, p, o in extra:
        if s == extra_node:
            if p == SH.result:
                report.add((node, p, o))
        else:
            report.add((s, p, o))
    report.set((node, SH.conforms, Literal(False)))
    descriptions = _RESULT_TEXT.split(text)[1:] + [r[0] for r in reports]
    text = f"Validation Report\nConforms: False\nResults ({len(descriptions)}):\n"
    return False, report, text + "".join(sorted(descriptions))
