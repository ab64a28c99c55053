"""The files ``accord validate`` checks, in an Oxigraph store, as rdflib would read them.

Each file is parsed by pyoxigraph (N-Triples, N-Quads, Turtle, TriG: ten times faster than
rdflib, and a fraction of its memory) into a named graph of its own, so that a node can be
traced back to the files that describe it; the default graph of a query is the union.  The
ontology axioms that pySHACL would mix into the data graph go into a graph of their own.

What pySHACL sees are rdflib terms, and rdflib and Oxigraph do not always agree on them:

* Oxigraph stores some typed literals in canonical form (``"01"^^xsd:integer`` as
  ``"1"``, ``"1.50"^^xsd:decimal`` as ``"1.5"``, ``"2026-01-06+00:00"^^xsd:date`` as
  ``...Z``), rdflib normalises some of them differently (``"1.50"`` stays, a date loses
  its timezone) or not at all;
* pyoxigraph's parsers lowercase language tags, rdflib keeps them as written;
* rdflib keeps ``"x"^^xsd:string`` apart from ``"x"``, Oxigraph does not.

So every distinct literal that is not a plain string is checked (:class:`Census`): the
term Oxigraph stores must have the lexical form, datatype and language of the term rdflib
makes of the original.  A file whose text shows an upper-case language tag or an explicit
``^^xsd:string`` is parsed by rdflib (so its terms are rdflib's own), and so is any file
that pyoxigraph cannot parse or whose syntax it does not read (JSON-LD, RDF/XML, N3).
A stored literal that cannot be made to agree (:attr:`Census.ambiguous`) has its triples
kept as rdflib reads them (:attr:`OxData.originals`), and the nodes they describe are left
to pySHACL (:attr:`OxData.suspects`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

#: The graph that holds the ontology axioms pySHACL mixes into the data graph.
MIXIN = ox.NamedNode("urn:accord:validate:ontology-axioms")

#: Files pyoxigraph parses (the others go through rdflib).
OX_FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}
_QUADS = {ox.RdfFormat.N_QUADS, ox.RdfFormat.TRIG}

XSD_STRING = ox.NamedNode(str(XSD.string))
RDF_LANGSTRING = ox.NamedNode(str(RDF.langString))

#: In a file's text: an upper-case letter in a language tag, or an explicit xsd:string.
_UPPER_LANG = re.compile(rb"[\"']@[a-z0-9-]*[A-Z]")
_EXPLICIT_STRING = re.compile(
    rb"\^\^\s*(?:<http://www\.w3\.org/2001/XMLSchema#string>|[A-Za-z0-9_.-]*:string\b)"
)
_CHUNK = 1 << 24


def rdflib_reads_differently(path: Path) -> bool:
    """Whether the file's text has what pyoxigraph would read differently from rdflib (an
    upper-case language tag, an explicit ``^^xsd:string``).  Read in chunks that overlap
    by more than a match, so memory stays flat; a false alarm only costs time."""
    with path.open("rb") as handle:
        tail = b""
        while chunk := handle.read(_CHUNK):
            window = tail + chunk
            if _UPPER_LANG.search(window) or _EXPLICIT_STRING.search(window):
                return True
            tail = window[-128:]
    return False


def _blank(label: str) -> ox.BlankNode:
    try:
        return ox.BlankNode(label)
    except ValueError:  # a label Oxigraph does not accept: any fresh one will do
        return ox.BlankNode()


def to_ox(term: Node) -> Any:
    """An rdflib term as an Oxigraph term (before Oxigraph canonicalises it)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return _blank(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(term.datatype or XSD.string))
    raise TypeError(f"cannot give {term!r} to Oxigraph")


def canonical(literals: list[Any]) -> list[Any]:
    """Each literal as an Oxigraph store keeps it."""
    scratch = ox.Store()
    predicate = ox.NamedNode("urn:p")
    scratch.extend(
        ox.Quad(ox.NamedNode(f"urn:{i}"), predicate, lit) for i, lit in enumerate(literals)
    )
    found: list[Any] = list(literals)
    for quad in scratch:
        found[int(quad.subject.value[4:])] = quad.object
    return found


def same_literal(rdflib_term: Literal, stored: Any) -> bool:
    """Whether the stored term has the lexical form, datatype and language of rdflib's."""
    return str(rdflib_term) == stored.value and same_kind(rdflib_term, stored)


def same_kind(rdflib_term: Literal, stored: Any) -> bool:
    """Whether the stored term has the datatype and language of rdflib's."""
    if rdflib_term.language:
        return rdflib_term.language.lower() == (stored.language or "")
    if stored.language:
        return False
    return str(rdflib_term.datatype or XSD.string) == stored.datatype.value


