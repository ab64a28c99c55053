"""``accord validate`` with SHACL Core compiled to SPARQL and run in Oxigraph.

pySHACL checks every focus node against every shape in Python, one at a time: at a million
triples that took minutes and gigabytes.  This engine asks the same questions of the whole
graph at once, and leaves the writing of the report to pySHACL:

1. the data files, Accord's reference entities and the ontology axioms pySHACL would mix in
   are loaded into an Oxigraph store, each file in a graph of its own, and every literal is
   checked against the term rdflib makes of it (app/accord/shacl/oxdata.py);
2. the shapes are compiled (app/accord/shacl/compiler.py, conformance.py): for each shape
   with targets, queries that find the focus nodes violating it or one of its property
   shapes; the SHACL-SPARQL constraints run in bulk as before (sparql_constraints.py);
3. pySHACL validates the focus nodes found, each against its own shapes only, over the part
   of the graph that validation reads (neighbourhood.py: the nodes' triples and those of the
   nodes they point to, as deep as the shapes look, blank nodes whole; the ontology mixed
   in as usual), so the results, messages, severities and nested details are pySHACL's own;
4. what pySHACL reports must name exactly the (focus node, shape) pairs the queries found.
   If it does not, that is a bug of the compiler: the whole validation is done again by
   pySHACL alone, and a note on stderr says so.

What the compiler does not cover is left to pySHACL, never skipped, and a note on stderr
says what and why: shapes it cannot compile are validated by pySHACL on all their targets,
over the whole graph (converted from the store); nodes with a literal that Oxigraph and
rdflib read differently (``"4.0"`` and ``"4"``, which Oxigraph keeps as one decimal) are
validated by pySHACL over the triples they read, with the literals as rdflib reads them;
shapes with SHACL rules or functions leave the whole validation to pySHACL.  Which nodes a
validation is about (focus.py), the files of each node, the namespace closure and the
evidence check (outside.py) are read from the store.  ``tests/test_shacl_compiled.py``
compares both engines on every shape fixture, on randomly damaged generated graphs and on
the W3C suite; ``benchmarks/validate_engines.py`` measures them.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Container, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from pyshacl.errors import ReportableRuntimeError
from pyshacl.pytypes import SHACLExecutor
from pyshacl.rdfutil.inoculate import inoculate
from pyshacl.shapes_graph import ShapesGraph
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from accord.shacl import outside, sparql_constraints
from accord.shacl.compiler import Check, Compiler, Plan, Unit, Unsupported
from accord.shacl.focus import Described, RdflibFocus, changed_focus
from accord.shacl.neighbourhood import neighbourhood, whole_graph
from accord.shacl.oxdata import MIXIN, OxData, canonical, same_literal, to_ox
from accord.shacl.report import ordered, short, violations
from accord.shacl.validation import (
    ONTOLOGY_DIR,
    SHAPES_DIR,
    Outcome,
    ShapeFocus,
    context_files,
    display,
    evidence_not_in_source,
    expand,
    load,
    load_shapes,
    parse_file,
    run_shacl,
    source_roots,
    undeclared,
    validate_with_pyshacl,
)

_UNION: dict[str, Any] = {"use_default_graph_as_union": True}


class Progress:
    """What the engine is doing, on one line of a terminal (nothing when stderr is not
    one: a CI log gets only the report)."""

    def __init__(self) -> None:
        self.on = sys.stderr.isatty()

    def say(self, text: str) -> None:
        if self.on:
            sys.stderr.write(f"\r\x1b[Kaccord validate: {text}...")
            sys.stderr.flush()

    def done(self) -> None:
        if self.on:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def validate(
    data_paths: Sequence[Path],
    shape_paths: Sequence[Path] | None = None,
    ontology_paths: Sequence[Path] | None = None,
    changed: Sequence[Path] | None = None,
    standalone: bool = False,
) -> Outcome:
    """:func:`accord.shacl.validation.validate` with the compiled engine (same arguments,
    same outcome)."""
    progress = Progress()
    try:
        return _validate(progress, data_paths, shape_paths, ontology_paths, changed, standalone)
    finally:
        progress.done()


def _validate(
    progress: Progress,
    data_paths: Sequence[Path],
    shape_paths: Sequence[Path] | None,
    ontology_paths: Sequence[Path] | None,
    changed: Sequence[Path] | None,
    standalone: bool,
) -> Outcome:
    files = expand(data_paths)
    data = OxData()
    progress.say(f"reading {len(files)} file{'s' if len(files) != 1 else ''}")
    for path in files:
        _add(data, path, True)
    context = [] if standalone else context_files(files)
    for path in context:
        _add(data, path, False)
    own_shapes = load_shapes(shape_paths or [])
    shapes = own_shapes.graph if standalone else load_shapes([SHAPES_DIR]).graph + own_shapes.graph
    ontology = load([*([] if standalone else [ONTOLOGY_DIR]), *(ontology_paths or [])])
    data.mix_in(inoculate(Graph(), ontology.graph))  # type: ignore[arg-type]
    data.settle()

    def with_pyshacl(note: str) -> Outcome:
        outcome = validate_with_pyshacl(
            data_paths, shape_paths, ontology_paths, changed, standalone
        )
        outcome.notes.insert(0, note)
        return outcome

    progress.say("compiling the shapes")
    core, bulk = sparql_constraints.split(shapes)
    try:
        plan = compiler_for(data, ShapesGraph(core)).plan()
    except ReportableRuntimeError as exc:  # pySHACL will refuse the shapes the same way
        plan = Plan([], {}, f"pySHACL refuses the shapes: {exc}")
    if plan.whole:
        return with_pyshacl(f"validated by pySHACL alone (slower): {plan.whole}")

    focus: Container[Any] | None
    n_focus = None
    if changed is not None:
        focus = changed_focus(data, {display(p) for p in changed})
        n_focus = len(focus)
    elif context:
        focus = Described(data)
    else:
        focus = None
    rdflib_focus = None if focus is None else RdflibFocus(focus)

    progress.say(
        f"checking {sum(len(u.checks) for u in plan.units)} queries of {len(plan.units)} shapes"
    )
    found = run_units(data, plan.units, focus)
    rows = sparql_constraints.rows_in(data.store, data.rdflib, bulk, rdflib_focus, **_UNION)
    suspects = _suspects(data, plan, core, focus)

    candidates: dict[Node, set[Any]] = defaultdict(set)
    for this, _source, unit in found:
        candidates[unit].add(this)
    for each in plan.units if suspects else []:
        candidates[each.shape] |= suspects
    by_shape: dict[Node, Container[Node] | None] = {
        unit: frozenset(data.rdflib(n) for n in nodes) for unit, nodes in candidates.items()
    }
    if plan.fallback:
        progress.say(f"pySHACL on {len(plan.fallback)} shapes over the whole graph")
        by_shape.update({shape: rdflib_focus for shape in plan.fallback})
        graph = whole_graph(data)
    else:
        nodes = len(set().union(*candidates.values()))
        progress.say(f"writing the report of {nodes} node{'s' if nodes != 1 else ''}")
        graph = neighbourhood(data, plan, candidates, rows)
    conforms, results, text = run_shacl(
        graph, core, ontology.graph, bulk_sparql=False, focus=ShapeFocus(by_shape)
    )
    mismatch = _disagreement(plan, shapes, found, results, data, suspects)
    if mismatch:
        return with_pyshacl(
            "validated by pySHACL alone: the compiled engine disagreed with pySHACL on "
            f"{mismatch} (a bug of the engine; please report it)"
        )
    if rows:
        shapes_graph = rows[0][0].component.shape.sg
        reports = sparql_constraints.reports_of(rows, graph)
        conforms, results, text = sparql_constraints.merge(
            reports, shapes_graph, conforms, results, text
        )

    progress.say("checking namespaces and evidence")
    files_of = outside.files_of(data, ontology, results)
    found_rows = violations(results, files_of)
    closure = (
        [] if standalone else undeclared([outside.owned_terms(data), own_shapes], ontology.graph)
    )
    if not standalone:
        closure += evidence_not_in_source(
            outside.evidence_files(data, rdflib_focus), source_roots(data_paths), rdflib_focus
        )
    report = next(results.subjects(RDF.type, SH.ValidationReport), None)
    if closure and report is not None:
        results.set((report, SH.conforms, Literal(False)))
        for problem in closure:
            problem.add_to(results, report)
        found_rows = ordered(found_rows + [problem.row() for problem in closure])
    count = sum(1 for f in data.files if f.data)
    notes = [_fallback_note(plan)] if plan.fallback else []
    if suspects:
        notes.append(
            f"{len(suspects)} node{'s' if len(suspects) != 1 else ''} validated by pySHACL "
            "(each over the part of the graph it reads): their literals are read "
            f"differently by Oxigraph and rdflib, such as {data.census.reasons[0]}"
        )
    return Outcome(bool(conforms) and not closure, results, found_rows, count, n_focus, notes)


def _add(data: OxData, path: Path, is_data: bool) -> None:
    name = display(path)
    if not data.add_ox(path, name, is_data):
        data.add_rdflib(parse_file(path), name, is_data)


def _fallback_note(plan: Plan) -> str:
    shown = sorted(plan.fallback.items(), key=lambda item: str(item[0]))
    listed = "; ".join(f"{short(s)} ({why})" for s, why in shown[:5])
    more = f"; and {len(shown) - 5} more" if len(shown) > 5 else ""
    return (
        f"{len(shown)} shape{'s' if len(shown) != 1 else ''} validated by pySHACL over the "
        f"whole graph (slower; the compiled engine does not cover them): {listed}{more}"
    )


# --- the compiler's view of the store ----------------------------------------------------------


def compiler_for(data: OxData, sg: ShapesGraph) -> Compiler:
    """The compiler of the shapes ``sg`` over the store of ``data``."""
    closures: dict[URIRef, list[str]] = {}
    constants: dict[Node, str] = {}

    def closure(cls: URIRef) -> list[str]:
        if cls not in closures:
            query = f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS.subClassOf}>* {constant(cls)} }}"
            found = [row["c"] for row in data.store.query(query, **_UNION)]  # type: ignore[union-attr]
            if any(type(c) is not ox.NamedNode for c in found):
                raise Unsupported(f"a blank node among the subclasses of {short(cls)}")
            closures[cls] = sorted({str(c) for c in found} | {constant(cls)})
        return closures[cls]

    def constant(node: Node) -> str:
        if node not in constants:
            constants[node] = _constant(node)
        return constants[node]

    def ill_typed(datatype: URIRef, component: Any) -> list[str]:
        refused = []
        for stored, read in data.census.exact.items():
            if stored.language or stored.datatype.value != str(datatype):
                continue
            if read.datatype != datatype:
                continue
            if getattr(read, "ill_typed", None) is True or not component._assert_actual_datatype(
                read, datatype
            ):
                refused.append(str(stored))
        return sorted(refused)

    return Compiler(sg, closure, constant, ill_typed, translated=bool(data.census.translated))


def _constant(node: Node) -> str:
    """A term of the shapes graph in a query, where it denotes in the store exactly what it
    denotes for rdflib."""
    if isinstance(node, URIRef):
        try:
            return str(ox.NamedNode(str(node)))
        except ValueError:
            raise Unsupported(f"the IRI {node!r} is not one Oxigraph accepts") from None
    if isinstance(node, Literal):
        if node.datatype == XSD.string or (
            node.language and node.language != node.language.lower()
        ):
            raise Unsupported(f"the literal {node.n3()} (Oxigraph would not keep it apart)")
        (stored,) = canonical([to_ox(node)])
        if not same_literal(node, stored):
            raise Unsupported(f"the literal {node.n3()} (Oxigraph keeps it as {stored})")
        return str(stored)
    raise Unsupported("a blank node of the shapes graph as a value")


# --- running the queries -------------------------------------------------------------------------


def run_units(
    data: OxData, units: list[Unit], focus: Container[Any] | None
) -> set[tuple[Any, Node, Node]]:
    """(focus node, source shape, unit shape) for each violation the queries find (of the
    ``focus`` nodes only, if given)."""
    found: set[tuple[Any, Node, Node]] = set()
    executor = SHACLExecutor()
    for unit in units:
        for check in unit.checks:
            if check.decide is None:
                nodes: Iterable[Any] = (row["this"] for row in _solutions(data, check.query))
            else:
                nodes = _decided(data, check, executor)
            for this in nodes:
                if focus is None or this in focus:
                    found.add((this, check.source, unit.shape))
    return found


def _solutions(data: OxData, query: str) -> Iterator[Any]:
    return iter(data.store.query(query, **_UNION))  # type: ignore[arg-type]


def _decided(data: OxData, check: Check, executor: SHACLExecutor) -> Iterator[Any]:
    """The focus nodes that pySHACL's component refuses, given their values (and, for a
    property pair, the other property's values, in a small graph of their own)."""
    values: dict[Any, set[Any]] = {}
    for row in _solutions(data, check.query):
        this, value = row["this"], row["value"]
        found = values.setdefault(this, set())
        if value is not None:
            found.add(value)
    others = Graph()
    for q in check.pairs:
        targets = _target_group(check.query)
        pairs_query = f"SELECT DISTINCT ?this ?other WHERE {{ {targets} ?this <{q}> ?other . }}"
        for row in _solutions(data, pairs_query):
            others.add((data.rdflib(row["this"]), q, data.rdflib(row["other"])))
    component = check.decide
    for this, nodes in values.items():
        focus = data.rdflib(this)
        try:
            ok, _ = component.evaluate(
                executor, others, {focus: {data.rdflib(v) for v in nodes}}, []
            )
        except (ReportableRuntimeError, TypeError, ValueError):
            ok = False  # pySHACL will say what is wrong when it writes the report
        if not ok:
            yield this


