"""Whether a node conforms to a shape, as one SPARQL boolean expression over the store.

:class:`Conformance` answers, for a shape inside another shape's check (``sh:node``,
``sh:not``, ``sh:and``, ``sh:or``, ``sh:xone``, ``sh:property``, ``sh:qualifiedValueShape``),
what pySHACL's nested validation answers: whether the node conforms.  Each answer is an
:class:`Expr` (the expression, and how many levels of triples out of the node pySHACL reads
to decide it).  What it cannot write exactly raises :class:`Unsupported`.
app/accord/shacl/compiler.py builds the queries of the shapes with targets on top of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import count
from typing import Any

from pyshacl.constraints import CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.core import (
    cardinality_constraints as card,
)
from pyshacl.constraints.core import (
    logical_constraints as logic,
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
from pyshacl.constraints.core import (
    value_constraints as value,
)
from pyshacl.constraints.core import (
    value_range_constraints as ranges,
)
from pyshacl.errors import ConstraintLoadWarning
from pyshacl.shape import Shape
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, RDFS, BNode, Literal, URIRef
from rdflib.namespace import SH, XSD
from rdflib.term import Node

TYPE = f"<{RDF.type}>"

#: Components whose verdict on a value is left to pySHACL's object (top level only).
DECIDED = (
    string.PatternConstraintComponent,
    ranges.MinInclusiveConstraintComponent,
    ranges.MinExclusiveConstraintComponent,
    ranges.MaxInclusiveConstraintComponent,
    ranges.MaxExclusiveConstraintComponent,
    pair.EqualsConstraintComponent,
    pair.DisjointConstraintComponent,
    pair.LessThanConstraintComponent,
    pair.LessThanOrEqualsConstraintComponent,
)
#: Those of them that also read other properties of the focus node.
PAIRS = (
    pair.EqualsConstraintComponent,
    pair.DisjointConstraintComponent,
    pair.LessThanConstraintComponent,
    pair.LessThanOrEqualsConstraintComponent,
)


#: Most values of a count compiled inside another shape (pairwise-distinct joins).
_NESTED_COUNT = 3


class Unsupported(Exception):
    """What the compiler does not cover: the unit stays with pySHACL."""


@dataclass(frozen=True)
class Expr:
    """A SPARQL boolean expression, and how many levels of triples out of the node it
    tests pySHACL reads to decide it."""

    text: str
    need: int = 0


TRUE, FALSE = Expr("true"), Expr("false")


class Conformance:
    """The expressions of one shapes graph over one data store.

    ``closure(c)``: the classes ``c`` and its subclasses in the data graph, as SPARQL
    terms; ``constant(t)``: a term of the shapes graph as a SPARQL term that denotes in
    the store what it denotes for rdflib (else raise :class:`Unsupported`);
    ``ill_typed(d)``: the stored literals of datatype ``d`` that pySHACL's sh:datatype
    refuses, as SPARQL terms; ``translated``: whether some stored literals are written
    otherwise than rdflib writes them (then the components that read lexical forms are
    decided by pySHACL's objects, and are not compiled inside other shapes).
    """

    def __init__(
        self,
        sg: ShapesGraph,
        closure: Callable[[URIRef], list[str]],
        constant: Callable[[Node], str],
        ill_typed: Callable[[URIRef, Any], list[str]],
        translated: bool = False,
    ) -> None:
        self.sg = sg
        self.translated = translated
        self.graph = sg.graph
        self.closure = closure
        self.constant = constant
        self.ill_typed = ill_typed
        self._names = count()

    # --- shapes and components -------------------------------------------------------------

    def other(self, node: Node) -> Shape:
        try:
            return self.sg.lookup_shape_from_node(node)
        except (KeyError, AttributeError):
            raise Unsupported(f"{_term(node)} is not a shape pySHACL knows") from None

    def components(self, shape: Shape) -> list[Any]:
        """pySHACL's constraint objects of the shape, in its order, without those it skips."""
        if shape.find_custom_constraints():
            raise Unsupported("a custom constraint component")
        if (shape.node, SH.expression, None) in self.graph:
            raise Unsupported("a SHACL-AF expression")
        kinds: list[type] = []
        for p, _ in self.graph.predicate_objects(shape.node):
            kind = CONSTRAINT_PARAMETERS_MAP.get(p)
            if kind is not None and kind not in kinds:
                kinds.append(kind)
        found = []
        for kind in kinds:
            try:
                found.append(kind(shape))
            except ConstraintLoadWarning:  # pySHACL skips it
                continue
        return found

    def path(self, shape: Shape) -> str:
        path = shape.path()
        if not isinstance(path, URIRef):
            raise Unsupported("a path other than a predicate")
        return self.constant(path)

    def var(self) -> str:
        return f"?accordV{next(self._names)}"

    # --- conformance of one node (inside other shapes) -----------------------------------

    def conforms(self, node: Node, x: str, stack: list[Node]) -> Expr:
        """Whether ``x`` conforms to the shape ``node`` (what pySHACL's nested
        validation answers)."""
        if node in stack:
            raise Unsupported("recursive shapes")
        shape = self.other(node)
        if shape.deactivated:
            return TRUE
        stack = [*stack, node]
        if shape.is_property_shape:
            return self.property_conforms(shape, x, stack)
        return _all(self.node_component(c, x, stack) for c in self.components(shape))

    def node_component(self, c: Any, x: str, stack: list[Node]) -> Expr:
        """A component of a node shape, on the node ``x`` itself."""
        if isinstance(c, based.PropertyConstraintComponent):
            shapes = [self.other(n) for n in c.property_shapes]
            if not all(s.is_property_shape for s in shapes):
                raise Unsupported("sh:property names a node shape")
            return _all(self.conforms(s.node, x, stack) for s in shapes)
        if isinstance(c, other.HasValueConstraintComponent) and not self.lexical(c):
            return _all(Expr(f"sameTerm({x}, {self.constant(h)})") for h in c.has_value_set)
        return self.value_component(c, x, stack)

    def lexical(self, c: Any) -> bool:
        """Whether the component reads lexical forms that some stored literals do not
        share with rdflib's (see ``translated``)."""
        if not self.translated:
            return False
        if isinstance(c, string.MinLengthConstraintComponent | string.MaxLengthConstraintComponent):
            return True
        if isinstance(c, other.InConstraintComponent):
            return any(isinstance(m, Literal) for m in c.in_vals)
        if isinstance(c, other.HasValueConstraintComponent):
            return any(isinstance(h, Literal) for h in c.has_value_set)
        return False

    def value_component(self, c: Any, v: str, stack: list[Node]) -> Expr:
        """A component that tests each value node ``v`` on its own."""
        if self.lexical(c):
            raise Unsupported(
                f"{_name(c)} inside another shape, over literals that Oxigraph writes "
                "otherwise than rdflib"
            )
        if isinstance(c, value.ClassConstraintComponent):
            return _all(self._class(v, _iri(k)) for k in c.class_rules)
        if isinstance(c, value.DatatypeConstraintComponent):
            return self._datatype(v, c)
        if isinstance(c, value.NodeKindConstraintComponent):
            return Expr(_NODE_KINDS.get(c.nodekind_rule, "false").format(v=v))
        if isinstance(c, other.InConstraintComponent):
            members = [f"sameTerm({v}, {self.constant(m)})" for m in c.in_vals]
            return Expr(f"({' || '.join(members)})" if members else "false")
        if isinstance(c, string.MinLengthConstraintComponent | string.MaxLengthConstraintComponent):
            return self._length(v, c)
        if isinstance(c, string.LanguageInConstraintComponent):
            return self._language_in(v, c)
        if isinstance(c, based.NodeConstraintComponent):
            shapes = [self.other(n) for n in c.node_shapes]
            if any(s.is_property_shape for s in shapes):
                raise Unsupported("sh:node names a property shape")
            return _all(self.conforms(s.node, v, stack) for s in shapes)
        if isinstance(c, logic.NotConstraintComponent):
            return _all(_not(self.conforms(n, v, stack)) for n in c.not_list)
        if isinstance(
            c,
            logic.AndConstraintComponent
            | logic.OrConstraintComponent
            | logic.XoneConstraintComponent,
        ):
            return self._logical(v, c, stack)
        if isinstance(c, based.PropertyConstraintComponent):
            return self.node_component(c, v, stack)
        if isinstance(c, DECIDED):
            raise Unsupported(f"{_name(c)} inside another shape (only pySHACL decides it)")
        raise Unsupported(f"{_name(c)} is not compiled")

    def _class(self, v: str, k: URIRef) -> Expr:
        members = " ".join(self.closure(k))
        t = self.var()
        return Expr(f"EXISTS {{ VALUES {t} {{ {members} }} {v} {TYPE} {t} . }}", 1)

    def _datatype(self, v: str, c: Any) -> Expr:
        rule = c.datatype_rule
        if rule == RDFS.Literal:
            return Expr(f"isLiteral({v})")
        if rule == RDFS.Datatype:
            return Expr(
                f'(isLiteral({v}) && lang({v}) = "" && datatype({v}) != {_iri_text(XSD.string)})'
            )
        if rule == XSD.string:
            return Expr(
                f'(isLiteral({v}) && lang({v}) = "" && datatype({v}) = {_iri_text(XSD.string)})'
            )
        if rule == RDF.langString:
            return Expr(f'(isLiteral({v}) && lang({v}) != "")')
        if not isinstance(rule, URIRef):
            raise Unsupported("sh:datatype is not an IRI")
        ill = self.ill_typed(rule, c)
        refused = "".join(f" && !sameTerm({v}, {t})" for t in ill)
        return Expr(f"(isLiteral({v}) && datatype({v}) = {self.constant(rule)}{refused})")

    def _length(self, v: str, c: Any) -> Expr:
        rules = list(c.string_rules)
        if len(rules) != 1 or not isinstance(rules[0], Literal):
            raise Unsupported("a string length that is not one integer")
        n = rules[0].value
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise Unsupported("a string length that is not one integer")
        if isinstance(c, string.MinLengthConstraintComponent):
            return TRUE if n == 0 else Expr(f"(!isBlank({v}) && STRLEN(STR({v})) >= {n})")
        return Expr(f"(!isBlank({v}) && STRLEN(STR({v})) <= {n})")

    def _language_in(self, v: str, c: Any) -> Expr:
        rules = list(c.string_rules)
        if len(rules) != 1:
            raise Unsupported("more than one sh:languageIn")
        wanted = []
        for item in self.graph.items(rules[0]):
            if not isinstance(item, Literal) or not isinstance(item.value, str):
                raise Unsupported("a language in sh:languageIn that is not a string")
            wanted.append(str(item.value).lower())
        tagged = f'isLiteral({v}) && lang({v}) != ""'
        if "*" in wanted:
            return Expr(f"({tagged})")
        listed = ", ".join(_string(w) for w in sorted(set(wanted))) or '""'
        first = f'LCASE(STRBEFORE(CONCAT(lang({v}), "-"), "-"))'
        return Expr(f"({tagged} && (LCASE(lang({v})) IN ({listed}) || {first} IN ({listed})))")

    def _logical(self, v: str, c: Any, stack: list[Node]) -> Expr:
        lists = (
            getattr(c, "and_list", None)
            or getattr(c, "or_list", None)
            or getattr(c, "xone_nodes", None)
        )
        if lists is None:
            raise Unsupported(f"{type(c).__name__}: its lists are not where expected")
        parts = []
        for holder in lists:
            members = list(self.graph.items(holder))
            if not members:
                raise Unsupported("an empty or malformed list")
            found = [self.conforms(m, v, stack) for m in members]
            if isinstance(c, logic.AndConstraintComponent):
                parts.append(_all(found))
            elif isinstance(c, logic.OrConstraintComponent):
                parts.append(_any(found))
            else:
                total = " + ".join(f"IF({e.text}, 1, 0)" for e in found)
                parts.append(Expr(f"(({total}) = 1)", max(e.need for e in found)))
        return _all(parts)

    # --- property shapes inside other shapes -----------------------------------------------

    def property_conforms(self, shape: Shape, x: str, stack: list[Node]) -> Expr:
        p = self.path(shape)
        parts: list[Expr] = []
        per_value: list[Expr] = []
        v = self.var()
        for c in self.components(shape):
            if isinstance(c, card.MinCountConstraintComponent):
                n = int(c.min_count.value)
                if n > 0:
                    parts.append(self._at_least(x, p, n, lambda _: TRUE))
            elif isinstance(c, card.MaxCountConstraintComponent):
                parts.append(_not(self._at_least(x, p, int(c.max_count.value) + 1, lambda _: TRUE)))
            elif isinstance(c, based.QualifiedValueShapeConstraintComponent):
                parts += self._qualified(shape, c, x, p, stack)
            elif isinstance(c, string.UniqueLangConstraintComponent):
                if True in c.string_rules:
                    parts.append(_not(Expr(f"EXISTS {{ {self._same_lang(x, p)} }}", 1)))
            elif isinstance(c, other.HasValueConstraintComponent) and not self.lexical(c):
                for h in c.has_value_set:
                    w = self.var()
                    parts.append(
                        Expr(
                            f"EXISTS {{ {x} {p} {w} FILTER (sameTerm({w}, {self.constant(h)})) }}",
                            1,
                        )
                    )
            else:
                per_value.append(self.value_component(c, v, stack))
        if per_value:
            each = _all(per_value)
            parts.append(
                Expr(f"NOT EXISTS {{ {x} {p} {v} FILTER (!({each.text})) }}", each.need + 1)
            )
        return _all(parts)

    def _at_least(self, x: str, p: str, n: int, test: Callable[[str], Expr]) -> Expr:
        """``x`` has at least ``n`` distinct values of ``p`` that pass ``test``."""
        if n <= 0:
            return TRUE
        if n > _NESTED_COUNT:
            raise Unsupported(f"a count of {n} inside another shape's check")
        names = [self.var() for _ in range(n)]
        tests = [test(w) for w in names]
        pattern = " ".join(f"{x} {p} {w} ." for w in names)
        filters = [f"!sameTerm({a}, {b})" for i, a in enumerate(names) for b in names[i + 1 :]]
        filters += [t.text for t in tests if t is not TRUE]
        where = f" FILTER ({' && '.join(filters)})" if filters else ""
        return Expr(f"EXISTS {{ {pattern}{where} }}", 1 + max(t.need for t in tests))

    def _qualified(self, shape: Shape, c: Any, x: str, p: str, stack: list[Node]) -> list[Expr]:
        parts = []
        for node in c.value_shapes:
            test = self._qualifies(shape, c, node, stack)
            if c.min_count is not None:
                parts.append(self._at_least(x, p, c.min_count, test))
            if c.max_count is not None:
                parts.append(_not(self._at_least(x, p, c.max_count + 1, test)))
        return parts

    def _qualifies(
        self, shape: Shape, c: Any, node: Node, stack: list[Node]
    ) -> Callable[[str], Expr]:
        """The test a value passes to count for one sh:qualifiedValueShape: it conforms
        to it, and to none of its siblings (with sh:qualifiedValueShapesDisjoint)."""
        siblings = self._siblings(shape, node) if c.is_disjoint else []

        def test(w: str) -> Expr:
            found = self.conforms(node, w, stack)
            for s in siblings:
                found = _all([found, _not(self.conforms(s, w, stack))])
            return found

        return test

    def _siblings(self, shape: Shape, node: Node) -> list[Node]:
        found = set()
        for parent in self.graph.subjects(SH.property, shape.node):
            for prop in self.graph.objects(parent, SH.property):
                for q in self.graph.objects(prop, SH.qualifiedValueShape):
                    if q != node:
                        found.add(q)
        return sorted(found, key=str)

    def _same_lang(self, x: str, p: str) -> str:
        a, b = self.var(), self.var()
        return (
            f"{x} {p} {a} . {x} {p} {b} . FILTER (!sameTerm({a}, {b}) && isLiteral({a}) && "
            f'isLiteral({b}) && lang({a}) != "" && LCASE(lang({a})) = LCASE(lang({b})))'
        )


_NODE_KINDS = {
    SH.IRI: "isIRI({v})",
    SH.BlankNode: "isBlank({v})",
    SH.Literal: "isLiteral({v})",
    SH.BlankNodeOrIRI: "(isBlank({v}) || isIRI({v}))",
    SH.BlankNodeOrLiteral: "(isBlank({v}) || isLiteral({v}))",
    SH.IRIOrLiteral: "(isIRI({v}) || isLiteral({v}))",
}


def _all(parts: Iterable[Expr]) -> Expr:
    found = [p for p in parts if p is not TRUE]
    if not found:
        return TRUE
    if any(p is FALSE for p in found):
        return FALSE
    if len(found) == 1:
        return found[0]
    return Expr("(" + " && ".join(p.text for p in found) + ")", max(p.need for p in found))


def _any(parts: Iterable[Expr]) -> Expr:
    found = list(parts)
    if any(p is TRUE for p in found):
        return TRUE
    found = [p for p in found if p is not FALSE]
    if not found:
        return FALSE
    return Expr("(" + " || ".join(p.text for p in found) + ")", max(p.need for p in found))


def _not(e: Expr) -> Expr:
    if e is TRUE:
        return FALSE
    if e is FALSE:
        return TRUE
    return Expr(f"!({e.text})", e.need)


def _name(component: Any) -> str:
    """``sh:ClosedConstraintComponent``, as reports name a component."""
    iri = str(getattr(component, "shacl_constraint_component", "") or "")
    return "sh:" + iri.rpartition("#")[2] if iri.startswith(str(SH)) else type(component).__name__


def _iri(node: Node) -> URIRef:
    if not isinstance(node, URIRef):
        raise Unsupported(f"{_term(node)} where an IRI is expected")
    return node


def _iri_text(iri: URIRef) -> str:
    return f"<{iri}>"


def _term(node: Node | None) -> str:
    if isinstance(node, BNode):
        return "a blank node"
    return node.n3() if node is not None else "?"


def _string(text: str) -> str:
    escaped = (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    )
    return f'"{escaped}"'
