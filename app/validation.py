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
instead of once per focus node in pySHACL (app/sparql_constraints.py), with the same
results.

``--changed FILE`` (a pull request's files) validates only the nodes those files
describe, and the nodes that point at them, against the whole data: what the change can
break.  A deleted file, or a change to anything but data, validates everything.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pyshacl
from pyshacl.errors import ReportableRuntimeError
from pyshacl.shape import Shape
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.term import Node
from rdflib.util import guess_format

from app import PROJECT_ROOT, sparql_constraints
from app.dataset import RDF_EXTENSIONS, DatasetError, rdf_files
from app.report import Violation, format_json, format_text, format_turtle, violations

ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
SHAPES_DIR = PROJECT_ROOT / "shapes"
DATA_DIR = PROJECT_ROOT / "data"

#: The inference pySHACL runs before validating (see the module docstring).
INFERENCE = "none"

#: Exit statuses of ``accord validate``.
CONFORMS, DOES_NOT_CONFORM, UNREADABLE = 0, 1, 2

#: Formats that rdflib's guess_format names differently from our extensions.
_FORMATS = {".jsonld": "json-ld", ".owl": "xml", ".rdf": "xml", ".xml": "xml"}
_QUAD_FORMATS = {"trig", "nquads"}


class InputError(Exception):
    """A data, shapes or ontology file is missing or cannot be parsed."""


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
    error names the file and, for Turtle, the line."""
    fmt = _FORMATS.get(path.suffix.lower()) or guess_format(str(path)) or "turtle"
    try:
        if fmt in _QUAD_FORMATS:
            graph = Graph()
            for s, p, o, _ in Dataset().parse(path, format=fmt).quads():
                graph.add((s, p, o))
            return graph
        return Graph().parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many kinds of errors for bad syntax
        raise _syntax_error(path, exc) from exc


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

    def add(self, path: Path) -> None:
        part = parse_file(path)
        name = display(path)
        for subject in set(part.subjects()):
            self.subject_in[subject].append(name)
        for obj in set(part.objects()):
            self.object_in[obj].append(name)
        self.graph += part
        self.count += 1

    def files_of(self) -> dict[Node, list[str]]:
        """The files in which each node is a subject, or else those that mention it."""
        return {**self.object_in, **self.subject_in}


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


def run_shacl(
    data: Graph,
    shapes: Graph,
    ontology: Graph,
    *,
    bulk_sparql: bool = True,
    focus: Collection[URIRef] | None = None,
) -> tuple[bool, Graph, str]:
    """pySHACL on ``data`` (changed in place: the ontology is mixed into it), no inference,
    SHACL-SPARQL on.  With ``bulk_sparql`` the SHACL-SPARQL constraints that can run once
    over the whole graph run in Oxigraph, after pySHACL has mixed in the ontology; the
    results are the same (tests/test_sparql_constraints.py compares both ways).  With
    ``focus``, only those nodes are validated (against the whole graph)."""
    bulk: list[sparql_constraints.BulkConstraint] = []
    if bulk_sparql:
        shapes, bulk = sparql_constraints.split(shapes)
    with _targets_within(focus):
        conforms, results, text = pyshacl.validate(
            data,
            shacl_graph=shapes,
            ont_graph=ontology,
            inference=INFERENCE,
            advanced=True,
            inplace=True,
        )
    if bulk and isinstance(results, Graph):
        return sparql_constraints.evaluate(
            bulk, data, bool(conforms), results, str(text), focus=focus
        )
    return bool(conforms), results, str(text)


#: The nodes the running validation is restricted to (``--changed``), None for all.
_FOCUS: contextvars.ContextVar[frozenset[Node] | None] = contextvars.ContextVar(
    "accord_validation_focus", default=None
)


@contextlib.contextmanager
def _targets_within(focus: Collection[URIRef] | None) -> Iterator[None]:
    """While pySHACL runs, let each shape target only the ``focus`` nodes among its own
    targets.  Not pySHACL's ``focus_nodes`` option: that also filters the nodes handed
    to nested shapes (``sh:or``, ``sh:not``, ``sh:node``, property shapes' values), and
    on data/, which conforms, it reported 42 false violations of ``sh:or`` shapes."""
    token = _FOCUS.set(None if focus is None else frozenset(focus))
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
        return found if focus is None else {node for node in found if node in focus}

    return focus_nodes


Shape.focus_nodes = _own_targets_within_focus(Shape.focus_nodes)  # type: ignore[method-assign]


def focus_of(data: LoadedFiles, changed: Collection[str]) -> set[URIRef]:
    """The nodes a change to the files ``changed`` (display names) can make invalid: the
    subjects of those files, and the nodes whose properties point at them (a ``sh:class``
    on a referrer fails when its target changes type).  Blank nodes stand for the IRIs
    that hold them."""
    touched = {node for node, files in data.subject_in.items() if set(files) & set(changed)}
    graph = data.graph
    referrers = {s for node in touched for s in graph.subjects(None, node)}
    found: set[URIRef] = set()
    pending = list(touched | referrers)
    seen: set[Node] = set()
    while pending:
        node = pending.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, URIRef):
            found.add(node)
        elif isinstance(node, BNode):
            pending.extend(graph.subjects(None, node))
    return found


def validate(
    data_paths: Sequence[Path],
    shape_paths: Sequence[Path] | None = None,
    ontology_paths: Sequence[Path] | None = None,
    changed: Sequence[Path] | None = None,
) -> Outcome:
    """Validate the data files against the shapes, with the ontology mixed in; with
    ``changed`` (some of the data files), only what those files can break."""
    data = load(data_paths)
    shapes = load(shape_paths or [SHAPES_DIR]).graph
    ontology = load(ontology_paths or [ONTOLOGY_DIR])
    focus = focus_of(data, [display(p) for p in changed]) if changed is not None else None
    # In place: keep blank-node ids, so that results map back to files.
    conforms, results, _ = run_shacl(data.graph, shapes, ontology.graph, focus=focus)
    files_of = {**ontology.files_of(), **data.files_of()}
    rows = violations(results, files_of)
    return Outcome(bool(conforms), results, rows, data.count, None if focus is None else len(focus))


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
) -> int:
    """The ``accord validate`` command: print a report and return the exit status."""
    targets = list(paths) if paths else [DATA_DIR]
    try:
        focus = None
        if changed is not None:
            focus, why = changed_data(changed, targets)
            if focus is None:
                print(f"accord validate: {why}: validating every node", file=sys.stderr)
        outcome = validate(targets, shapes, changed=focus)
    except InputError as exc:
        print(f"accord validate: {exc}", file=sys.stderr)
        return UNREADABLE
    except ReportableRuntimeError as exc:
        print(f"accord validate: the shapes cannot be used: {exc}", file=sys.stderr)
        return UNREADABLE
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
    shapes = shapes_graph if shapes_graph is not None else load([SHAPES_DIR]).graph
    ontology = ont_graph if ont_graph is not None else load([ONTOLOGY_DIR]).graph
    return run_shacl(data_graph, shapes, ontology)
