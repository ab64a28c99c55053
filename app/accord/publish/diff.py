"""``accord diff OLD NEW``: which statements a new version of the dataset adds and removes.

OLD and NEW are each an RDF file (a dump, ``.gz`` or not) or a folder of RDF files.  A
statement is a triple: the union of all graphs is compared, so a triple that only moves
from one file (named graph) to another is no change.  Blank nodes are relabelled
canonically (RDFC-1.0) on each side first, so the same structure matches itself.  The
changes are grouped by resource (the subject), resources in IRI order, and printed as
text (``+``/``-`` lines with the project's prefixes) or as JSON.  The exit status is 0
whether or not there are differences, 2 when an input cannot be read.
"""

from __future__ import annotations

import gzip
import io
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pyoxigraph as ox

from accord.dataset import RDF_EXTENSIONS, DatasetError, rdf_files
from accord.namespaces import PREFIXES
from accord.publish.export import union_triples

RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


class DiffInputError(Exception):
    """An input of ``accord diff`` is missing or is not readable RDF."""


def _files(path: Path) -> list[Path]:
    if path.is_file() and path.suffix == ".gz":
        return [path]
    try:
        return rdf_files(path)
    except DatasetError as exc:
        raise DiffInputError(str(exc)) from exc


def load_triples(path: Path) -> list[ox.Triple]:
    """The union of the triples of every RDF file at ``path``, canonical and sorted."""
    quads: list[ox.Quad] = []
    for f in _files(path):
        inner = Path(f.name[:-3]) if f.suffix == ".gz" else f
        fmt = RDF_EXTENSIONS.get(inner.suffix.lower())
        if fmt is None:
            raise DiffInputError(
                f"{f}: not an RDF file (known extensions: {', '.join(RDF_EXTENSIONS)})"
            )
        data = gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes()
        try:
            parsed = ox.parse(
                io.BytesIO(data), format=fmt, base_iri=f.resolve().as_uri(), rename_blank_nodes=True
            )
            quads.extend(
                ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in parsed
            )  # type: ignore[union-attr]
        except (SyntaxError, ValueError, OSError) as exc:
            raise DiffInputError(f"{f}: {exc}") from exc
    return union_triples(quads)


@dataclass
class ResourceChanges:
    resource: str
    label: str | None
    added: list[ox.Triple]
    removed: list[ox.Triple]


@dataclass
class Diff:
    changes: list[ResourceChanges]

    @property
    def added(self) -> int:
        return sum(len(c.added) for c in self.changes)

    @property
    def removed(self) -> int:
        return sum(len(c.removed) for c in self.changes)


def _key(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def diff(old: list[ox.Triple], new: list[ox.Triple]) -> Diff:
    old_set, new_set = set(old), set(new)
    grouped: dict[str, tuple[list[ox.Triple], list[ox.Triple]]] = defaultdict(lambda: ([], []))
    for t in new:
        if t not in old_set:
            grouped[_key(t.subject)][0].append(t)
    for t in old:
        if t not in new_set:
            grouped[_key(t.subject)][1].append(t)
    # A resource's label: English (or untagged) first, then the new version's.
    ranked: dict[str, tuple[int, int, str]] = {}
    for age, triples in ((0, new), (1, old)):
        for t in triples:
            if t.predicate.value == RDFS_LABEL and isinstance(t.object, ox.Literal):
                lang = (t.object.language or "en").lower()
                rank = (0 if lang == "en" or lang.startswith("en-") else 1, age, t.object.value)
                key = _key(t.subject)
                ranked[key] = min(ranked.get(key, rank), rank)
    labels = {k: v[2] for k, v in ranked.items()}
    return Diff(
        [
            ResourceChanges(subject, labels.get(subject), sorted(a, key=str), sorted(r, key=str))
            for subject, (a, r) in sorted(
                grouped.items(), key=lambda kv: (kv[0].startswith("_:"), kv[0])
            )
        ]
    )


def term_text(term: object) -> str:
    """A term in Turtle-like notation, IRIs shortened with the project's prefixes."""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in sorted(PREFIXES.items(), key=lambda kv: -len(kv[1])):
            local = term.value[len(ns) :]
            if term.value.startswith(ns) and local and all(c.isalnum() or c in "-_" for c in local):
                return f"{prefix}:{local}"
        return str(term)
    if isinstance(term, ox.Literal) and not term.language:
        datatype = term_text(term.datatype)
        if datatype == "xsd:string":
            return json.dumps(term.value, ensure_ascii=False)
        return f"{json.dumps(term.value, ensure_ascii=False)}^^{datatype}"
    if isinstance(term, ox.Literal):
        return f"{json.dumps(term.value, ensure_ascii=False)}@{term.language}"
    return str(term)


def write_text(result: Diff, out: TextIO) -> None:
    if not result.changes:
        out.write("No differences.\n")
        return
    out.write(
        f"{result.added} statements added, {result.removed} removed, "
        f"in {len(result.changes)} resources.\n"
    )
    for change in result.changes:
        head = (
            term_text(ox.NamedNode(change.resource))
            if not change.resource.startswith("_:")
            else change.resource
        )
        out.write(f"\n{head}" + (f"  ({change.label})" if change.label else "") + "\n")
        for sign, triples in (("+", change.added), ("-", change.removed)):
            for t in triples:
                out.write(f"  {sign} {term_text(t.predicate)} {term_text(t.object)}\n")


def as_json(result: Diff, old: str, new: str) -> dict[str, object]:
    def statements(triples: list[ox.Triple]) -> list[dict[str, str]]:
        return [{"predicate": t.predicate.value, "object": str(t.object)} for t in triples]

    return {
        "old": old,
        "new": new,
        "added": result.added,
        "removed": result.removed,
        "resources": [
            {
                "resource": c.resource,
                "label": c.label,
                "added": statements(c.added),
                "removed": statements(c.removed),
            }
            for c in result.changes
        ],
    }


def run_diff(old: Path, new: Path, fmt: str, out: TextIO, err: TextIO) -> int:
    try:
        result = diff(load_triples(old), load_triples(new))
    except DiffInputError as exc:
        err.write(f"accord diff: {exc}\n")
        return 2
    if fmt == "json":
        out.write(
            json.dumps(as_json(result, str(old), str(new)), indent=2, ensure_ascii=False) + "\n"
        )
    else:
        write_text(result, out)
    return 0
