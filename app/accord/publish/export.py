"""Whole-dataset exports, byte for byte reproducible.

``accord export`` and the ``/dumps/accord.{ext}`` downloads both come from here.  The
quad formats (N-Quads, TriG) keep every named graph; the triple formats (Turtle,
N-Triples, RDF/XML, JSON-LD) hold the union of the graphs, each distinct triple once.
So every export of one dataset describes the same graph, and the two quad exports the
same dataset (``tests/linked_data/test_export.py`` checks each pair for isomorphism).

Reproducible: blank nodes are relabelled canonically (RDFC-1.0, ``_:c14n0``...), the
statements are sorted, prefix declarations are sorted (Turtle and TriG declare the
prefixes they use, and none whose local names would need a backslash escape), gzip members carry ``mtime=0``
and no file name, and nothing records the time of the export.  The dataset version
(``store.version``, a hash of the source files) is stamped into a comment where the
syntax has comments.
"""

from __future__ import annotations

import gzip
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO, cast

import pyoxigraph as ox

from accord.errors import BadRequest
from accord.namespaces import PREFIXES, turtle_prefixes
from accord.stores.base import Store


@dataclass(frozen=True)
class ExportFormat:
    name: str  # the file extension
    media_type: str
    quads: bool  # keeps named graphs


FORMATS: dict[str, ExportFormat] = {
    f.name: f
    for f in (
        ExportFormat("ttl", "text/turtle", False),
        ExportFormat("nt", "application/n-triples", False),
        ExportFormat("nq", "application/n-quads", True),
        ExportFormat("trig", "application/trig", True),
        ExportFormat("jsonld", "application/ld+json", False),
        ExportFormat("rdf", "application/rdf+xml", False),
    )
}

_OX_FORMATS = {
    "ttl": ox.RdfFormat.TURTLE,
    "nt": ox.RdfFormat.N_TRIPLES,
    "nq": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "rdf": ox.RdfFormat.RDF_XML,
}

_ALL_QUADS = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"


def export_format(name: str) -> ExportFormat:
    """The export format for an extension; BadRequest naming the known ones otherwise."""
    fmt = FORMATS.get(name.lower().lstrip("."))
    if fmt is None:
        raise BadRequest(f"unknown export format {name!r}; use one of: {', '.join(FORMATS)}")
    return fmt


def dataset_quads(store: Store) -> list[ox.Quad]:
    """Every quad of the store: from the embedded store directly, else by SPARQL."""
    direct = getattr(store, "quads", None)
    if callable(direct):
        return list(direct())
    data = store.query(_ALL_QUADS).serialize("application/sparql-results+json")
    rows = cast(ox.QuerySolutions, ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON))
    return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]  # type: ignore[arg-type]


def canonical_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """The quads with canonical blank node labels (RDFC-1.0), sorted graph by graph,
    then by subject, predicate and object."""
    quads = list(quads)
    if any(_has_blank(q) for q in quads):
        dataset = ox.Dataset(quads)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
        quads = list(dataset)
    return sorted(set(quads), key=quad_key)