@dataclass
class FileGraph:
    """One file: its name as reports show it, its graph in the store, and the prefixes
    its parse binds (as rdflib would bind them: they name nodes in pySHACL's messages)."""

    name: str
    graph: ox.NamedNode
    data: bool
    bindings: list[tuple[str, str]]
    parsed_by_rdflib: bool
    #: Where pyoxigraph reads it again, to keep the literals Oxigraph cannot keep apart.
    path: Path | None = None
    format: Any = None


@dataclass
class Census:
    """The distinct literals that are not plain strings, and those of files rdflib parsed,
    each paired with the term rdflib makes of it.

    The store's terms and rdflib's must correspond one to one, with the same datatype and
    language: then a count, a ``sameTerm`` or a datatype test over the store says what
    pySHACL says over rdflib's graph.  Where the lexical forms differ (rdflib writes the UTC
    dateTime ``...T10:00:00Z`` as ``...T10:00:00+00:00``; Oxigraph keeps ``"4.0"^^xsd:decimal``
    as ``"4"``) the stored term is *translated*: reported as rdflib's, and the components
    that read lexical forms (lengths, literals in ``sh:in``) are left to pySHACL's objects.
    Where they do not correspond (two literals rdflib keeps apart that Oxigraph merges, or
    the reverse; a datatype Oxigraph changes; an explicit ``^^xsd:string``) the stored term
    is *ambiguous*: which literal rdflib reads depends on the triple."""

    #: Literals as pyoxigraph parsed them, with the file they come from.
    pending_ox: dict[Any, str] = field(default_factory=dict)
    #: rdflib terms of files rdflib parsed, with the file they come from.
    pending_rdflib: dict[Literal, str] = field(default_factory=dict)
    #: Stored term -> the rdflib term (for every literal that is not a plain string).
    exact: dict[Any, Literal] = field(default_factory=dict)
    #: rdflib term -> the stored term.
    stored_as: dict[Literal, Any] = field(default_factory=dict)
    #: pyoxigraph's literal -> the stored term (for every literal that is not a string).
    kept_as: dict[Any, Any] = field(default_factory=dict)
    #: Stored terms whose lexical form is not rdflib's.
    translated: set[Any] = field(default_factory=set)
    #: Stored terms that stand for more than one rdflib term, or for none exactly.
    ambiguous: set[Any] = field(default_factory=set)
    #: Why, for each ambiguous term (the first reasons, for a note).
    reasons: list[str] = field(default_factory=list)

    def settle(self) -> list[Any]:
        """Compare every pending literal with what the store keeps; the stored terms that
        came from rdflib with an upper-case language tag (to check for collisions)."""
        ox_literals = list(self.pending_ox)
        rdflib_literals = list(self.pending_rdflib)
        stored = canonical(ox_literals + [to_ox(r) for r in rdflib_literals])
        cased = []
        for original, kept in zip(ox_literals, stored[: len(ox_literals)], strict=True):
            self.kept_as[original] = kept
            read = Literal(original.value, datatype=URIRef(original.datatype.value))
            self._record(read, kept, self.pending_ox[original])
        for read, kept in zip(rdflib_literals, stored[len(ox_literals) :], strict=True):
            where = self.pending_rdflib[read]
            if read.datatype == XSD.string:
                self.stored_as.setdefault(read, kept)
                self.ambiguous_term(
                    kept,
                    f"{where}: {read.n3()} has an explicit ^^xsd:string, which rdflib keeps "
                    "apart from a plain literal and Oxigraph does not",
                )
                continue
            if read.language and read.language != read.language.lower():
                cased.append(kept)
            self._record(read, kept, where)
        self.pending_ox.clear()
        self.pending_rdflib.clear()
        return cased

    def _record(self, read: Literal, kept: Any, where: str) -> None:
        twin = self.stored_as.setdefault(read, kept)
        if kept in self.ambiguous:
            return
        known = self.exact.get(kept)
        if known is not None and known != read:
            self.ambiguous_term(
                kept,
                f"{where}: Oxigraph keeps {read.n3()} and {known.n3()} as one literal, "
                f"{kept}, rdflib as two",
            )
        elif twin != kept:
            self.ambiguous_term(
                kept,
                f"{where}: rdflib reads {kept} and {twin} as one literal, {read.n3()}, "
                "Oxigraph as two",
            )
        elif not same_kind(read, kept):
            self.ambiguous_term(kept, f"{where}: rdflib reads {read.n3()}, Oxigraph keeps {kept}")
        else:
            if str(read) != kept.value:
                self.translated.add(kept)
            if (read.language and read.language != read.language.lower()) or (
                not read.language and read.datatype not in (None, XSD.string)
            ):
                self.exact[kept] = read

    def ambiguous_term(self, kept: Any, why: str) -> None:
        self.ambiguous.add(kept)
        self.exact.pop(kept, None)
        self.translated.discard(kept)
        if len(self.reasons) < 5:
            self.reasons.append(why)


