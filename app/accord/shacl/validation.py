"""``accord validate``: check RDF data against the ontology and the SHACL shapes.

The ontology (``ontology/``) is always loaded and given to pySHACL as ``ont_graph``.
pySHACL copies its RDFS and OWL axioms (not its SKOS triples) into the data graph, so
``sh:targetClass`` and ``sh:class`` see subclasses (an ``accord:DraftText`` is an
``accord:TextVersion``); the closed value sets are therefore ``sh:in`` lists, kept in
step with the concept schemes by the tests.  No inference is run: RDFS inference would type
every object of ``accord:hostedBy`` as an ``org:Organization`` from the property's
range, so the ``sh:class`` checks would pass whatever the data says (a test shows
this), and it would cost time on every run.  ``advanced=True`` enables the
SHACL-SPARQL constraints; those that can run once over the whole graph run in Oxigraph
instead of once per focus node in pySHACL (app/accord/shacl/sparql_constraints.py), with the same
results.

Accord's own ontology, shapes and reference entities (``data/reference/``: states and
organisations) are always loaded, so that a data repository's ``id:BE`` is a state; only
the nodes that the given files describe are validated and reported.  A data repository
adds its own shapes and ontology with ``--shapes`` and ``--ontology``.  Every term of a
namespace Accord owns (``accord:``, ``concept:``) that no ontology declares is a
violation, with the nearest declared term as a suggestion.  Validation reads local
files only: nothing is ever fetched from the network (a JSON-LD file naming a remote
``@context`` is refused).

``--changed FILE`` (a pull request's files) validates only the nodes those files
describe, and the nodes that point at them, against the whole data: what the change can
break.  A deleted file, or a change to anything but data, validates everything.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import json
import sys
from collections import defaultdict
from collections.abc import Collection, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from pyshacl.monkey import rdflib_bool_patch, rdflib_bool_unpatch
from pyshacl.shape import Shape
from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node
from rdflib.util import guess_format

from accord import resources
from accord.dataset import RDF_EXTENSIONS, DatasetError, rdf_files
from accord.namespaces import ACCORD, CONCEPT, SHAPE
from accord.shacl import sparql_constraints
from accord.shacl.report import (
    Violation,
    format_json,
    format_text,
    format_turtle,
    ordered,
    short,
    violations,
)

ONTOLOGY_DIR = resources.ONTOLOGY
SHAPES_DIR = resources.SHAPES

#: The inference pySHACL runs before validating (see the module docstring).
INFERENCE = "none"

#: Exit statuses of ``accord validate``.
CONFORMS, DOES_NOT_CONFORM, UNREADABLE = 0, 1, 2

#: Formats that rdflib's guess_format names differently from our extensions.
_FORMATS = {".jsonld": "json-ld", ".owl": "xml", ".rdf": "xml", ".xml": "xml"}
_QUAD_FORMATS = {"trig", "nquads"}


class InputError(Exception):
    """A data, shapes or ontology file is missing or cannot be parsed."""


class ShapesUnusable(Exception):
    """The shapes cannot be used: pySHACL refused them (a malformed shape, SPARQL it does
    not support, such as ``$shapesGraph`` or a pre-bound variable assigned)."""


def _pyshacl_message(failure: object) -> str:
    message = getattr(failure, "message", None) or str(failure)
    return " ".join(str(message).split())


def display(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when below it."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _syntax_error(path: Path, exc: Exception) -> InputError:
    line = getattr(exc, "lines", None)
    why = getattr(exc, "_why", None)
    if isinstance(line, int):
        # rdflib's Turtle parser counts lines from 0.
        return InputError(f"{display(path)}:{line + 1}: Turtle syntax error: {why or exc}")
    return InputError(f"{display(path)}: cannot parse: {exc}")


def parse_file(path: Path) -> Graph:
    """One RDF file as a graph (the union of its graphs, for TriG and N-Quads); a syntax
    error names the file and, for Turtle, the line.  Nothing is fetched: a JSON-LD file
    that names a remote ``@context`` is refused, and any attempt to open a connection
    while parsing fails (:func:`offline`)."""
    fmt = _FORMATS.get(path.suffix.lower()) or guess_format(str(path)) or "turtle"
    if fmt == "json-ld":
        _refuse_remote_contexts(path)
    try:
        with offline():
            if fmt in _QUAD_FORMATS:
                graph = Graph()
                for s, p, o, _ in Dataset().parse(path, format=fmt).quads():
                    graph.add((s, p, o))
                return graph
            return Graph().parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many kinds of errors for bad syntax
        raise _syntax_error(path, exc) from exc


def _remote_references(node: Any) -> Iterator[str]:
    """The IRIs of a JSON-LD document's ``@context`` and ``@import`` values that are not
    relative references to local files."""
    if isinstance(node, list):
        for item in node:
            yield from _remote_references(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in ("@context", "@import"):
                for ref in value if isinstance(value, list) else [value]:
                    if isinstance(ref, str) and ":" in ref and not ref.startswith("file:"):
                        yield ref
            yield from _remote_references(value)


def _refuse_remote_contexts(path: Path) -> None:
    try:
        document = json.loads(path.read_bytes())
    except (ValueError, OSError) as exc:
        raise InputError(f"{display(path)}: cannot parse: not JSON: {exc}") from exc
    remote = sorted(set(_remote_references(document)))
    if remote:
        raise InputError(
            f"{display(path)}: the JSON-LD context {remote[0]} is remote, and validation "
            "never fetches anything: put the context in the file, or refer to a local copy"
        )


class NetworkRefused(OSError):
    """A connection attempted while validating (validation reads local files only)."""


#: Whether connections are refused in this context (see :func:`offline`).
_OFFLINE: contextvars.ContextVar[bool] = contextvars.ContextVar("accord_offline", default=False)
_NETWORK_EVENTS = frozenset({"socket.connect", "socket.getaddrinfo", "urllib.Request"})


def _refuse_network(event: str, args: tuple[Any, ...]) -> None:
    if event in _NETWORK_EVENTS and _OFFLINE.get():
        target = args[1] if event == "socket.connect" else args[0]  # an address, a host, a URL
        raise NetworkRefused(f"validation reads local files only: refused to reach {target}")


_audit_hook_added = False


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """Refuse every connection and name lookup made in this context (an audit hook, so
    that no library's fetch, however it is reached, gets through)."""
    global _audit_hook_added
    if not _audit_hook_added:
        sys.addaudithook(_refuse_network)
        _audit_hook_added = True
    token = _OFFLINE.set(True)
    try:
        yield
    finally:
        _OFFLINE.reset(token)


def expand(paths: Iterable[Path]) -> list[Path]:
    """The RDF files at the given paths (folders are searched recursively)."""
    files: list[Path] = []
    for path in paths:
        try:
            found = rdf_files(Path(path))
        except DatasetError as exc:
            raise InputError(str(exc).replace(str(path), display(Path(path)), 1)) from exc
        if not found:
            raise InputError(f"{display(Path(path))}: no RDF files in this folder")
        for file in found:
            if file not in files:
                files.append(file)
    return files


@dataclass
class LoadedFiles:
    """The union of some files, and which files describe each node."""

    graph: Graph = field(default_factory=Graph)
    subject_in: dict[Node, list[str]] = field(default_factory=lambda: defaultdict(list))
    object_in: dict[Node, list[str]] = field(default_factory=lambda: defaultdict(list))
    count: int = 0
    #: Each term of a namespace Accord owns, where it is first used in each file:
    #: {term: [(file, subject, predicate)]}.
    owned_terms: dict[URIRef, list[tuple[str, Node, Node]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, path: Path) -> None:
        part = parse_file(path)
        name = display(path)
        for subject in set(part.subjects()):
            self.subject_in[subject].append(name)
        for obj in set(part.objects()):
            self.object_in[obj].append(name)
        seen: set[URIRef] = set()
        for s, p, o in part:
            for term in (s, p, o):
                if isinstance(term, URIRef) and str(term).startswith(OWNED) and term not in seen:
                    seen.add(term)
                    self.owned_terms[term].append((name, s, p))
        for prefix, namespace in part.namespaces():
            self.graph.bind(prefix, namespace, override=False)
        self.graph += part
        self.count += 1

    def add_context(self, path: Path) -> None:
        """A file whose triples are part of the graph but whose nodes are not reported."""
        self.graph += parse_file(path)

    def files_of(self) -> dict[Node, list[str]]:
        """The files in which each node is a subject, or else those that mention it."""
        return {**self.object_in, **self.subject_in}


#: The namespaces Accord owns: every term used in them must be declared by an ontology.
OWNED = (str(ACCORD), str(CONCEPT))


def load_shapes(paths: Iterable[Path]) -> LoadedFiles:
    """Shapes files, parsed as pySHACL parses a shapes graph: literals as written
    (``"1"^^xsd:boolean`` is not ``true``: W3C test ``core/property/uniqueLang-002``)."""
    rdflib_bool_patch()
    try:
        return load(paths)
    finally:
        rdflib_bool_unpatch()


def load(paths: Iterable[Path]) -> LoadedFiles:
    loaded = LoadedFiles()
    for path in expand(paths):
        loaded.add(path)
    return loaded


@dataclass
class Outcome:
    """What a validation run found."""

    conforms: bool
    results: Graph
    rows: list[Violation]
    data_files: int
    focus: int | None = None  # nodes validated, when only a change was (``--changed``)
    #: What the user should know about how it was validated (printed on stderr): the
    #: shapes the compiled engine left to pySHACL, and why.
    notes: list[str] = field(default_factory=list)


def run_shacl(
    data: Graph,
    shapes: Graph,
    ontology: Graph,
    *,
    bulk_sparql: bool = True,
    focus: Collection[Node] | ShapeFocus | None = None,
) -> tuple[bool, Graph, str]:
    """pySHACL on ``data`` (changed in place: the ontology is mixed into it), no inference,
    SHACL-SPARQL on.  With ``bulk_sparql`` the SHACL-SPARQL constraints that can run once
    over the whole graph run in Oxigraph, after pySHACL has mixed in the ontology; the
    results are the same (tests/test_sparql_constraints.py compares both ways).  With
    ``focus``, only those nodes are validated (against the whole graph); a
    :class:`ShapeFocus` says it shape by shape.  Shapes that cannot be used raise :class:`ShapesUnusable`, whichever way pySHACL says so."""
    bulk: list[sparql_constraints.BulkConstraint] = []
    if bulk_sparql:
        shapes, bulk = sparql_constraints.split(shapes)
    try:
        with _targets_within(focus):
            conforms, results, text = pyshacl.validate(
                data,
                shacl_graph=shapes,
                ont_graph=ontology,
                inference=INFERENCE,
                advanced=True,
                inplace=True,
            )
    except (ReportableRuntimeError, NotImplementedError) as exc:
        raise ShapesUnusable(_pyshacl_message(exc)) from exc
    if not isinstance(results, Graph):  # pySHACL returns some failures (ValidationFailure)
        raise ShapesUnusable(_pyshacl_message(results))
    if bulk:
        if isinstance(focus, ShapeFocus):
            raise ValueError("bulk SHACL-SPARQL is run shape by shape by its caller")
        return sparql_constraints.evaluate(
            bulk, data, bool(conforms), results, str(text), focus=focus
        )
    return bool(conforms), results, str(text)


class ShapeFocus:
    """The focus nodes of each shape with targets, shape by shape: ``None`` lets a shape
    target all of its targets; a shape not named targets nothing.  (The compiled engine
    has pySHACL write the results of the nodes it found, each for its own shapes, and
    run the shapes it does not cover on all of their targets.)"""

    def __init__(self, by_shape: Mapping[Node, Container[Node] | None]) -> None:
        self.by_shape = dict(by_shape)

    def of(self, shape: Node) -> Container[Node] | None:
        return self.by_shape.get(shape, frozenset())


#: The nodes the running validation is restricted to (``--changed``), None for all.
_FOCUS: contextvars.ContextVar[Container[Node] | ShapeFocus | None] = contextvars.ContextVar(
    "accord_validation_focus", default=None
)


@contextlib.contextmanager
def _targets_within(focus: Collection[Node] | ShapeFocus | None) -> Iterator[None]:
    """While pySHACL runs, let each shape target only the ``focus`` nodes among its own
    targets.  Not pySHACL's ``focus_nodes`` option: that also filters the nodes handed
    to nested shapes (``sh:or``, ``sh:not``, ``sh:node``, property shapes' values), and
    on data/, which conforms, it reported 42 false violations of ``sh:or`` shapes."""
    value = focus if focus is None or isinstance(focus, ShapeFocus) else frozenset(focus)
    token = _FOCUS.set(value)
    try:
        yield
    finally:
        _FOCUS.reset(token)


def _own_targets_within_focus(original: Any) -> Any:
    """``Shape.focus_nodes`` (a shape's own targets, never the nodes handed to a nested
    shape), filtered by ``_FOCUS`` when it is set: a context variable, so a validation
    in another thread (a write's, in the server) is never restricted."""

    def focus_nodes(self: Shape, data_graph: Any, debug: bool = False) -> Any:
        found = original(self, data_graph, debug=debug)
        focus = _FOCUS.get()
        if isinstance(focus, ShapeFocus):
            focus = focus.of(self.node)
        return found if focus is None else {node for node in found if node in focus}

    return focus_nodes


Shape.focus_nodes = _own_targets_within_focus(Shape.focus_nodes)  # type: ignore[method-assign]


def focus_of(data: LoadedFiles, changed: Collection[str]) -> set[Node]:
    """The nodes a change to the files ``changed`` (display names) can make invalid: the
    subjects of those files, and the nodes whose properties point at them (a ``sh:class``
    on a referrer fails when its target changes type), with the IRIs that hold their
    blank nodes.  Blank nodes are focus nodes too: a shape may target them (a condition
    written as ``[ a accord:Condition ]``)."""
    touched = {node for node, files in data.subject_in.items() if set(files) & set(changed)}
    graph = data.graph
    referrers = {s for node in touched for s in graph.subjects(None, node)}
    return with_holders(graph, touched | referrers)


def with_holders(graph: Graph, nodes: Iterable[Node]) -> set[Node]:
    """The nodes, and for each blank node among them the nodes that hold it (again and
    again, up to the IRIs)."""
    found: set[Node] = set()
    pending = list(nodes)
    while pending:
        node = pending.pop()
        if node in found:
            continue
        found.add(node)
        if isinstance(node, BNode):
            pending.extend(graph.subjects(None, node))
    return found


def described(data: LoadedFiles) -> set[Node]:
    """The nodes the data files describe: their subjects, and the IRIs that hold their
    blank nodes."""
    return with_holders(data.graph, data.subject_in)


def context_files(data_files: Collection[Path]) -> list[Path]:
    """Accord's reference entities, but for those among the data files already."""
    given = {p.resolve() for p in data_files}
    return [p for p in expand([resources.REFERENCE]) if p.resolve() not in given]


#: The checks outside SHACL, as reports name them: every term of a namespace Accord
#: owns is declared by an ontology; each evidence span of a node is in the archived
#: text (accord:localCopy) of a source the node is derived from.
CLOSURE = SHAPE.NamespaceClosure
EVIDENCE = SHAPE.EvidenceInSource


@dataclass(frozen=True)
class OutsideResult:
    """A problem found by a check outside SHACL (:data:`CLOSURE`, :data:`EVIDENCE`),
    reported as a result of that check: the file, node and property where it is, and
    the offending term or value."""

    file: str
    subject: Node
    predicate: Node
    term: Node
    message: str
    shape: URIRef

    def row(self) -> Violation:
        return Violation(
            file=self.file,
            focus=short(self.subject) or "?",
            path=short(self.predicate),
            value=None if self.term == self.predicate else short(self.term),
            severity="Violation",
            message=self.message,
            shape=short(self.shape),
            component=None,
        )

    def add_to(self, results: Graph, report: Node) -> None:
        """This problem as an ``sh:ValidationResult`` of a SHACL validation report."""
        result = BNode()
        results.add((report, SH.result, result))
        results.add((result, RDF.type, SH.ValidationResult))
        results.add((result, SH.resultSeverity, SH.Violation))
        results.add((result, SH.sourceShape, self.shape))
        results.add((result, SH.focusNode, self.subject))
        results.add((result, SH.resultPath, self.predicate))
        if self.term != self.predicate:
            results.add((result, SH.value, self.term))
        results.add((result, SH.resultMessage, Literal(self.message, lang="en")))


def undeclared(loaded: Iterable[LoadedFiles], ontology: Graph) -> list[OutsideResult]:
    """Each term of a namespace Accord owns that the ontology does not declare, where the
    files first use it in each file, with the nearest declared term as a suggestion."""
    declared = set(ontology.subjects(RDF.type, None))
    names: dict[str, list[str]] = defaultdict(list)
    for term in declared:
        for namespace in OWNED:
            if isinstance(term, URIRef) and term.startswith(namespace):
                names[namespace].append(term[len(namespace) :])
    found = []
    for files in loaded:
        for term, uses in files.owned_terms.items():
            if term in declared:
                continue
            namespace = next(n for n in OWNED if term.startswith(n))
            close = difflib.get_close_matches(term[len(namespace) :], names[namespace], n=1)
            hint = f"; did you mean {short(URIRef(namespace + close[0]))}?" if close else ""
            message = f"{short(term)} is not a term of Accord's ontology{hint}"
            found += [OutsideResult(file, s, p, term, message, CLOSURE) for file, s, p in uses]
    return found


PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _archived(copy: str, roots: Sequence[Path]) -> list[str] | None:
    """The lines of an archived copy, whitespace-normalised, looked for under each root
    in turn.  Only a path inside a root is read: an absolute path or one with ``..``
    (which the shapes reject too) is never opened."""
    if not _inside(copy):
        return None
    for root in roots:
        path = root / copy
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            return [_normalised(line) for line in text.split("\n")]
    return None


def _inside(copy: str) -> bool:
    """A relative path that stays inside its root (the shape Source-localCopy says so)."""
    relative = Path(copy)
    return not (relative.is_absolute() or ".." in relative.parts or "\\" in copy)


def _lines(locators: Iterable[Node]) -> set[int]:
    found: set[int] = set()
    for locator in locators:
        first, _, last = str(locator).partition("-")
        if first[1:].isdigit() and (not last or last[1:].isdigit()):
            found.update(range(int(first[1:]), int((last or first)[1:]) + 1))
    return found


def evidence_not_in_source(
    data: LoadedFiles, roots: Sequence[Path], focus: Container[Node] | None
) -> list[OutsideResult]:
    """Each evidence span that is not, whitespace aside, in the archived copy of a source
    its node is derived from (or not on the lines its accord:locator gives), and each
    archived copy a source names that is not found under ``roots``.  Nodes whose sources
    name no archived copy are not checked."""
    graph, files_of = data.graph, data.files_of()
    archive: dict[str, list[str] | None] = {}  # each copy read and normalised once
    found = []
    for node in sorted({s for s in graph.subjects(ACCORD.evidence, None)}, key=str):
        if focus is not None and node not in focus:
            continue
        file = (files_of.get(node) or ["?"])[0]
        copies = sorted(
            str(c)
            for source in graph.objects(node, PROV_DERIVED)
            for c in graph.objects(source, ACCORD.localCopy)
            if _inside(str(c))  # any other is a shape violation, and never read
        )
        for copy in copies:
            if copy not in archive:
                archive[copy] = _archived(copy, roots)
        texts = {copy: archive[copy] for copy in copies}
        for copy, lines in texts.items():
            if lines is None:
                message = f"the archived copy {copy!r} that its source names is not found"
                found.append(
                    OutsideResult(file, node, ACCORD.localCopy, Literal(copy), message, EVIDENCE)
                )
        readable = [lines for lines in texts.values() if lines is not None]
        if not readable:
            continue
        located = _lines(graph.objects(node, ACCORD.locator))
        for span in sorted(graph.objects(node, ACCORD.evidence), key=str):
            wanted = _normalised(str(span))
            hits = {i for lines in readable for i, line in enumerate(lines, 1) if wanted in line}
            if not hits:
                message = (
                    f"accord:evidence is not in the archived source ({', '.join(copies)}): "
                    "copy the source's words verbatim, within one line"
                )
            elif located and not hits & located:
                message = (
                    f"accord:evidence is on line(s) {', '.join(f'L{i}' for i in sorted(hits))} "
                    f"of the archived source, not at its accord:locator"
                )
            else:
                continue
            found.append(OutsideResult(file, node, ACCORD.evidence, span, message, EVIDENCE))
    return found


def source_roots(data_paths: Sequence[Path]) -> list[Path]:
    """Where archived copies (``accord:localCopy "sources/..."``) are looked for: the
    current folder, each data path's folder and their parents, then Accord's bundle."""
    roots = [Path.cwd()]
    for path in data_paths:
        start = path.resolve() if path.is_dir() else path.resolve().parent
        roots += [start, *start.parents]
    roots.append(resources.BUNDLE)
    return list(dict.fromkeys(roots))


#: The ways ``accord validate`` can run SHACL: ``compiled`` (the default) compiles the
#: shapes to SPARQL run in Oxigraph and has pySHACL write the results of the nodes they
#: find (app/accord/shacl/compiled.py); ``pyshacl`` is pySHACL over the whole graph, the
#: reference the tests compare the compiled engine with.
ENGINES = ("compiled", "pyshacl")
DEFAULT_ENGINE = "compiled"


def validate(
    data_paths: Sequence[Path],
    shape_paths: Sequence[Path] | None = None,
    ontology_paths: Sequence[Path] | None = None,
    changed: Sequence[Path] | None = None,
    standalone: bool = False,
    engine: str = DEFAULT_ENGINE,
) -> Outcome:
    """Validate the data files against Accord's shapes and ``shape_paths``, with Accord's
    ontology and ``ontology_paths`` mixed in and Accord's reference entities as context;
    only the nodes the data files describe are validated (with ``changed``, some of the
    data files, only what those files can break).  ``standalone``: plain SHACL, against
    ``shape_paths`` and ``ontology_paths`` only (data in another vocabulary; the W3C
    test suites), with no context and no namespace check.  ``engine``: see
    :data:`ENGINES`; both give the same results."""
    if engine == "compiled":
        from accord.shacl import compiled  # imports this module

        return compiled.validate(data_paths, shape_paths, ontology_paths, changed, standalone)
    if engine != "pyshacl":
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    return validate_with_pyshacl(data_paths, shape_paths, ontology_paths, changed, standalone)


def validate_with_pyshacl(
    data_paths: Sequence[Path],
    shape_paths: Sequence[Path] | None = None,
    ontology_paths: Sequence[Path] | None = None,
    changed: Sequence[Path] | None = None,
    standalone: bool = False,
) -> Outcome:
    """:func:`validate` with pySHACL over the whole graph, parsed by rdflib."""
    files = expand(data_paths)
    data = LoadedFiles()
    for path in files:
        data.add(path)
    context = [] if standalone else context_files(files)
    for path in context:
        data.add_context(path)
    own_shapes = load_shapes(shape_paths or [])
    accords = [] if standalone else [ONTOLOGY_DIR]
    shapes = own_shapes.graph if standalone else load_shapes([SHAPES_DIR]).graph + own_shapes.graph
    ontology = load([*accords, *(ontology_paths or [])])
    if changed is not None:
        focus: set[Node] | None = focus_of(data, [display(p) for p in changed])
    else:
        focus = described(data) if context else None
    # In place: keep blank-node ids, so that results map back to files.
    conforms, results, _ = run_shacl(data.graph, shapes, ontology.graph, focus=focus)
    files_of = {**ontology.files_of(), **data.files_of()}
    rows = violations(results, files_of)
    closure = [] if standalone else undeclared([data, own_shapes], ontology.graph)
    if not standalone:
        closure += evidence_not_in_source(data, source_roots(data_paths), focus)
    report = next(results.subjects(RDF.type, SH.ValidationReport), None)
    if closure and report is not None:
        results.set((report, SH.conforms, Literal(False)))
        for problem in closure:
            problem.add_to(results, report)
        rows = ordered(rows + [problem.row() for problem in closure])
    n_focus = None if focus is None or changed is None else len(focus)
    return Outcome(bool(conforms) and not closure, results, rows, data.count, n_focus)


def changed_data(
    changed: Sequence[Path], data_paths: Sequence[Path]
) -> tuple[list[Path] | None, str]:
    """The changed files to focus on, or None (validate everything) with the reason: a
    file that is gone (deleted or renamed: what pointed at its nodes may break) or that
    is not one of the data files (shapes, the ontology: every node may be concerned)."""
    data_files = {p.resolve() for p in expand(data_paths)}
    focus = []
    for path in changed:
        if not path.exists():
            return None, f"{display(path)} is gone (deleted or renamed)"
        if path.is_dir():
            return None, f"{display(path)} is a folder, not a changed file"
        if path.resolve() not in data_files:
            if path.suffix.lower() not in RDF_EXTENSIONS:
                continue  # not RDF (a README, a script): it changes no node
            return None, f"{display(path)} is not among the data files"
        focus.append(path)
    return focus, ""


def run_validate(
    paths: Sequence[Path] | None,
    fmt: str = "text",
    shapes: Sequence[Path] | None = None,
    out: TextIO = sys.stdout,
    changed: Sequence[Path] | None = None,
    ontology: Sequence[Path] | None = None,
    standalone: bool = False,
    engine: str = DEFAULT_ENGINE,
) -> int:
    """The ``accord validate`` command: print a report and return the exit status."""
    if standalone and not shapes:
        print(
            "accord validate: --standalone needs --shapes (the shapes to validate against)",
            file=sys.stderr,
        )
        return UNREADABLE
    targets = list(paths) if paths else [Path("data")]
    if not paths and not targets[0].is_dir():
        print(
            f"accord validate: no data/ folder in {Path.cwd()}: run it in a data "
            "repository (accord init makes one), or name the files or folders to validate",
            file=sys.stderr,
        )
        return UNREADABLE
    try:
        focus = None
        if changed is not None:
            focus, why = changed_data(changed, targets)
            if focus is None:
                print(f"accord validate: {why}: validating every node", file=sys.stderr)
        outcome = validate(
            targets, shapes, ontology, changed=focus, standalone=standalone, engine=engine
        )
    except InputError as exc:
        print(f"accord validate: {exc}", file=sys.stderr)
        return UNREADABLE
    except ShapesUnusable as exc:
        print(f"accord validate: the shapes cannot be used: {exc}", file=sys.stderr)
        return UNREADABLE
    for note in outcome.notes:
        print(f"accord validate: {note}", file=sys.stderr)
    if fmt == "json":
        out.write(format_json(outcome.rows))
    elif fmt == "turtle":
        out.write(format_turtle(outcome.results))
    else:
        checked = ", ".join(display(Path(p)) for p in targets)
        out.write(format_text(outcome.rows, checked, outcome.data_files))
        if focus is not None:
            names = ", ".join(display(p) for p in focus) or "no data file"
            out.write(f"(only the {outcome.focus} nodes that a change to {names} can affect)\n")
    return CONFORMS if outcome.conforms else DOES_NOT_CONFORM


def validate_graph(
    data_graph: Graph, shapes_graph: Graph | None = None, ont_graph: Graph | None = None
) -> tuple[bool, Graph, str]:
    """Validate an in-memory graph (not files) as ``validate`` does: the shapes (default
    ``shapes/``), the ontology mixed in (default ``ontology/``), no inference, SHACL-SPARQL
    on.  Returns (conforms, the pySHACL results graph, pySHACL's text report).  The data
    graph is changed in place (the ontology is mixed into it): pass a copy to keep it."""
    shapes = shapes_graph if shapes_graph is not None else load_shapes([SHAPES_DIR]).graph
    ontology = ont_graph if ont_graph is not None else load([ONTOLOGY_DIR]).graph
    return run_shacl(data_graph, shapes, ontology)
