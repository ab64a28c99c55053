"""SHACL Core shapes compiled to SPARQL queries that find the nodes that violate them.

Each shape with targets is a *unit*: the queries of a unit select the focus nodes (``?this``)
that violate the shape itself or one of its property shapes, each query for one source
shape (the ``sh:sourceShape`` of the results it stands for).  A unit's queries say only
*which* nodes violate *which* shape: the results themselves (messages, values, severities,
nested details) are written afterwards by pySHACL, on those nodes alone
(app/accord/shacl/compiled.py).

What a query decides must be exactly what pySHACL decides, on the terms pySHACL sees
(app/accord/shacl/oxdata.py makes the store's terms agree with rdflib's):

* targets: ``sh:targetClass`` (and implicit class targets) through the closure of
  ``rdfs:subClassOf`` in the data graph with the ontology mixed in, as pySHACL walks it;
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``, ``sh:targetNode``;
* value sets of predicate paths, counted as sets (``COUNT(DISTINCT)``, ``sameTerm``);
* ``sh:class``, ``sh:datatype`` (with rdflib's idea of an ill-typed literal, decided in
  Python for each distinct literal of that datatype), ``sh:nodeKind``, ``sh:in``,
  ``sh:hasValue``, ``sh:minCount``, ``sh:maxCount``, ``sh:minLength``, ``sh:maxLength``,
  ``sh:languageIn`` and ``sh:uniqueLang`` (as pySHACL matches language tags, not quite
  ``langMatches``), ``sh:node``, ``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``,
  ``sh:property``, ``sh:qualifiedValueShape`` with its counts and disjointness;
* on a shape with targets (not inside another shape's check), ``sh:pattern`` and its flags,
  ``sh:minInclusive`` and the other ranges, ``sh:equals``, ``sh:disjoint``,
  ``sh:lessThan`` and ``sh:lessThanOrEquals``: the query gives the values, and pySHACL's
  own constraint object decides, in Python (regular expressions and comparisons of Python
  values do not translate to SPARQL exactly).

Anything else (``sh:closed``, paths other than a predicate, a component used inside
another shape that only Python can decide, SHACL-SPARQL that is not run in bulk, custom
components, recursive shapes, shapes pySHACL would refuse) makes its unit :class:`Unsupported`:
the unit stays with pySHACL, over the whole graph.  Rules, functions and custom target
types change what every shape sees: with any of them, nothing is compiled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pyshacl.constraints.core import (
    cardinality_constraints as card,
)
from pyshacl.constraints.core import (
    other_constraints as other,
)
from pyshacl.constraints.core import (
    property_pair_constraints as pair,
)
from pyshacl.constraints.core import (
    shape_based_constraints as based,
)
from pyshacl.constraints.core import (
    string_based_constraints as string,
)
from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError
from pyshacl.shape import Shape
from rdflib import RDF, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from accord.shacl.conformance import (
    DECIDED,
    PAIRS,
    TYPE,
    Conformance,
    Expr,
    Unsupported,
    _all,
    _iri,
    _term,
)

#: What changes the data graph or every shape's targets: nothing is compiled with these.
_WHOLE = (
    ((None, SH.rule, None), "SHACL rules (sh:rule), which change the data graph"),
    ((None, RDF.type, SH.SPARQLFunction), "SHACL functions (sh:SPARQLFunction)"),
    ((None, RDF.type, SH.Function), "SHACL functions (sh:Function)"),
    ((None, RDF.type, SH.SPARQLTargetType), "custom target types (sh:SPARQLTargetType)"),
    ((None, RDF.type, SH.TargetType), "custom target types (sh:TargetType)"),
    ((None, RDF.type, SH.JSFunction), "SHACL-JS functions"),
    ((None, RDF.type, SH.JSTargetType), "SHACL-JS target types"),
)


@dataclass(frozen=True)
class Check:
    """One query of a unit: it selects ``?this`` (and ``?value`` when ``decide`` is set)."""

    source: Node
    query: str
    #: pySHACL's component that decides from the values; ``pairs`` the other properties
    #: it compares with.
    decide: Any = None
    pairs: tuple[URIRef, ...] = ()
    node_level: bool = False


@dataclass
class Unit:
    """A shape with targets, compiled."""

    shape: Node
    checks: list[Check]
    need: int
    #: The shapes whose results this unit's focus nodes get (the shape, its properties).
    sources: set[Node]
    #: Predicates of sh:targetObjectsOf (the focus node is their object).
    object_targets: set[URIRef] = field(default_factory=set)


@dataclass
class Plan:
    units: list[Unit]
    #: Shapes with targets that stay with pySHACL, and why.
    fallback: dict[Node, str]
    #: Why nothing is compiled, if so.
    whole: str | None = None


class Compiler(Conformance):
    """Compiles the shapes with targets of one shapes graph against one data store (see
    :class:`~accord.shacl.conformance.Conformance` for its arguments)."""

    # --- the plan ------------------------------------------------------------------------

    def plan(self) -> Plan:
        for pattern, what in _WHOLE:
            if pattern in self.graph:
                return Plan([], {}, f"the shapes use {what}")
        units, fallback = [], {}
        for shape in self.sg.shapes:
            targets = self._has_targets(shape)
            if not targets or shape.deactivated:
                continue
            try:
                units.append(self.unit(shape))
            except Unsupported as exc:
                fallback[shape.node] = str(exc)
            except (ConstraintLoadError, ReportableRuntimeError) as exc:
                fallback[shape.node] = f"pySHACL refuses it: {exc}"
        return Plan(units, fallback)

    @staticmethod
    def _has_targets(shape: Shape) -> bool:
        nodes, classes, implicit, objects_of, subjects_of = shape.target()
        return (
            bool(list(nodes) or list(classes) or implicit or list(objects_of) or list(subjects_of))
            or (shape.node, SH.target, None) in shape.sg.graph
        )

    def unit(self, shape: Shape) -> Unit:
        targets, object_targets = self.targets(shape)
        checks: list[Check] = []
        sources: set[Node] = {shape.node}
        need = 1
        if shape.is_property_shape:
            found, n = self.top_property(shape, targets)
            checks += found
            need = max(need, n)
        else:
            for component in self.components(shape):
                if isinstance(component, based.PropertyConstraintComponent):
                    for node in component.property_shapes:
                        prop = self.other(node)
                        if not prop.is_property_shape:
                            raise Unsupported(f"{_term(node)} is not a property shape")
                        sources.add(prop.node)
                        found, n = self.top_property(prop, targets)
                        checks += found
                        need = max(need, n)
                elif isinstance(component, DECIDED) or self.lexical(component):
                    checks.append(self.decided(shape, component, targets, node_level=True))
                else:
                    expr = self.node_component(component, "?this", [shape.node])
                    need = max(need, expr.need)
                    checks.append(Check(shape.node, _select(targets, f"FILTER (!({expr.text}))")))
        return Unit(shape.node, checks, need, sources, object_targets)

    def targets(self, shape: Shape) -> tuple[str, set[URIRef]]:
        """The group pattern that binds ``?this`` to each focus node of the shape once."""
        if (shape.node, SH.target, None) in self.graph:
            raise Unsupported("a SHACL-AF target (sh:target)")
        nodes, classes, implicit, objects_of, subjects_of = shape.target()
        branches = []
        all_classes = {*classes, *implicit}
        members = sorted({m for c in all_classes for m in self.closure(_iri(c))})
        if members:
            branches.append(
                f"VALUES ?accordClass {{ {' '.join(members)} }} ?this {TYPE} ?accordClass ."
            )
        for p in sorted(set(subjects_of)):
            branches.append(f"?this {self.constant(_iri(p))} ?accordAnyObject .")
        object_targets = {_iri(p) for p in objects_of}
        for p in sorted(object_targets):
            branches.append(f"?accordAnySubject {self.constant(p)} ?this .")
        node_terms = sorted(self.constant(n) for n in set(nodes))
        if node_terms:
            branches.append(f"VALUES ?this {{ {' '.join(node_terms)} }}")
        if not branches:
            branches.append("FILTER (false)")
        union = " UNION ".join(f"{{ {b} }}" for b in branches)
        return f"{{ SELECT DISTINCT ?this WHERE {{ {union} }} }}", object_targets

    # --- property shapes with targets --------------------------------------------------------

    def top_property(self, shape: Shape, targets: str) -> tuple[list[Check], int]:
        """The queries of a property shape on the focus nodes ``targets`` binds."""
        if shape.deactivated:
            return [], 0
        p = self.path(shape)
        src = shape.node
        checks: list[Check] = []
        per_value: list[Expr] = []
        need = 1
        a = "?accordValue"
        for c in self.components(shape):
            if isinstance(c, DECIDED) or self.lexical(c):
                checks.append(self.decided(shape, c, targets, path=p))
            elif isinstance(c, card.MinCountConstraintComponent):
                n = int(c.min_count.value)
                if n == 1:
                    checks.append(Check(src, _select(targets, f"MINUS {{ ?this {p} {a} }}")))
                elif n > 1:
                    checks.append(
                        Check(src, _select(targets, _counted(p, a, "", f"?accordN < {n}")))
                    )
            elif isinstance(c, card.MaxCountConstraintComponent):
                n = int(c.max_count.value)
                checks.append(Check(src, _select(targets, _counted(p, a, "", f"?accordN > {n}"))))
            elif isinstance(c, based.QualifiedValueShapeConstraintComponent):
                for node in c.value_shapes:
                    test = self._qualifies(shape, c, node, [shape.node])(a)
                    need = max(need, test.need + 1)
                    bounds = []
                    if c.min_count is not None:
                        bounds.append(f"?accordN < {int(c.min_count)}")
                    if c.max_count is not None:
                        bounds.append(f"?accordN > {int(c.max_count)}")
                    where = f"FILTER ({test.text})"
                    checks.append(
                        Check(src, _select(targets, _counted(p, a, where, " || ".join(bounds))))
                    )
            elif isinstance(c, string.UniqueLangConstraintComponent):
                if True in c.string_rules:
                    checks.append(Check(src, _select(targets, self._same_lang("?this", p))))
            elif isinstance(c, other.HasValueConstraintComponent):
                for h in c.has_value_set:
                    minus = f"MINUS {{ ?this {p} {a} FILTER (sameTerm({a}, {self.constant(h)})) }}"
                    checks.append(Check(src, _select(targets, minus)))
            elif isinstance(c, based.PropertyConstraintComponent):
                # pySHACL reports what the inner property shape finds on each value as
                # results of its own, about the value: not a verdict on the focus node.
                raise Unsupported("sh:property inside a property shape")
            else:
                per_value.append(self.value_component(c, a, [shape.node]))
        if per_value:
            each = _all(per_value)
            need = max(need, each.need + 1)
            checks.append(Check(src, _select(targets, f"?this {p} {a} . FILTER (!({each.text}))")))
        return checks, need

    def decided(
        self, shape: Shape, c: Any, targets: str, path: str | None = None, node_level: bool = False
    ) -> Check:
        """A query for the values of each focus node, which pySHACL's component judges."""
        pairs: tuple[URIRef, ...] = ()
        if isinstance(c, PAIRS):
            pairs = tuple(sorted(_iri(q) for q in c.property_compare_set))
            for q in pairs:
                self.constant(q)
        if node_level:
            where = "BIND (?this AS ?value)"
        elif isinstance(c, pair.EqualsConstraintComponent | other.HasValueConstraintComponent):
            where = f"OPTIONAL {{ ?this {path} ?value }}"  # no values at all fail these too
        else:
            where = f"?this {path} ?value ."
        query = f"SELECT DISTINCT ?this ?value WHERE {{ {targets} {where} }}"
        return Check(shape.node, query, decide=c, pairs=pairs, node_level=node_level)


def _select(targets: str, where: str) -> str:
    return f"SELECT DISTINCT ?this WHERE {{ {targets} {where} }}"


def _counted(p: str, a: str, where: str, violated: str) -> str:
    """Focus nodes whose number of distinct values of ``p`` (those passing ``where``)
    is ``violated`` (``?accordN``: 0 when there are none)."""
    return (
        f"OPTIONAL {{ SELECT ?this (COUNT(DISTINCT {a}) AS ?accordCount) WHERE "
        f"{{ ?this {p} {a} . {where} }} GROUP BY ?this }} "
        f"BIND (COALESCE(?accordCount, 0) AS ?accordN) FILTER ({violated})"
    )