class OxData:
    """The store, its files, and the conversion of its terms to rdflib's."""

    def __init__(self) -> None:
        self.store = ox.Store()
        self.files: list[FileGraph] = []
        self.census = Census()
        #: The literal triples of the graphs made from rdflib graphs: (s, p, o, graph).
        self._rdflib_literals: list[tuple[Any, Any, Literal, Any]] = []
        #: For each triple whose object is ambiguous, the literals rdflib reads there.
        self.originals: dict[tuple[Any, Any, Any], list[Literal]] = {}
        #: The subjects of those triples: pySHACL decides about them.
        self.suspects: set[Any] = set()

    # --- loading ---------------------------------------------------------------------

    def add_ox(self, path: Path, name: str, data: bool) -> bool:
        """Parse a file with pyoxigraph into a graph of its own; False (and nothing
        added) when pyoxigraph cannot read it as rdflib would."""
        fmt = OX_FORMATS.get(path.suffix.lower())
        if fmt is None or rdflib_reads_differently(path):
            return False
        graph = ox.NamedNode(f"urn:accord:validate:file:{len(self.files)}")
        base = path.absolute().as_uri()
        literals: dict[Any, str] = {}
        try:
            parser = ox.parse(path=str(path), format=fmt, base_iri=base)
            if fmt in _QUADS:
                self.store.extend(self._census_quads(parser, graph, literals))
            else:
                for triple in parser:
                    self._census_one(triple.object, literals)
                self.store.load(path=str(path), format=fmt, base_iri=base, to_graph=graph)
        except (SyntaxError, ValueError, OSError):
            if self.store.contains_named_graph(graph):
                self.store.remove_graph(graph)
            return False
        for literal in literals:
            self.census.pending_ox.setdefault(literal, name)
        prefixes = {} if fmt in _QUADS else dict(getattr(parser, "prefixes", {}) or {})
        self.files.append(FileGraph(name, graph, data, _bindings(prefixes), False, path, fmt))
        return True

    def _census_quads(
        self, parser: Iterable[Any], graph: Any, literals: dict[Any, str]
    ) -> Iterator[Any]:
        """The quads of a TriG or N-Quads file in one graph (rdflib reads such a file as
        the union of its graphs), its blank nodes made its own (``ox.parse`` keeps the
        document's labels, which another file may use too)."""
        blanks: dict[str, Any] = {}

        def own(term: Any) -> Any:
            if type(term) is ox.BlankNode:
                return blanks.setdefault(term.value, ox.BlankNode())
            return term

        for quad in parser:
            self._census_one(quad.object, literals)
            yield ox.Quad(own(quad.subject), quad.predicate, own(quad.object), graph)

    @staticmethod
    def _census_one(term: Any, literals: dict[Any, str]) -> None:
        if type(term) is ox.Literal and term.language is None and term.datatype != XSD_STRING:
            literals[term] = ""

    def add_rdflib(self, part: Graph, name: str, data: bool) -> None:
        """A file rdflib parsed, with its own terms kept for reporting."""
        graph = ox.NamedNode(f"urn:accord:validate:file:{len(self.files)}")
        self._add_graph(part, graph, name)
        self.files.append(FileGraph(name, graph, data, list(part.namespaces()), True))

    def mix_in(self, axioms: Graph) -> None:
        """The ontology axioms pySHACL mixes into the data graph."""
        self._add_graph(axioms, MIXIN, "the ontology")

    def _add_graph(self, part: Graph, graph: Any, name: str) -> None:
        for s, p, o in part:
            if isinstance(o, Literal):
                self._rdflib_literals.append((to_ox(s), to_ox(p), o, graph))
                if o.language or o.datatype is not None:
                    self.census.pending_rdflib.setdefault(o, name)
        self.store.extend(ox.Quad(to_ox(s), to_ox(p), to_ox(o), graph) for s, p, o in part)

    def settle(self) -> None:
        """Check the literals of everything loaded so far (see the module docstring), and
        keep the triples of the ambiguous ones as rdflib reads them."""
        cased = self.census.settle()
        ox_graphs = [f.graph for f in self.files if not f.parsed_by_rdflib]
        for term in cased:
            if any(self._holds(term, g) for g in ox_graphs):
                self.census.ambiguous_term(
                    term,
                    f"{term} is written with an upper-case language tag in one file and in "
                    "lower case in another: rdflib keeps the first it reads",
                )
        if self.census.ambiguous:
            self._keep_originals()

    def _holds(self, term: Any, graph: Any) -> bool:
        return next(iter(self.store.quads_for_pattern(None, None, term, graph)), None) is not None

    def _keep_originals(self) -> None:
        """:attr:`originals` and :attr:`suspects`: a file pyoxigraph parsed that holds an
        ambiguous literal is read again (its blank nodes then named by us, so that its
        triples can be told apart) with each literal as pyoxigraph parsed it."""
        ambiguous = self.census.ambiguous
        graphs = {f.graph for f in self.files} | {MIXIN}
        holding = {g for g in graphs if any(self._holds(term, g) for term in ambiguous)}
        for s, p, o, graph in self._rdflib_literals:
            if graph in holding:
                kept = self.census.stored_as.get(o) or to_ox(o)
                if kept in ambiguous:
                    self.originals.setdefault((s, p, kept), []).append(o)
        for file in self.files:
            if file.graph in holding and not file.parsed_by_rdflib:
                self.store.remove_graph(file.graph)
                self.store.extend(self._read_again(file))
        self.suspects = {s for s, _, _ in self.originals}

    def _read_again(self, file: FileGraph) -> Iterator[Any]:
        assert file.path is not None
        kept_as, ambiguous = self.census.kept_as, self.census.ambiguous
        blanks: dict[str, Any] = {}

        def own(term: Any) -> Any:
            if type(term) is ox.BlankNode:
                return blanks.setdefault(term.value, ox.BlankNode())
            return term

        parser = ox.parse(
            path=str(file.path), format=file.format, base_iri=file.path.absolute().as_uri()
        )
        for quad in parser:
            s, p, o = own(quad.subject), quad.predicate, own(quad.object)
            if type(o) is ox.Literal:
                kept = kept_as.get(o, o)
                if kept in ambiguous:
                    self.originals.setdefault((s, p, kept), []).append(_as_rdflib(o))
            yield ox.Quad(s, p, o, file.graph)

    # --- graphs and terms ----------------------------------------------------------------

    def graphs(self, data: bool = True, context: bool = True) -> list[Any]:
        return [f.graph for f in self.files if (f.data and data) or (not f.data and context)]

    def rdflib(self, term: Any) -> Any:
        """An Oxigraph term as the rdflib term pySHACL would see."""
        if type(term) is ox.NamedNode:
            return URIRef(term.value)
        if type(term) is ox.BlankNode:
            return BNode(term.value)
        if type(term) is ox.Literal:
            known = self.census.exact.get(term)
            if known is not None:
                return known
            if term.language:
                return Literal(term.value, lang=term.language)
            if term.datatype == XSD_STRING:
                return Literal(term.value)
            return Literal(term.value, datatype=URIRef(term.datatype.value))
        raise TypeError(f"not an RDF term: {term!r}")

    def outgoing(self, node: Any, graphs: list[Any]) -> Iterator[Any]:
        """The triples of ``node`` as subject, in the given graphs (a triple in several
        graphs once)."""
        seen = set()
        for graph in graphs:
            for quad in self.store.quads_for_pattern(node, None, None, graph):
                key = (quad.predicate, quad.object)
                if key not in seen:
                    seen.add(key)
                    yield quad.triple

    def is_subject(self, node: Any, graphs: list[Any]) -> bool:
        if type(node) is ox.Literal:
            return False
        return any(
            next(iter(self.store.quads_for_pattern(node, None, None, g)), None) is not None
            for g in graphs
        )

    def is_object(self, node: Any, graphs: list[Any]) -> bool:
        return any(
            next(iter(self.store.quads_for_pattern(None, None, node, g)), None) is not None
            for g in graphs
        )


def _as_rdflib(literal: Any) -> Literal:
    """A literal as pyoxigraph parsed it, as rdflib reads it."""
    if literal.language:
        return Literal(literal.value, lang=literal.language)
    if literal.datatype == XSD_STRING:
        return Literal(literal.value)
    return Literal(literal.value, datatype=URIRef(literal.datatype.value))


def _bindings(prefixes: dict[str, str]) -> list[tuple[str, str]]:
    """The namespaces of an rdflib graph that parsed a file with these prefixes."""
    part = Graph()
    for prefix, namespace in prefixes.items():
        part.bind(prefix, namespace)
    return [(p, str(n)) for p, n in part.namespaces()]
