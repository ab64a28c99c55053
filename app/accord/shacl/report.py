"""SHACL validation reports for people (text) and machines (JSON, Turtle).

A pySHACL results graph is turned into a list of :class:`Violation` rows, each tied to
the file(s) in which its focus node is described, then printed grouped by file and
focus node, or written as JSON or as the ``sh:ValidationReport`` in Turtle.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import groupby

from rdflib import Graph, Literal
from rdflib.namespace import SH, NamespaceManager
from rdflib.term import BNode, Node

from accord.namespaces import PREFIXES


def namespace_manager() -> NamespaceManager:
    """A namespace manager with exactly the project's prefixes."""
    nsm = NamespaceManager(Graph(), bind_namespaces="none")
    for prefix, iri in PREFIXES.items():
        nsm.bind(prefix, iri, override=True, replace=True)
    return nsm


_NSM = namespace_manager()


def short(node: Node | None) -> str | None:
    """A node as a person reads it: ``id:FR``, ``"2026-01-06"^^xsd:date``, ``_:b0``."""
    if node is None:
        return None
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        return node.n3(_NSM)
    return node.n3(_NSM)


@dataclass(frozen=True)
class Violation:
    """One validation result, tied to the file that describes its focus node."""

    file: str | None
    focus: str
    path: str | None
    value: str | None
    severity: str
    message: str
    shape: str | None
    component: str | None

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)


#: Full IRIs in our namespaces, as SHACL-SPARQL messages spell them out.
_FULL_IRI = re.compile(
    "(" + "|".join(re.escape(iri) for iri in sorted(PREFIXES.values(), key=len, reverse=True)) + ")"
    r"([A-Za-z0-9_][\w-]*)"
)
_PREFIX_OF = {iri: prefix for prefix, iri in PREFIXES.items()}


def _message(results: Graph, result: Node) -> str:
    messages = [m for m in results.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    english = [m for m in messages if m.language in (None, "en")] or messages
    text = " / ".join(sorted(str(m) for m in english)) or "(no message)"
    return _FULL_IRI.sub(lambda m: f"{_PREFIX_OF[m.group(1)]}:{m.group(2)}", text)


def violations(results: Graph, files_of: Mapping[Node, Sequence[str]]) -> list[Violation]:
    """The results of a pySHACL results graph, sorted by file, focus node and path."""
    rows = []
    # Only the report's own results: nested sh:detail results explain them.
    for result in results.objects(predicate=SH.result):
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        severity = results.value(result, SH.resultSeverity)
        files = files_of.get(focus, ()) if focus is not None else ()
        rows.append(
            Violation(
                file=files[0] if files else None,
                focus=short(focus) or "?",
                path="(complex path)" if isinstance(path, BNode) else short(path),
                value=short(results.value(result, SH.value)),
                severity=str(severity).rpartition("#")[2] if severity else "Violation",
                message=_message(results, result),
                shape=short(results.value(result, SH.sourceShape)),
                component=short(results.value(result, SH.sourceConstraintComponent)),
            )
        )
    return ordered(rows)


def ordered(rows: Iterable[Violation]) -> list[Violation]:
    """Rows in report order: by file, focus node, path, value and shape."""
    return sorted(
        rows, key=lambda v: (v.file or "", v.focus, v.path or "", v.value or "", v.shape or "")
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(rows: Sequence[Violation], checked: str, n_files: int) -> str:
    """The last line of the report: what conforms, or how much does not."""
    if not rows:
        return f"{checked} conforms ({_plural(n_files, 'file')} checked)"
    errors = [r for r in rows if r.severity == "Violation"]
    others = len(rows) - len(errors)
    files = {r.file for r in rows}
    text = f"{_plural(len(errors), 'violation')} in {_plural(len(files), 'file')}"
    if others:
        text += f" (and {_plural(others, 'warning')})"
    return f"{text}; {_plural(n_files, 'file')} checked"


def format_text(rows: Sequence[Violation], checked: str, n_files: int) -> str:
    """The report for people: by file, then by focus node, one line per problem."""
    lines: list[str] = []
    for file, in_file in groupby(rows, key=lambda r: r.file):
        lines.append(file or "(focus node not found in any input file)")
        for focus, at_focus in groupby(in_file, key=lambda r: r.focus):
            lines.append(f"  {focus}")
            for row in at_focus:
                where = row.path or "(the node itself)"
                if row.value is not None and row.value != row.focus:
                    where += f" = {row.value}"
                level = "" if row.severity == "Violation" else f"{row.severity}: "
                lines.append(f"    {where}")
                lines.append(f"      {level}{row.message}")
                lines.append(f"      [{', '.join(n for n in (row.shape, row.component) if n)}]")
        lines.append("")
    lines.append(summary(rows, checked, n_files))
    return "\n".join(lines) + "\n"


def format_json(rows: Sequence[Violation]) -> str:
    return json.dumps([row.as_dict() for row in rows], indent=2, ensure_ascii=False) + "\n"


def format_turtle(results: Graph) -> str:
    """The sh:ValidationReport itself, with the project's prefixes."""
    graph = Graph(bind_namespaces="none")
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True, replace=True)
    for triple in results:
        graph.add(triple)
    return graph.serialize(format="turtle")