def _target_group(query: str) -> str:
    """The targets sub-select of a decided check's query."""
    start = query.index("{ SELECT DISTINCT ?this WHERE")
    depth = 0
    for i in range(start, len(query)):
        if query[i] == "{":
            depth += 1
        elif query[i] == "}":
            depth -= 1
            if depth == 0:
                return query[start : i + 1]
    raise ValueError("no targets in the query")


def _disagreement(
    plan: Plan,
    shapes: Graph,
    found: set[tuple[Any, Node, Node]],
    results: Graph,
    data: OxData,
    suspects: set[Any],
) -> str:
    """Where pySHACL's results differ from the pairs the queries found, on the shapes the
    compiler covers and the nodes it decides ('' when they agree)."""
    fallback_sources = set(plan.fallback)
    for shape in plan.fallback:
        fallback_sources.update(shapes.objects(shape, SH.property))
    covered = {s for unit in plan.units for s in unit.sources} - fallback_sources
    expected = {
        (data.rdflib(this), source)
        for this, source, _ in found
        if source in covered and this not in suspects
    }
    left = {data.rdflib(n) for n in suspects}
    got = set()
    for result in results.objects(None, SH.result):
        source = results.value(result, SH.sourceShape)
        if source in covered and results.value(result, SH.focusNode) not in left:
            got.add((results.value(result, SH.focusNode), source))
    if got == expected:
        return ""
    missing, extra = sorted(expected - got, key=str), sorted(got - expected, key=str)
    parts = [
        f"{short(n)} against {short(s)} (found by {'the queries' if (n, s) in expected else 'pySHACL'})"
        for n, s in (missing + extra)[:3]
    ]
    return ", ".join(parts)


def _suspects(data: OxData, plan: Plan, shapes: Graph, focus: Container[Any] | None) -> set[Any]:
    """The nodes whose validation reads a literal that Oxigraph and rdflib read
    differently (:attr:`OxData.suspects`), or that reach one through the paths of the
    shapes within the depth they look: pySHACL decides about those."""
    if not data.suspects or not plan.units:
        return set()
    paths = {ox.NamedNode(str(p)) for p in shapes.objects(None, SH.path) if isinstance(p, URIRef)}
    graphs = [*data.graphs(), MIXIN]
    found = set(data.suspects)
    level = set(found)
    for _ in range(max(unit.need for unit in plan.units) - 1):
        level = {
            quad.subject
            for node in level
            for p in paths
            for g in graphs
            for quad in data.store.quads_for_pattern(None, p, node, g)
        } - found
        found |= level
    return {n for n in found if focus is None or n in focus}