def union_triples(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The distinct triples of all graphs, sorted by subject, predicate and object.

    Blank nodes are relabelled canonically for the union graph itself, so the labels
    do not depend on which graph a triple came from.
    """
    default = ox.DefaultGraph()
    merged = {ox.Quad(q.subject, q.predicate, q.object, default) for q in quads}
    return [q.triple for q in canonical_quads(merged)]


def quad_key(q: ox.Quad) -> tuple[str, str, str, str]:
    graph = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
    return (graph, str(q.subject), str(q.predicate), str(q.object))


def _has_blank(q: ox.Quad) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object, q.graph_name))


def export(store: Store, fmt: str, base_iri: str | None = None) -> bytes:
    """The whole dataset in one format (an extension of ``FORMATS``), or one of the
    tables of ``accord.publish.tables`` (``commitments-csv``, ``atop-members``)."""
    from accord.publish.tables import TABLES, table_csv

    if fmt in TABLES:
        return table_csv(store, fmt)
    spec = export_format(fmt)
    quads = canonical_quads(dataset_quads(store))
    return serialize_dataset(quads, spec.name, store.version, base_iri)


def serialize_dataset(
    quads: list[ox.Quad], fmt: str, version: str, base_iri: str | None = None
) -> bytes:
    """Serialise canonical, sorted quads; the triple formats get their union."""
    spec = export_format(fmt)
    graphs = len({q.graph_name for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)})
    items: list[ox.Quad] | list[ox.Triple] = quads if spec.quads else union_triples(quads)
    what = (
        f"{len(items)} statements in {graphs} named graphs"
        if spec.quads
        else f"the union of {graphs} named graphs: {len(items)} triples"
    )
    header = [f"Accord dataset, version {version}", what]
    if spec.name == "jsonld":
        return jsonld_document(items, base_iri)  # type: ignore[arg-type]
    body = _serialize(items, _OX_FORMATS[spec.name], _prefixes(spec.name, items))
    if spec.name in ("ttl", "trig"):
        body = sort_prefix_lines(body)
    if spec.name == "rdf":
        return xml_with_comment(sort_xmlns(body), header)
    return "".join(f"# {line}\n" for line in header).encode() + body


def _serialize(
    items: list[ox.Quad] | list[ox.Triple],
    fmt: ox.RdfFormat,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    out = ox.serialize(items, format=fmt, prefixes=prefixes)
    assert out is not None  # no output file given: the bytes are returned
    return out


def _prefixes(
    fmt: str,
    items: list[ox.Quad] | list[ox.Triple],
    prefixes: Mapping[str, str] = PREFIXES,
) -> dict[str, str] | None:
    """The prefixes to declare: in Turtle and TriG those the statements use and that
    need no escaped local name (``accord.namespaces.turtle_prefixes``); in RDF/XML the
    whole map (it names the elements of the properties); none in the other formats."""
    if fmt == "rdf":
        return dict(prefixes)
    if fmt not in ("ttl", "trig"):
        return None
    return turtle_prefixes(_iris(items), prefixes)


def _iris(items: list[ox.Quad] | list[ox.Triple]) -> Iterable[str]:
    """Every IRI of the statements: their terms, literal datatypes and graph names."""
    for item in items:
        terms: list[object] = [item.subject, item.predicate, item.object]
        if isinstance(item, ox.Quad):
            terms.append(item.graph_name)
        for term in terms:
            if isinstance(term, ox.NamedNode):
                yield term.value
            elif isinstance(term, ox.Literal):
                yield term.datatype.value


def sort_prefix_lines(body: bytes) -> bytes:
    """Turtle/TriG with its leading ``@prefix`` lines in alphabetical order.

    The serializer writes prefixes in an order of its own; sorting them makes the
    output independent of it."""
    lines = body.split(b"\n")
    n = 0
    while n < len(lines) and lines[n].startswith(b"@prefix "):
        n += 1
    return b"\n".join(sorted(lines[:n]) + lines[n:])


_ROOT = re.compile(rb"<rdf:RDF(?P<attrs>[^>]*)>")
_XMLNS = re.compile(rb'\s+(xmlns(?::[\w.-]+)?="[^"]*")')


def sort_xmlns(body: bytes) -> bytes:
    """RDF/XML whose root element lists its namespace declarations alphabetically."""
    m = _ROOT.search(body)
    if not m:
        return body
    attrs = sorted(_XMLNS.findall(m["attrs"]))
    rest = _XMLNS.sub(b"", m["attrs"])
    root = b"<rdf:RDF" + b"".join(b" " + a for a in attrs) + rest + b">"
    return body[: m.start()] + root + body[m.end() :]


def xml_with_comment(body: bytes, lines: list[str]) -> bytes:
    comment = ("<!-- " + "; ".join(lines).replace("--", "- -") + " -->\n").encode()
    decl_end = body.find(b"?>")
    if body.startswith(b"<?xml") and decl_end != -1:
        cut = decl_end + 2
        return body[:cut] + b"\n" + comment + body[cut:].lstrip(b"\n")
    return comment + body


def jsonld_document(triples: list[ox.Triple], base_iri: str | None = None) -> bytes:
    """The triples as one compact JSON-LD document with Accord's context embedded, so
    that a dump reads offline."""
    from accord.jsonld import compact_nquads, context_document

    nquads = _serialize(triples, ox.RdfFormat.N_TRIPLES).decode()
    doc = compact_nquads(nquads, base_iri)
    doc["@context"] = context_document()["@context"]
    return dumps_json(doc)


def dumps_json(doc: object) -> bytes:
    """JSON as Accord writes it: UTF-8, two-space indent, a final newline."""
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()


def gzipped(data: bytes) -> bytes:
    """A gzip member with no file name and ``mtime=0``: the same bytes every time."""
    return gzip.compress(data, compresslevel=9, mtime=0)


#: Media type -> extension, for the RDF representations of a single document.
MEDIA_EXTENSIONS = {f.media_type: f.name for f in FORMATS.values()}


def serialize_triples(
    triples: Iterable[ox.Triple],
    media_type: str,
    base_iri: str | None,
    primary: str | None = None,
    prefixes: Mapping[str, str] = PREFIXES,
) -> bytes:
    """A description or a graph in one RDF syntax: canonical blank nodes, sorted (the
    ``primary`` subject's statements first), prefixes (of ``prefixes``, the project's
    map by default) sorted; JSON-LD compacted with the published context (by IRI)."""
    default = ox.DefaultGraph()
    items = union_triples(ox.Quad(t.subject, t.predicate, t.object, default) for t in triples)
    if primary:
        first = ox.NamedNode(primary)
        items = [t for t in items if t.subject == first] + [t for t in items if t.subject != first]
    fmt = MEDIA_EXTENSIONS[media_type]
    if fmt == "jsonld":
        from accord.jsonld import compact_nquads

        nquads = _serialize(items, ox.RdfFormat.N_TRIPLES).decode()
        return dumps_json(compact_nquads(nquads, base_iri))
    if fmt in ("nq", "trig"):
        quads = [ox.Quad(t.subject, t.predicate, t.object, default) for t in items]
        body = _serialize(quads, _OX_FORMATS[fmt], _prefixes(fmt, quads, prefixes))
    else:
        body = _serialize(items, _OX_FORMATS[fmt], _prefixes(fmt, items, prefixes))
    if fmt in ("ttl", "trig"):
        return sort_prefix_lines(body)
    return sort_xmlns(body) if fmt == "rdf" else body


def run_export(
    paths: list[Path],
    named: dict[str, Path],
    fmt: str,
    out: Path | None,
    stdout: BinaryIO,
    stderr: TextIO,
) -> int:
    """``accord export``: the dataset at ``paths`` (default: the bundled one) in one
    format, to ``out`` (gzipped when it ends in ``.gz``) or standard output.  Exit
    status 0, or 2 when an input cannot be read."""
    from accord.dataset import DatasetError, graph_files
    from accord.errors import DataLoadError
    from accord.settings import bundled_paths, get_settings
    from accord.stores.oxigraph import OxigraphStore

    base = get_settings().base_iri
    try:
        files = graph_files(paths or ([] if named else bundled_paths()), named, base)
        data = export(OxigraphStore(files), fmt, base)
    except (DatasetError, DataLoadError, BadRequest) as exc:
        stderr.write(f"accord export: {exc}\n")
        return 2
    if out is None:
        stdout.write(data)
        stdout.flush()
    else:
        write_atomically(out, gzipped(data) if out.suffix == ".gz" else data)
    return 0


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves the old file or the new one, never
    a partial one: a temporary file beside it, fsynced, then renamed over it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
