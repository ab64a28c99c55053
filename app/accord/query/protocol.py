"""Reading a SPARQL 1.1 Protocol request: which operation, which text, which dataset.

``parse_request`` is pure (method, URL parameters, Content-Type, body in; a
``SparqlRequest`` or a typed error out), so every rule of the protocol is tested
without a server: query by GET, by URL-encoded POST or by direct POST; update only by
POST; one ``query`` (or ``update``) at most, never both; UTF-8 only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import parse_qsl

from accord.errors import BadRequest, QuerySyntaxError, UnsupportedMediaType
from accord.sparql_text import has_keyword

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
POST_TYPES = (FORM, QUERY, UPDATE)

#: An absolute IRI: a scheme, then no character that IRIs forbid.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off", ""}

Operation = Literal["query", "update", "description"]


@dataclass
class SparqlRequest:
    """What a request to the endpoint asks for."""

    operation: Operation
    text: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)
    format: str | None = None
    labels: bool = False


def parse_request(
    method: str,
    params: Sequence[tuple[str, str]],
    content_type: str | None,
    body: bytes,
) -> SparqlRequest:
    """Read a request; ``params`` are the URL's query parameters in order."""
    params = list(params)
    method = method.upper()
    direct: tuple[str, str] | None = None
    if method == "POST":
        media_type, charset = split_content_type(content_type)
        if media_type not in POST_TYPES:
            got = f"Content-Type {content_type!r}" if content_type else "no Content-Type"
            raise UnsupportedMediaType(
                f"a POST to the SPARQL endpoint needs Content-Type {FORM}, {QUERY} or {UPDATE}; "
                f"got {got}"
            )
        if charset not in (None, "utf-8", "utf8"):
            raise UnsupportedMediaType(f"only UTF-8 is supported, not charset={charset}")
        text = _decode(body)
        if media_type == FORM:
            params += parse_qsl(text, keep_blank_values=True)
        else:
            operation = "query" if media_type == QUERY else "update"
            if any(k in ("query", "update") for k, _ in params):
                raise BadRequest(
                    f"a {media_type} POST carries the {operation} in its body; "
                    "do not also give a 'query' or 'update' parameter"
                )
            direct = (operation, text)
    elif any(k == "update" for k, _ in params):
        raise BadRequest("a SPARQL Update must be sent by POST, not GET")

    queries = _all(params, "query")
    updates = _all(params, "update")
    if direct:
        (queries if direct[0] == "query" else updates).append(direct[1])
    if len(queries) > 1:
        raise BadRequest(f"{len(queries)} queries given; send exactly one 'query'")
    if len(updates) > 1:
        raise BadRequest(f"{len(updates)} updates given; send exactly one 'update'")
    if queries and updates:
        raise BadRequest("a request carries either a 'query' or an 'update', not both")

    request = SparqlRequest(
        operation="description",
        default_graphs=_iris(params, "default-graph-uri"),
        named_graphs=_iris(params, "named-graph-uri"),
        using_graphs=_iris(params, "using-graph-uri"),
        using_named_graphs=_iris(params, "using-named-graph-uri"),
        format=_one(params, "format"),
        labels=parse_bool("labels", _one(params, "labels")),
    )
    if queries or updates:
        request.operation = "query" if queries else "update"
        request.text = (queries or updates)[0]
        if not request.text.strip():
            raise BadRequest(f"the {request.operation} is empty")
    elif method == "POST":
        raise BadRequest("missing 'query' or 'update' in the POST")
    return request


def split_content_type(header: str | None) -> tuple[str | None, str | None]:
    """The media type (lower case) and charset (lower case, if given) of a Content-Type."""
    if not header:
        return None, None
    fields = [f.strip() for f in header.split(";")]
    charset = None
    for param in fields[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').lower()
    return fields[0].lower(), charset


def parse_bool(name: str, value: str | None) -> bool:
    """A boolean parameter: true/false, 1/0, yes/no, on/off; absent is false."""
    if value is None:
        return False
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise BadRequest(f"parameter {name!r} must be true or false, not {value!r}")


def is_absolute_iri(value: str) -> bool:
    return bool(_IRI.match(value))


def _decode(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest(f"the request body is not valid UTF-8 (byte {exc.start})") from exc


def _all(params: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in params if k == name]


def _one(params: list[tuple[str, str]], name: str) -> str | None:
    values = _all(params, name)
    if len(values) > 1:
        raise BadRequest(f"parameter {name!r} given {len(values)} times; give it once")
    return values[0] if values else None


def _iris(params: list[tuple[str, str]], name: str) -> list[str]:
    values = _all(params, name)
    for v in values:
        if not is_absolute_iri(v):
            raise BadRequest(f"{name} must be an absolute IRI, not {v!r}")
    return values


def check_update(request: SparqlRequest) -> None:
    """Reject an update that does not parse, or that names its dataset twice (both
    ``using-graph-uri``/``using-named-graph-uri`` and USING/WITH in the text)."""
    # rdflib's parser only checks the syntax here; it is imported late because it is
    # slow to load and only needed when updates are enabled.
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseUpdate

    text = request.text or ""
    try:
        parseUpdate(text)
    except ParseBaseException as exc:
        raise QuerySyntaxError(
            f"SPARQL Update syntax error at {exc.lineno}:{exc.col}: {exc.msg}"
        ) from exc
    if (request.using_graphs or request.using_named_graphs) and has_keyword(text, "USING", "WITH"):
        raise BadRequest(
            "the update names its dataset with USING/WITH and with using-graph-uri or "
            "using-named-graph-uri; give one or the other"
        )
