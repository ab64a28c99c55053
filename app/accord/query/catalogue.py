"""The catalogue of named queries: ``queries/*.rq``, loaded once at start-up.

Each file starts with a header of ``#`` comment lines (format in ``queries/README.md``)::

    # title: Signatories and non-signatories of each declaration
    # description: One row per declaration and agent, with whether the agent signed
    #   (accord:Signature) or is reported as explicitly not signing.
    # param: state IRI optional. Restrict to one state (e.g. https://w3id.org/accord/id/FR).

A parameter's TYPE is ``IRI``, ``literal`` or an XSD datatype (``xsd:date``,
``xsd:integer``...).  The project's prefixes are prepended to the query for each prefix
it does not declare.  ``NamedQuery.bind`` checks request values and binds them to the
query's variables with VALUES blocks in every group that mentions them
(``app.sparql_text.insert_values``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Literal, URIRef

from accord.errors import AccordError, BadRequest
from accord.namespaces import PREFIXES
from accord.query.protocol import is_absolute_iri
from accord.sparql_text import insert_values, variables, with_prefixes

XSD = "http://www.w3.org/2001/XMLSchema#"
#: Request parameters that mean something else on /queries/{name}.
RESERVED = {"format", "labels"}
#: Lexical forms of the XSD datatypes a parameter may declare.
XSD_LEXICAL: dict[str, re.Pattern[str]] = {
    "string": re.compile(r".*", re.DOTALL),
    "date": re.compile(r"^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$"),
    "dateTime": re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$"),
    "gYear": re.compile(r"^-?\d{4,}(Z|[+-]\d{2}:\d{2})?$"),
    "integer": re.compile(r"^[+-]?\d+$"),
    "decimal": re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$"),
    "boolean": re.compile(r"^(true|false|1|0)$"),
}
_KEY = re.compile(r"^#\s?(?P<key>[A-Za-z]+):\s*(?P<value>.*)$")
_PARAM = re.compile(
    r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s+(?P<type>\S+?)(?P<optional>\s+optional)?\s*(\.\s*(?P<text>.*))?$",
    re.IGNORECASE | re.DOTALL,
)
# A SPARQL-style literal a client may give for a ``literal`` parameter: "v"@en, "v"^^xsd:t.
_TYPED = re.compile(
    r'^"(?P<value>.*)"(@(?P<lang>[A-Za-z]+(-[A-Za-z0-9]+)*)|\^\^(?P<dt>\S+))$', re.DOTALL
)


class CatalogueError(AccordError):
    """A named query file is malformed; the message names the file."""

    status = 500


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # "IRI", "literal" or an XSD datatype IRI
    optional: bool
    description: str

    def term(self, value: str) -> str:
        """The request value as a SPARQL term; BadRequest if it does not fit the type."""
        if self.type == "IRI":
            iri = _expand(value.strip())
            if not is_absolute_iri(iri):
                raise BadRequest(
                    f"parameter {self.name!r} must be an absolute IRI (or a prefixed name "
                    f"such as id:FR), not {value!r}"
                )
            return URIRef(iri).n3()
        if self.type == "literal":
            m = _TYPED.match(value)
            if m and m["lang"]:
                return Literal(m["value"], lang=m["lang"]).n3()
            if m and m["dt"]:
                dt = _expand(m["dt"].strip("<>"))
                return _typed(self.name, m["value"], dt)
            return Literal(value).n3()
        return _typed(self.name, value, self.type)

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "type": self.type,
            "optional": self.optional,
            "description": self.description,
        }


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str  # with the project prefixes prepended
    params: tuple[Param, ...] = field(default_factory=tuple)

    def bind(self, values: Mapping[str, str]) -> str:
        """The query text with the request's parameter values bound."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(values) - declared.keys() - RESERVED)
        if unknown:
            known = ", ".join(declared) or "none"
            raise BadRequest(
                f"unknown parameter {', '.join(map(repr, unknown))} for query {self.name!r} "
                f"(its parameters: {known})"
            )
        missing = [p.name for p in self.params if not p.optional and not values.get(p.name)]
        if missing:
            raise BadRequest(f"query {self.name!r} needs parameter {', '.join(missing)}")
        bindings = {
            p.name: p.term(values[p.name]) for p in self.params if values.get(p.name, "") != ""
        }
        return insert_values(self.text, bindings)


def load_catalogue(folder: Path) -> dict[str, NamedQuery]:
    """Every ``*.rq`` file of ``folder`` by name (its stem), sorted by name."""
    if not folder.is_dir():
        raise CatalogueError(f"{folder}: the named-query folder does not exist")
    return {p.stem: load_query(p) for p in sorted(folder.glob("*.rq"))}


def load_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    header: dict[str, str] = {}
    params: list[list[str]] = []
    current: list[str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        key = _KEY.match(line)
        if key and not line.startswith("#  "):
            name = key["key"].lower()
            if name == "param":
                params.append([key["value"].strip(), str(number)])
                current = params[-1]
            else:
                header[name] = key["value"].strip()
                current = None if name != "description" else [header[name], name]
        elif current is not None and line[1:].strip():
            current[0] += " " + line[1:].strip()
            if current[1] == "description":
                header["description"] = current[0]
        else:
            current = None
    query = with_prefixes(text, PREFIXES)
    parsed = tuple(_param(path, spec, line, query) for spec, line in params)
    names = [p.name for p in parsed]
    if len(set(names)) != len(names):
        raise CatalogueError(f"{path}: a parameter is declared twice")
    return NamedQuery(
        name=path.stem,
        title=header.get("title", path.stem),
        description=header.get("description", ""),
        text=query,
        params=parsed,
    )


def _param(path: Path, spec: str, line: str, query: str) -> Param:
    m = _PARAM.match(spec)
    if not m:
        raise CatalogueError(f"{path}:{line}: expected 'param: NAME TYPE [optional]. TEXT'")
    name, kind = m["name"], m["type"]
    if kind.lower() == "iri":
        kind = "IRI"
    elif kind.lower() == "literal":
        kind = "literal"
    else:
        kind = _expand(kind.strip("<>"))
        if not kind.startswith(XSD) or kind[len(XSD) :] not in XSD_LEXICAL:
            raise CatalogueError(
                f"{path}:{line}: parameter {name!r} has type {m['type']!r}; use IRI, literal "
                f"or one of {', '.join('xsd:' + t for t in XSD_LEXICAL)}"
            )
    if name in RESERVED:
        raise CatalogueError(f"{path}:{line}: parameter name {name!r} is reserved")
    if name not in variables(query):
        raise CatalogueError(f"{path}:{line}: parameter {name!r} is not a variable of the query")
    return Param(name, kind, bool(m["optional"]), (m["text"] or "").strip())


def _expand(value: str) -> str:
    """A prefixed name of the project's prefix map as a full IRI; anything else as is."""
    prefix, sep, local = value.partition(":")
    if sep and prefix in PREFIXES and not local.startswith("//"):
        return PREFIXES[prefix] + local
    return value


def _typed(name: str, value: str, datatype: str) -> str:
    local = datatype[len(XSD) :] if datatype.startswith(XSD) else None
    pattern = XSD_LEXICAL.get(local) if local else None
    if pattern is None and not is_absolute_iri(datatype):
        raise BadRequest(f"parameter {name!r}: {datatype!r} is not a datatype IRI")
    if pattern is not None and not pattern.match(value.strip()):
        raise BadRequest(f"parameter {name!r} must be an xsd:{local}, not {value!r}")
    return Literal(value.strip(), datatype=URIRef(datatype)).n3()
